// Tokens for a simulated day (issue 4): vigil — quiet ticks skipped, a cached stable
// prefix — beside a naive heartbeat that sends the full context on every tick. Both
// talk through the real @anthropic-ai/sdk to the fake Messages API of the tests, which
// counts tokens (~4 characters each) and caches prefixes like the API, under the
// simulation's fake clock. vigil runs its real parts from dist/: TickService, the
// Initiative, the policy gate, the Anthropic provider, the daily log.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAnthropic } from '../test/fakes/fake-anthropic.mjs';
import { simulatedDay } from './lib/day.mjs';
import { cannedReads, investigatingModel, promptText, withCiFanOut } from './lib/investigating.mjs';

export const summary = 'a simulated day of model calls: vigil (quiet ticks, cached prefix) vs a naive heartbeat';
export const help = `tokens
  One day on a fake clock: 96 ticks at the default schedule (*/15), 40 webhook
  deliveries between 09:00 and 17:00 (payloads from @octokit/webhooks-examples), three
  commits to a watched clone, a realistic MEMORY.md and CLAUDE.md (bench/fixtures/).
  vigil runs twice (cacheTtl 1h, the default, and 5m); the naive heartbeat calls the
  model on every tick with everything since the last one, no cache breakpoint.
  Reports model calls, input tokens, the share read from cache, uncached input tokens
  (input + cache writes) and an estimated cost at Sonnet 4.6 list prices.
  Targets: ≥ 80 % of vigil's input tokens read from cache, ≥ 5× fewer uncached input
  tokens than the naive heartbeat, no model call for a tick in which nothing changed.

  Investigation (issue 14): the same day with the read-only tools on (a scripted model
  calls 0–3 of them per decision; GitHub reads answer with text of the sizes the worker's
  reads give), beside it off. Targets: ≥ 75 % of input read from cache with it on, and
  uncached input ≤ 1.5× the figure with it off.
  CI fan-out (issue 14): the day with a CI run after every push and synchronize (13
  deliveries each), decided one call per delivery (as before issue 14) beside vigil's
  coalescing (github.coalesceSeconds 20) and skipped CI noise (model.skipEvents).
  Target: ≥ 30 % fewer model calls.`;

const TARGETS = { cacheShare: 0.8, uncachedRatio: 5, investigateCacheShare: 0.75, investigateUncached: 1.5, coalescingCut: 0.3 };
const KEY = 'sk-ant-bench-key-not-a-real-one';
const MODEL = 'claude-sonnet-4-6';
const FIXTURES = new URL('./fixtures/', import.meta.url);
const dist = (path) => import(new URL(`../dist/${path}`, import.meta.url).href);

export async function run() {
  const mods = await loadDist();
  const start = new Date(2026, 10, 25, 0, 0, 0).getTime();
  const day = simulatedDay(start);
  const results = [
    await runVigil(mods, day, start, '1h'),
    await runVigil(mods, day, start, '5m'),
    await runNaive(mods, day, start),
    await runVigil(mods, day, start, '1h', { investigate: true, name: 'vigil, investigation on' }),
  ];
  const ciDay = withCiFanOut(day);
  const fanOut = [
    await runVigil(mods, ciDay, start, '1h', { name: 'CI day: one call per delivery' }),
    await runVigil(mods, ciDay, start, '1h', { coalesce: true, name: 'CI day: coalesced and skipped' }),
  ];
  return report(results, fanOut, mods);
}

async function loadDist() {
  // Like the tests, a bench may reach past a room's surface: the naive heartbeat is built
  // from the same prompt parts as vigil's decisions.
  const modules = [
    'store/index.js', 'initiative/index.js', 'initiative/prompt.js', 'initiative/context.js', 'tick/index.js', 'model/index.js',
    'model/decide-tool.js', 'model/prices.js', 'config/schema.js', 'clock.js', 'logs/index.js', 'journal/index.js', 'events.js', 'policy/gate.js',
    'initiative/toolbox.js', 'initiative/thread.js', 'investigate/index.js', 'memory/index.js',
  ];
  return Object.assign({}, ...(await Promise.all(modules.map(dist))));
}

