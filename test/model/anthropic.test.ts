import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, harness, inboxState, issueOpened, later } from './helpers.js';

async function fakeServer(): Promise<FakeAnthropic> {
  const fake = new FakeAnthropic({ apiKey: FAKE_KEY, minCacheTokens: 0 });
  await fake.start();
  later(() => fake.stop());
  return fake;
}

const NOTE = { act: true, summary: 'a new issue', proposals: [{ action: 'notify', params: { title: 'Issue', body: '#7' }, rationale: 'owner wants to know' }] };

describe('the Anthropic provider, real SDK against a fake Messages API', () => {
  for (const stream of [false, true]) {
    it(`a webhook event becomes a decision through the forced tool call (${stream ? 'SSE stream' : 'JSON'})`, async () => {
      const fake = await fakeServer();
      fake.push({ decide: NOTE });
      const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, stream, eventModel: 'claude-sonnet-4-6' } });
      const id = h.addEvent('github.issues.opened', issueOpened(7, 'Crash on start', 'It crashes.'));
      expect(await h.initiative.decideNext()).toBe('decided');

      const [call] = fake.calls;
      expect(call!.body.stream ?? false).toBe(stream);
      expect(call!.body.model).toBe('claude-sonnet-4-6');
      expect(call!.body.tool_choice).toEqual({ type: 'tool', name: 'decide' });
      expect(call!.body.tools).toHaveLength(1);
      expect(call!.body.tools[0].name).toBe('decide');
      // The tool's schema is generated from the zod schema the answer is validated with.
      expect(call!.body.tools[0].input_schema).toMatchObject({
        type: 'object',
        required: ['act', 'summary'],
        additionalProperties: false,
        properties: { act: { type: 'boolean' }, summary: { type: 'string' }, proposals: { type: 'array' } },
      });
      expect(call!.body.system.at(-1).cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
      expect(call!.body.messages[0].content).toContain('<third-party-data>');
      expect(call!.body.messages[0].content).toContain('Crash on start');

      expect(inboxState(h.store, id).state).toBe('decided');
      const [made] = h.journal.ofType('decision.made');
      expect(made).toMatchObject({ eventId: id, act: true, summary: 'a new issue', model: 'claude-sonnet-4-6' });
      expect(made!.usage).toEqual({
        inputTokens: call!.usage!.input_tokens,
        outputTokens: call!.usage!.output_tokens,
        cacheCreationTokens: call!.usage!.cache_creation_input_tokens,
        cacheReadTokens: call!.usage!.cache_read_input_tokens,
      });
      expect(h.journal.ofType('approval.requested').length + h.journal.ofType('action.allowed').length).toBe(1);
      const rows = h.store.db.prepare('SELECT model, purpose, event_id AS eventId, input_tokens AS input FROM model_usage').all();
      expect(rows).toEqual([{ model: 'claude-sonnet-4-6', purpose: 'event', eventId: id, input: call!.usage!.input_tokens }]);
    });
  }

  it('a tick goes to tickModel, an event to eventModel', async () => {
    const fake = await fakeServer();
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, tickModel: 'claude-haiku-4-5', model: 'claude-sonnet-4-6' } });
    h.addTick();
    h.addEvent('github.push', { ref: 'refs/heads/main' });
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls.map((c) => c.body.model)).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-6']);
    expect(h.journal.ofType('decision.made').map((r) => r.model)).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-6']);
  });

  it('two consecutive ticks send byte-identical bytes up to the cache breakpoint; the second reads the cache', async () => {
    const fake = await fakeServer();
    const repo = path.join(harnessRepoDir(), 'app');
    fs.mkdirSync(repo, { recursive: true });
    fs.writeFileSync(path.join(repo, 'CLAUDE.md'), '# App\nRun `npm test` before any change.\n');
    const h = harness({
      model: { provider: 'anthropic', baseURL: fake.url },
      memory: '# Memory\n- The owner reviews PRs on Fridays.\n',
      repos: [{ name: 'octo/app', path: repo }],
    });
    h.addTick(['first tick']);
    expect(await h.initiative.decideNext()).toBe('decided');
    h.clock.advance(15 * 60_000);
    h.addTick(['octo/app moved to main@abc']);
    expect(await h.initiative.decideNext()).toBe('decided');

    const [a, b] = fake.calls.map((c) => c.raw);
    const breakpoint = a!.indexOf('"cache_control"');
    expect(breakpoint).toBeGreaterThan(0);
    expect(b!.indexOf('"cache_control"')).toBe(breakpoint);
    expect(b!.slice(0, breakpoint)).toBe(a!.slice(0, breakpoint));
    // The prefix holds the owner's instructions and memory, and nothing that changes per call.
    const prefix = a!.slice(0, breakpoint);
    expect(prefix).toContain('Run `npm test` before any change.');
    expect(prefix).toContain('The owner reviews PRs on Fridays.');
    expect(prefix).not.toContain('first tick');
    expect(prefix).not.toMatch(/20\d\d-\d\d-\d\dT/);
    // The rest differs (the time, the event), and the second call read the prefix from the cache.
    expect(a!.slice(breakpoint)).not.toBe(b!.slice(breakpoint));
    expect(fake.calls[0]!.usage!.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(fake.calls[1]!.usage!.cache_read_input_tokens).toBe(fake.calls[0]!.usage!.cache_creation_input_tokens);
  });

  it('the prefix changes when MEMORY.md or a CLAUDE.md changes, and only then', async () => {
    const fake = await fakeServer();
    const repo = path.join(harnessRepoDir(), 'app');
    fs.mkdirSync(repo, { recursive: true });
    fs.writeFileSync(path.join(repo, 'AGENTS.md'), 'Use pnpm.\n');
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url }, memory: 'one fact', repos: [{ name: 'octo/app', path: repo }] });
    const prefixes: string[] = [];
    const decideOne = async () => {
      h.addTick();
      expect(await h.initiative.decideNext()).toBe('decided');
      const raw = fake.calls.at(-1)!.raw;
      prefixes.push(raw.slice(0, raw.indexOf('"cache_control"')));
    };
    await decideOne();
    await decideOne();
    fs.writeFileSync(path.join(h.home, 'memory', 'MEMORY.md'), 'one fact\ntwo facts');
    await decideOne();
    fs.writeFileSync(path.join(repo, 'AGENTS.md'), 'Use npm.\n');
    await decideOne();
    expect(prefixes[1]).toBe(prefixes[0]);
    expect(prefixes[2]).not.toBe(prefixes[1]);
    expect(prefixes[2]).toContain('two facts');
    expect(prefixes[3]).toContain('Use npm.');
  });

  it('with cacheTtl "5m" the breakpoint is exactly {type: "ephemeral"}', async () => {
    const fake = await fakeServer();
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url, cacheTtl: '5m' } });
    h.addTick();
    await h.initiative.decideNext();
    expect(fake.calls[0]!.body.system.at(-1).cache_control).toEqual({ type: 'ephemeral' });
  });

  it('an invalid decide input is logged and retried once with the validation error shown to the model', async () => {
    const fake = await fakeServer();
    fake.push({ decide: { act: 'yes', summary: 'x' } }, { decide: NOTE });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url } });
    const id = h.addEvent('github.issues.opened', issueOpened(7, 't', 'b'));
    expect(await h.initiative.decideNext()).toBe('decided');

    expect(fake.calls).toHaveLength(2);
    const second = fake.calls[1]!.body;
    const [, assistant, result] = second.messages;
    expect(assistant.content[0]).toMatchObject({ type: 'tool_use', name: 'decide', input: { act: 'yes', summary: 'x' } });
    expect(result.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: assistant.content[0].id, is_error: true });
    expect(result.content[0].content).toContain('act: Expected boolean, received string');
    // The repair round keeps the cached prefix.
    const cut = (raw: string) => raw.slice(0, raw.indexOf('"cache_control"'));
    expect(cut(fake.calls[1]!.raw)).toBe(cut(fake.calls[0]!.raw));

    expect(h.journal.ofType('decision.invalid')).toEqual([
      expect.objectContaining({ eventId: id, retrying: true, error: expect.stringContaining('act: Expected boolean') }),
    ]);
    const [made] = h.journal.ofType('decision.made');
    expect(made!.summary).toBe('a new issue');
    // Both calls' tokens count.
    const input = fake.calls.reduce((n, c) => n + c.usage!.input_tokens, 0);
    expect((made!.usage as { inputTokens: number }).inputTokens).toBe(input);
    expect(h.store.db.prepare('SELECT count(*) AS n FROM model_usage').get()).toEqual({ n: 2 });
  });

  it('a second invalid answer fails the decision; the event waits in the inbox, undecided', async () => {
    const fake = await fakeServer();
    fake.push({ text: 'I think we should label it.' }, { decide: { act: true } });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url } });
    const id = h.addEvent('github.issues.opened', issueOpened(7, 't', 'b'));
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls[1]!.body.messages.at(-1).content).toContain('without calling the decide tool');
    expect(h.journal.ofType('decision.invalid').map((r) => r.retrying)).toEqual([true, false]);
    expect(h.journal.ofType('decision.failed')[0]!.error).toContain('the model returned an invalid decision: summary: Required');
    expect(inboxState(h.store, id)).toEqual({ state: 'pending', attempts: 1 });
    expect(h.store.decisions.countForEvent(id)).toBe(0);
  });
});

function harnessRepoDir(): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'vigil-repo-'));
  later(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
