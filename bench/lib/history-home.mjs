// A home with a year of activity, written directly in bulk (issue 18): 365 daily logs
// with 2,000,000 hash-chained entries, 50,000 webhook deliveries in the inbox and the
// spool (with their decisions), 10,000 actions (a few still awaiting approval). Lines
// are made with vigil's own formatter (dist/logs/line.js), rows with its own store
// (dist/store), so `vigil log verify` and every command read them as their own.
//
// Generating takes a minute or two; the result is cached under /tmp per local date
// (the newest log is "today"), and each run works on a copy: the database copied,
// the year's logs and the spool segments hard-linked (nothing rewrites them), today's
// log copied (the daemon appends to it).
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './vigil.mjs';

export const YEAR = { days: 365, entries: 2_000_000, events: 50_000, actions: 10_000, pendingApprovals: 5 };
// 2: spool segments of 4 MB, so that a year's bodies lie in several (retention removes whole segments).
const VERSION = 2;
const SEGMENT_BYTES = 4 * 1024 * 1024;
const DAY = 86_400_000;

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

function localDate(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A small deterministic generator: the same home every time. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('parser flaky timeout release docs typo crash memory leak build cache windows linux macos ' +
  'regression benchmark dependency upgrade security token webhook retry queue migration schema index ' +
  'review approve label triage stale duplicate feature request bug fix test coverage lint format').split(' ');
const REPOS = ['octo/app', 'octo/cli', 'octo/docs', 'octo/infra', 'acme/widget', 'acme/parser'];
const KINDS = ['github.issues.opened', 'github.issue_comment.created', 'github.pull_request.opened', 'github.push', 'github.check_run.completed'];

function words(rand, n) {
  let out = '';
  for (let i = 0; i < n; i++) out += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return out;
}

/** Where the cached home lives: one per local date, so "today" and "a year ago" hold. */
export function cachedHomeDir(now = Date.now()) {
  return join('/tmp', `vigil-bench-history-v${VERSION}-${localDate(now)}`);
}

/** The cached year, generated when missing. Returns { dir, home, generatedMs, dates }. */
export async function yearHome(log = console.log) {
  const now = Date.now();
  const dir = cachedHomeDir(now);
  const home = join(dir, 'home');
  const dates = Array.from({ length: YEAR.days }, (_, i) => localDate(now - (YEAR.days - 1 - i) * DAY));
  if (existsSync(join(dir, 'complete'))) return { dir, home, generatedMs: undefined, dates, cached: true };
  rmSync(dir, { recursive: true, force: true });
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const t0 = performance.now();
  await generate(join(building, 'home'), now, dates, log);
  writeFileSync(join(building, 'complete'), new Date().toISOString());
  renameSync(building, dir);
  return { dir, home, generatedMs: performance.now() - t0, dates, cached: false };
}

async function generate(home, now, dates, log) {
  const { initHome } = await dist('config/home.js');
  await initHome(home);
  const configPath = join(home, 'config.json');
  const config = JSON.parse((await import('node:fs')).readFileSync(configPath, 'utf8'));
  // The year is the point of the bench: the retention must not cut it while it runs.
  config.store = { retainDays: 400 };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);

  const t = performance.now();
  await writeLogs(join(home, 'logs'), dates, now);
  log(`  logs: ${YEAR.entries.toLocaleString('en')} entries in ${YEAR.days} files, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const t2 = performance.now();
  await writeStore(home, now);
  log(`  store: ${YEAR.events.toLocaleString('en')} events, ${YEAR.actions.toLocaleString('en')} actions, ${((performance.now() - t2) / 1000).toFixed(1)} s`);
}

async function writeLogs(dir, dates, now) {
  const { formatLine, genesisHash } = await dist('logs/line.js');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rand = rng(18);
  const perDay = Math.floor(YEAR.entries / dates.length);
  let eventId = 0;
  for (const [d, date] of dates.entries()) {
    const count = d === dates.length - 1 ? YEAR.entries - perDay * (dates.length - 1) : perDay;
    const dayStart = new Date(`${date}T00:00:00`).getTime();
    // Today's entries all lie in the past: the bench runs after them.
    const span = d === dates.length - 1 ? Math.max(60_000, now - dayStart - 60_000) : DAY - 1000;
    let prev = genesisHash(date);
    const chunks = [];
    for (let seq = 1; seq <= count; seq++) {
      const ts = new Date(dayStart + Math.floor((seq / count) * span)).toISOString();
      const r = rand();
      let type;
      let fields;
      const repo = REPOS[seq % REPOS.length];
      if (r < 0.55) {
        type = 'event.received';
        fields = { eventId: ++eventId, source: 'github', kind: KINDS[seq % KINDS.length], deliveryId: `y${d}-${seq}` };
      } else if (r < 0.8) {
        type = 'decision.made';
        fields = { eventId, kind: KINDS[seq % KINDS.length], act: r < 0.6, summary: `${repo}: ${words(rand, 12)}`, model: 'rules', proposals: [] };
      } else if (r < 0.95) {
        type = 'tick.skipped';
        fields = { reason: 'nothing changed since the last tick' };
      } else {
        type = 'action.succeeded';
        fields = { actionId: `a${d}x${seq}`, action: 'github.comment', result: { repo, note: words(rand, 6) } };
      }
      const { entry, line } = formatLine({ ts, seq, type, fields: { pid: 4242, ...fields }, prev });
      prev = entry.hash;
      chunks.push(line);
    }
    writeFileSync(join(dir, `${date}.jsonl`), chunks.join(''), { mode: 0o600 });
  }
}

async function writeStore(home, now) {
  const { Store, openDb } = await dist('store/index.js');
  const { Spool } = await dist('store/spool.js');
  const dbFile = join(home, 'vigil.db');
  const store = new Store(openDb(dbFile), new Spool(join(home, 'spool'), { sync: false, segmentBytes: SEGMENT_BYTES }));
  const rand = rng(3);
  const yearStart = now - YEAR.days * DAY;
  const step = (YEAR.days * DAY - DAY) / YEAR.events;
  const BATCH = 2000;
  const actionEvery = Math.floor(YEAR.events / YEAR.actions);
  const claim = store.db.prepare(`UPDATE inbox SET state = 'claimed' WHERE id = ?`);
  let made = 0;
  for (let at = 0; at < YEAR.events; at += BATCH) {
    const records = [];
    for (let i = at; i < Math.min(YEAR.events, at + BATCH); i++) {
      const repo = REPOS[i % REPOS.length];
      const body = JSON.stringify({
        action: 'opened',
        issue: { number: i, title: words(rand, 6), body: words(rand, 80), user: { login: 'someone' } },
        repository: { full_name: repo, name: repo.split('/')[1], owner: { login: repo.split('/')[0] } },
        sender: { login: 'someone' },
      });
      records.push({ deliveryId: `ydelivery-${i}`, event: 'issues', receivedAt: Math.floor(yearStart + i * step), body });
    }
    const refs = store.spool.append(records);
    store.transaction(() => {
      records.forEach((r, j) => {
        const i = at + j;
        const { id } = store.inbox.addSpooled({ source: 'github', kind: KINDS[i % KINDS.length], deliveryId: r.deliveryId, receivedAt: r.receivedAt }, refs[j]);
        claim.run(id);
        const decidedAt = r.receivedAt + 2000;
        const acted = i % actionEvery === 0 && made < YEAR.actions;
        const decisionId = store.decisions.insert({ eventId: id, act: acted, summary: words(rand, 10), model: 'rules' }, decidedAt);
        store.inbox.markDecided(id, decidedAt);
        if (!acted) return;
        const pending = made >= YEAR.actions - YEAR.pendingApprovals;
        const state = pending ? 'awaiting_approval' : ['succeeded', 'denied', 'expired', 'failed'][made % 4];
        const when = pending ? now - 60_000 : decidedAt;
        store.actions.insert(
          { eventId: id, decisionId, action: 'github.comment', params: { repo: REPOS[i % REPOS.length], number: i, body: words(rand, 20) }, rationale: words(rand, 8), repo: REPOS[i % REPOS.length], verdict: 'ask', reason: 'effects outside the machine ask' },
          state,
          when,
          pending ? now + 7 * DAY : undefined,
        );
        made++;
      });
    });
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
}

/**
 * A working copy of the cached year for one run: what a run may change is copied (the
 * database, today's log, config and secrets), what it only reads is hard-linked.
 */
export function workingCopy(year, into) {
  const home = join(into, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(year.home, { withFileTypes: true })) {
    const from = join(year.home, name.name);
    const to = join(home, name.name);
    if (name.name === 'logs' || name.name === 'spool') {
      mkdirSync(to, { mode: 0o700 });
      for (const f of readdirSync(from)) {
        if (f === `${year.dates.at(-1)}.jsonl`) copyFileSync(join(from, f), join(to, f));
        else linkSync(join(from, f), join(to, f));
      }
    } else if (name.isDirectory()) cpSync(from, to, { recursive: true });
    else if (!/\.(lock|json)$/.test(name.name) || name.name === 'config.json' || name.name === 'secrets.json' || name.name === 'config.schema.json') copyFileSync(from, to);
  }
  return home;
}