/** A temp home with the fixtures' MEMORY.md and a git clone with the fixtures' CLAUDE.md. */
function world() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tokens-'));
  mkdirSync(join(dir, 'memory'));
  mkdirSync(join(dir, 'logs'));
  copyFileSync(new URL('MEMORY.md', FIXTURES), join(dir, 'memory', 'MEMORY.md'));
  const clone = join(dir, 'app');
  mkdirSync(clone);
  copyFileSync(new URL('CLAUDE.md', FIXTURES), join(clone, 'CLAUDE.md'));
  const git = (...args) => execFileSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', ...args], { cwd: clone, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  let n = 0;
  const commit = () => {
    writeFileSync(join(clone, `change-${++n}.txt`), `change ${n}\n`);
    git('add', '.');
    git('commit', '-q', '-m', `change ${n}`);
  };
  return { dir, clone, commit, repos: [{ name: 'octo/app', path: clone }] };
}

/** What the scripted model answers: most events need nothing; new issues are told, some labelled. */
function scriptedModel(fake) {
  let issues = 0;
  fake.respond = (body) => {
    const text = promptText(body);
    if (/# Event github\.issues\.opened/.test(text)) {
      const number = Number(/"number": (\d+)/.exec(text)?.[1] ?? 1);
      const proposals = [{ action: 'notify', params: { title: 'New issue', body: `#${number}` }, rationale: 'the owner wants new issues' }];
      if (++issues % 3 === 0) proposals.push({ action: 'github.label', params: { repo: 'octo/app', number, labels: ['triage'] }, rationale: 'untriaged' });
      return { decide: { act: true, summary: `new issue #${number}`, proposals } };
    }
    return { decide: { act: false, summary: 'nothing that needs the owner', proposals: [] } };
  };
}

async function runVigil(m, day, start, cacheTtl, options = {}) {
  const { dir, commit, repos } = world();
  const clock = new m.FakeClock(start);
  const fake = new FakeAnthropic({ apiKey: KEY, now: () => clock.now(), minCacheTokens: 1024 });
  await fake.start();
  scriptedModel(fake);
  if (options.investigate) investigatingModel(fake, fake.respond);
  const store = m.Store.open(join(dir, 'vigil.db'));
  const log = new m.DailyLog({ dir: join(dir, 'logs'), clock });
  try {
    const journal = new m.Journal(store, log, join(dir, 'logs'));
    const provider = m.createProvider(m.ModelConfig.parse({ provider: 'anthropic', model: MODEL, cacheTtl }), [], {
      secrets: { anthropicApiKey: KEY },
      env: { ANTHROPIC_BASE_URL: fake.url },
      clock,
    });
    const permissions = m.PermissionsConfig.parse({});
    const deps = { store, journal, clock, provider, permissions, repos, memoryDir: join(dir, 'memory'), logsDir: join(dir, 'logs') };
    const model = m.ModelConfig.parse({ provider: 'anthropic', model: MODEL, cacheTtl });
    const toolbox = options.investigate ? new m.Toolbox({ tools: investigationTools(m, store, dir, repos), budgets: model.decision, journal, clock }) : undefined;
    // Coalescing and skipped CI noise as the daemon configures them; without, one call per delivery (before issue 14).
    const triage = options.coalesce ? { triage: m.triageConfig({ model, rules: [], github: m.GithubConfig.parse({}) }), coalesceMs: COALESCE_MS } : {};
    const initiative = new m.Initiative({ ...deps, ...triage, ...(toolbox ? { toolbox } : {}), onApproved: () => {}, onApprovalRequested: () => {} });
    const tick = new m.TickService(m.TickConfig.parse({}), repos, { store, journal, clock, onEnqueued: () => {} });
    // Held events (a CI run still arriving) wait for a later drain: one after every delivery's window.
    const drain = async () => {
      for (let outcome; (outcome = await initiative.decideNext()) !== 'idle' && outcome !== 'waiting'; ) {
        if (outcome !== 'decided') throw new Error(`a decision ${outcome}: ${JSON.stringify(log.tail(3))}`);
      }
    };
    const ticks = { skipped: 0, decided: 0, decidedWithoutChange: 0 };
    for (const item of timeline(day, options.coalesce ? COALESCE_MS + 1000 : 0)) {
      clock.set(item.at);
      if (item.type === 'drain') await drain();
      if (item.type === 'commit') commit();
      if (item.type === 'webhook') {
        store.transaction(() => {
          const { id } = store.inbox.add({ source: 'github', kind: item.kind, deliveryId: item.deliveryId, payload: JSON.stringify(item.payload), receivedAt: item.at });
          journal.stage(m.eventRecord('event.received', { eventId: id, source: 'github', kind: item.kind, deliveryId: item.deliveryId }, item.at));
        });
        journal.flush();
        await drain();
      }
      if (item.type === 'tick') {
        const outcome = await tick.onSchedule();
        if (outcome.outcome === 'skipped') ticks.skipped++;
        if (outcome.outcome === 'enqueued') {
          ticks.decided++;
          const payload = JSON.parse(store.inbox.get(outcome.eventId).payload);
          if (payload.changes.length === 0) ticks.decidedWithoutChange++;
        }
        await drain();
      }
    }
    clock.advance(COALESCE_MS + 1000);
    await drain();
    const decisions = store.db.prepare(`SELECT count(*) AS n FROM decisions`).get().n;
    const name = options.name ?? `vigil (${cacheTtl === '1h' ? '1 h' : '5 min'} cache)`;
    return { name, cacheTtl, ticks, decisions, deliveries: day.webhooks.length, ...sums(fake) };
  } finally {
    store.close();
    log.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The naive heartbeat: on every tick, the whole context — system prompt, catalog,
 * policy, MEMORY.md, CLAUDE.md, repo state and every event since the last tick —
 * in one uncached request. Same prompt parts as vigil, so only the strategy differs.
 */
async function runNaive(m, day, start) {
  const { dir, commit, repos } = world();
  const clock = new m.FakeClock(start);
  const fake = new FakeAnthropic({ apiKey: KEY, now: () => clock.now(), minCacheTokens: 1024 });
  await fake.start();
  scriptedModel(fake);
  const store = m.Store.open(join(dir, 'vigil.db'));
  try {
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
    const tool = await m.decideTool();
    let pending = [];
    for (const item of timeline(day)) {
      clock.set(item.at);
      if (item.type === 'commit') commit();
      if (item.type === 'webhook') pending.push({ kind: item.kind, payload: item.payload });
      if (item.type !== 'tick') continue;
      const payload = { trigger: 'schedule', mark: { lastEventId: 0, approvalsVersion: 0, repos: {} }, dueReminders: [], changes: ['heartbeat'] };
      const prompt = m.buildPrompt({
        permissions: m.describePermissions(m.PermissionsConfig.parse({})),
        memory: await m.readMemoryIndex(join(dir, 'memory')),
        instructions: await m.readRepoInstructions(repos),
        event: { id: 0, source: 'heartbeat', kind: 'heartbeat', payload: { eventsSinceLastBeat: pending } },
        context: await m.buildContext(m.homeContext(store), repos, payload, { now: clock.now() }),
        owner: 'You work for the owner of this vigil.',
        ownerNow: new Date(clock.now()).toISOString(),
      });
      pending = [];
      await client.messages.create({
        model: MODEL,
        max_tokens: 1024,
        tools: [{ name: tool.name, description: tool.description, input_schema: tool.inputSchema }],
        tool_choice: { type: 'tool', name: 'decide' },
        system: `${prompt.system}\n\n${prompt.stable}`,
        messages: [{ role: 'user', content: prompt.dynamic }],
      });
    }
    return { name: 'naive heartbeat', cacheTtl: '5m', ticks: { skipped: 0, decided: 96, decidedWithoutChange: 0 }, decisions: 96, deliveries: day.webhooks.length, ...sums(fake) };
  } finally {
    store.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeline(day, drainAfterMs = 0) {
  const items = [
    ...day.webhooks.map((w) => ({ type: 'webhook', ...w })),
    ...(drainAfterMs ? day.webhooks.map((w) => ({ type: 'drain', at: w.at + drainAfterMs })) : []),
    ...day.commits.map((at) => ({ type: 'commit', at })),
    ...day.ticks.map((at) => ({ type: 'tick', at })),
  ];
  // At the same instant: deliveries and commits first, then the tick that sees them.
  const order = { webhook: 0, drain: 1, commit: 2, tick: 3 };
  return items.sort((a, b) => a.at - b.at || order[a.type] - order[b.type]);
}

/** The real read-only tools on the bench's clone, memory and store, as the daemon builds them; GitHub reads answered by `cannedReads`. */
function investigationTools(m, store, dir, repos) {
  return [
    ...m.repoTools(repos, { alreadyInPrompt: m.instructionsInPrompt(repos) }),
    ...m.githubTools(cannedReads),
    ...m.memoryTools({ files: new m.MemoryFiles(join(dir, 'memory')), searchIndex: new m.SearchIndex(store, join(dir, 'logs')) }),
    m.historyTool((subject) => m.threadMemory(store, subject).lines),
  ];
}

const COALESCE_MS = 20_000;

function sums(fake) {
  const total = { calls: fake.calls.length, toolCalls: 0, input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  for (const call of fake.calls) {
    total.toolCalls += call.reply?.calls?.length ?? 0;
    total.input += call.usage.input_tokens;
    total.cacheWrite += call.usage.cache_creation_input_tokens;
    total.cacheRead += call.usage.cache_read_input_tokens;
    total.output += call.usage.output_tokens;
  }
  total.answers = toolAnswers(fake.calls);
  total.split = uncachedSplit(fake.calls, total.answers);
  total.allInput = total.input + total.cacheWrite + total.cacheRead;
  total.uncached = total.input + total.cacheWrite;
  total.cacheShare = total.allInput ? total.cacheRead / total.allInput : 0;
  return total;
}

/**
 * Where a run's uncached input went: a decision's first call (its event, and the stable
 * prefix whenever the cache had expired: the calls that wrote more than the event) and
 * the turns after a tool call (the answers, and the tool calls and result blocks around
 * them). `prefixChars` is the size of what the prefix carries per call: tools and system.
 */
function uncachedSplit(calls, answers) {
  const split = { firstCalls: 0, prefixWrites: 0, prefixTokens: 0, laterTurns: 0, answers: 0, wrappers: 0, prefixChars: 0 };
  const uncached = (c) => c.usage.input_tokens + c.usage.cache_creation_input_tokens;
  const firsts = calls.filter((c) => c.body.messages.length === 1);
  const median = firsts.map(uncached).sort((a, b) => a - b)[firsts.length >> 1] ?? 0;
  for (const c of calls) {
    if (c.body.messages.length === 1) {
      split.firstCalls += uncached(c);
      // A write of over twice the median first call carried the prefix (the cache had expired).
      if (uncached(c) > 2 * median) {
        split.prefixWrites++;
        split.prefixTokens += uncached(c) - median;
      }
    } else split.laterTurns += uncached(c);
    split.prefixChars = Math.max(split.prefixChars, JSON.stringify(c.body.tools ?? []).length + JSON.stringify(c.body.system ?? '').length);
  }
  split.answers = Object.values(answers).reduce((sum, a) => sum + a.tokens, 0);
  split.wrappers = split.laterTurns - split.answers;
  return split;
}

/** Each tool's answers (the tool_result blocks a request adds), by tool: how many, and their tokens. */
function toolAnswers(calls) {
  const byTool = {};
  for (const { body } of calls) {
    const [last, previous] = [body.messages.at(-1), body.messages.at(-2)];
    if (last?.role !== 'user' || !Array.isArray(last.content) || previous?.role !== 'assistant') continue;
    const names = new Map(previous.content.filter((b) => b.type === 'tool_use').map((b) => [b.id, b.name]));
    for (const block of last.content.filter((b) => b.type === 'tool_result')) {
      const name = names.get(block.tool_use_id) ?? '?';
      const text = typeof block.content === 'string' ? block.content : block.content.map((c) => c.text ?? '').join('');
      const entry = (byTool[name] ??= { count: 0, tokens: 0 });
      entry.count++;
      entry.tokens += Math.ceil(text.length / 4);
    }
  }
  return byTool;
}

function report(results, fanOut, m) {
  const [vigil, , naive, investigating] = results;
  const [perDelivery, coalesced] = fanOut;
  const cost = (r) =>
    m.estimateCostUsd({ inputTokens: r.input, outputTokens: r.output, cacheCreationTokens: r.cacheWrite, cacheReadTokens: r.cacheRead }, m.BUILT_IN_PRICES[MODEL], r.cacheTtl);
  const ratio = naive.uncached / vigil.uncached;
  const quietCalls = vigil.calls - vigil.decisions; // every call must have been a decision (no repairs here)
  const investigateUncached = investigating.uncached / vigil.uncached;
  const coalescingCut = 1 - coalesced.calls / perDelivery.calls;
  const pass = {
    cacheShare: vigil.cacheShare >= TARGETS.cacheShare,
    uncachedRatio: ratio >= TARGETS.uncachedRatio,
    quietTicks: vigil.ticks.decidedWithoutChange === 0 && quietCalls === 0,
    investigateCacheShare: investigating.cacheShare >= TARGETS.investigateCacheShare,
    investigateUncached: investigateUncached <= TARGETS.investigateUncached,
    coalescing: coalescingCut >= TARGETS.coalescingCut,
  };
  const n = (x) => x.toLocaleString('en-US');
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  const table = (runs) => {
    const rows = [
      ['', ...runs.map((r) => r.name)],
      ['deliveries', ...runs.map((r) => n(r.deliveries))],
      ['model calls', ...runs.map((r) => n(r.calls))],
      ['  decisions', ...runs.map((r) => n(r.decisions))],
      ['  tool calls (investigation)', ...runs.map((r) => n(r.toolCalls))],
      ['  ticks decided / skipped', ...runs.map((r) => `${r.ticks.decided} / ${r.ticks.skipped}`)],
      ['input tokens (all)', ...runs.map((r) => n(r.allInput))],
      ['  read from cache', ...runs.map((r) => n(r.cacheRead))],
      ['  written to cache', ...runs.map((r) => n(r.cacheWrite))],
      ['  uncached input', ...runs.map((r) => n(r.input))],
      ['share read from cache', ...runs.map((r) => pct(r.cacheShare))],
      ['uncached input tokens (input + writes)', ...runs.map((r) => n(r.uncached))],
      ['output tokens', ...runs.map((r) => n(r.output))],
      ['est. cost, Sonnet 4.6 list prices', ...runs.map((r) => `$${cost(r).toFixed(3)}`)],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)) + 2);
    for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join(''));
  };
  console.log('\ntokens: one simulated day (96 ticks, 40 webhooks 09:00–17:00, 3 commits), fake Messages API');
  table(results);
  console.log(`\nthe same day with a CI run after each push and synchronize (${perDelivery.deliveries} deliveries)`);
  table(fanOut);
  console.log('\ninvestigation on, tool answers by tool (count, tokens, tokens per answer):');
  for (const [name, { count, tokens }] of Object.entries(investigating.answers).sort((a, b) => b[1].tokens - a[1].tokens)) {
    console.log(`  ${name.padEnd(20)} ${String(count).padStart(4)}  ${n(tokens).padStart(8)}  ${String(Math.round(tokens / count)).padStart(6)}`);
  }
  const [off, on] = [vigil.split, investigating.split];
  const fixed = (on.firstCalls - off.firstCalls + on.wrappers) / vigil.uncached;
  console.log('\nuncached input, where it goes (investigation off → on):');
  console.log(`  decisions' first calls          ${n(off.firstCalls)} → ${n(on.firstCalls)}  (the prefix written ${off.prefixWrites} → ${on.prefixWrites} times, ≈ ${n(Math.round(off.prefixTokens / Math.max(1, off.prefixWrites)))} → ${n(Math.round(on.prefixTokens / Math.max(1, on.prefixWrites)))} tokens each: the tools and system, ${n(off.prefixChars)} → ${n(on.prefixChars)} characters)`);
  console.log(`  turns after a tool call         ${n(off.laterTurns)} → ${n(on.laterTurns)}  (the answers ${n(on.answers)}; the tool calls and result blocks around them ${n(on.wrappers)})`);
  console.log(`  with every answer empty, on / off would be ${(1 + fixed).toFixed(2)}×; at ${TARGETS.investigateUncached}× the answers could take ${n(Math.max(0, Math.round((TARGETS.investigateUncached - 1 - fixed) * vigil.uncached)))} tokens, ≈ ${Math.max(0, Math.round(((TARGETS.investigateUncached - 1 - fixed) * vigil.uncached) / Math.max(1, investigating.toolCalls)))} an answer`);
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  console.log(`\nvigil share of input read from cache: ${pct(vigil.cacheShare)} (target ≥ ${pct(TARGETS.cacheShare)})  ${mark(pass.cacheShare)}`);
  console.log(`naive / vigil uncached input tokens:  ${ratio.toFixed(1)}× (target ≥ ${TARGETS.uncachedRatio}×)  ${mark(pass.uncachedRatio)}`);
  console.log(`model calls for ticks where nothing changed: ${vigil.ticks.decidedWithoutChange + quietCalls} (target 0)  ${mark(pass.quietTicks)}`);
  console.log(`investigation on, share read from cache: ${pct(investigating.cacheShare)} (target ≥ ${pct(TARGETS.investigateCacheShare)})  ${mark(pass.investigateCacheShare)}`);
  console.log(`investigation on / off, uncached input: ${investigateUncached.toFixed(2)}× (target ≤ ${TARGETS.investigateUncached}×)  ${mark(pass.investigateUncached)}`);
  console.log(`CI fan-out, model calls cut by coalescing and skipEvents: ${pct(coalescingCut)} (${perDelivery.calls} → ${coalesced.calls}; target ≥ ${pct(TARGETS.coalescingCut)})  ${mark(pass.coalescing)}`);
  const result = { bench: 'tokens', results, fanOut, uncachedRatio: ratio, investigateUncached, coalescingCut, targets: TARGETS, pass, ok: Object.values(pass).every(Boolean) };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  return result;
}
