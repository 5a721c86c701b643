import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVigilError } from '../../src/errors.js';
import { acquireDreamLock, dreamDue, lastOwnerActivity, liveDreamLock } from '../../src/dream/index.js';
import { absoluteDates, hasRelativeDate } from '../../src/dream/dates.js';
import { DREAM_LOCK_STALE_MS, readDreamLock } from '../../src/dream/lock.js';
import { factKey, normalise } from '../../src/dream/facts.js';
import { MIN_NEW_ENTRIES } from '../../src/dream/due.js';
import { referencesOf } from '../../src/dream/references.js';
import { type DreamState } from '../../src/dream/state.js';
import { parseNotes } from '../../src/dream/notes.js';
import { Store } from '../../src/store/index.js';
import { useTempDirs } from '../memory/helpers.js';

const tempDir = useTempDirs('vigil-dream-unit-');

describe('relative dates become absolute', () => {
  // 2026-01-07 is a Wednesday.
  it.each([
    ['Release freeze starts next Monday.', 'Release freeze starts Monday 2026-01-12.'],
    ['Next wednesday we ship', 'Wednesday 2026-01-14 we ship'],
    ['Standup moved this Friday', 'Standup moved Friday 2026-01-09'],
    ['It broke last Friday', 'It broke Friday 2026-01-02'],
    ['The deploy failed yesterday.', 'The deploy failed on 2026-01-06.'],
    ['Green since yesterday', 'Green since 2026-01-06'],
    ['Today the build is green', 'on 2026-01-07 the build is green'],
    ['Tomorrow is the demo', 'on 2026-01-08 is the demo'],
    ['Ship in 3 days', 'Ship on 2026-01-10'],
    ['Found two weeks ago', 'Found on 2025-12-24'],
    ['Plan for next week', 'Plan for the week of 2026-01-12'],
    ['Done the day after tomorrow', 'Done on 2026-01-09'],
    ['Released 2026-01-01, unchanged', 'Released 2026-01-01, unchanged'],
  ])('%s', (text, expected) => {
    expect(absoluteDates(text, '2026-01-07')).toBe(expected);
    expect(hasRelativeDate(expected)).toBe(false);
  });

  it('knows a relative date when it sees one', () => {
    expect(hasRelativeDate('next Monday')).toBe(true);
    expect(hasRelativeDate('Monday 2026-01-12')).toBe(false);
  });
});

describe('facts: normal form and key', () => {
  it('normalises case, quotes, spaces and the final stop', () => {
    expect(normalise('The deploy target of  octo/app is `fly.io`.')).toBe(normalise('the deploy target of octo/app is fly.io'));
  });

  it.each([
    ['The default branch of octo/app is `main`.', 'general', { subject: 'octo/app', attribute: 'default branch', value: 'main' }],
    ['The default branch of octo/app changed to `trunk`.', 'general', { subject: 'octo/app', attribute: 'default branch', value: 'trunk' }],
    ['The default branch of octo/app is now trunk', 'general', { subject: 'octo/app', attribute: 'default branch', value: 'trunk' }],
    ["octo/app's CI command is `npm run ci`", 'general', { subject: 'octo/app', attribute: 'ci command', value: 'npm run ci' }],
    ['CI command is `npm test`', 'octo/app', { subject: 'octo/app', attribute: 'ci command', value: 'npm test' }],
    ['Deploy day: Friday', 'ops', { subject: 'ops', attribute: 'deploy day', value: 'friday' }],
  ])('%s', (text, topic, key) => {
    expect(factKey(text, topic)).toEqual(key);
  });

  it('has no key for facts that are not "X is Y"', () => {
    expect(factKey('Config lives in `src/config.ts`', 'x')).toBeUndefined();
    expect(factKey('It is flaky', 'x')).toBeUndefined();
    expect(factKey('The owner prefers squash merges', 'x')).toBeUndefined();
  });
});

describe('references a fact makes to a repository', () => {
  const repos = new Set(['octo/app']);
  it('finds paths, commands and code symbols, not branch names, domains or repo names', () => {
    expect(referencesOf('Config in `src/legacy-config.ts`, see also docs/setup.md. Branch `main` of `octo/app` on `fly.io`.', repos)).toEqual({
      paths: ['src/legacy-config.ts', 'docs/setup.md'],
      commands: [],
      symbols: [],
    });
    expect(referencesOf('CI runs `npm run ci`; `loadLegacyConfig()` and `Config.load` and `parse_args` and `MemoryFiles`', repos)).toEqual({
      paths: [],
      commands: ['npm run ci'],
      symbols: ['loadLegacyConfig', 'Config.load', 'parse_args', 'MemoryFiles'],
    });
    expect(referencesOf('Never `../../etc/passwd` nor `/etc/hosts` nor `https://x.io/a.md`', repos).paths).toEqual([]);
  });
});

describe('the memory notes as memory.note writes them', () => {
  it('parses topic, text, date and action; keeps hand-written lines', () => {
    const text = [
      '# Memory notes',
      '',
      'Notes waiting for the next dream.',
      '',
      '- [octo/app] Uses pnpm (not npm). (source: action k7m2q9xa, event 12, 2026-01-03) <!-- vigil:action:k7m2q9xa -->',
      '- A note I wrote by hand',
    ].join('\n');
    expect(parseNotes(text, 'notes.md')).toEqual([
      { text: 'Uses pnpm (not npm).', topic: 'octo/app', actionId: 'k7m2q9xa', date: '2026-01-03', file: 'notes.md', line: 5 },
      { text: 'A note I wrote by hand', file: 'notes.md', line: 6 },
    ]);
  });
});

describe('one dream at a time: the lock file', () => {
  const serialize = <T>(fn: () => T) => fn();
  const deadPid = () => {
    const child = spawnSync(process.execPath, ['-e', '0']);
    return child.pid!;
  };

  it('holds the pid; a second taker is refused while it lives; released, it can be taken again', () => {
    const file = path.join(tempDir(), 'dream.lock');
    const now = Date.now();
    const release = acquireDreamLock(file, { pid: process.pid, dreamId: 'a', startedAt: now }, serialize);
    // The holder's process start is recorded too, so a reused pid is not taken for it (issue 12).
    expect(readDreamLock(file)).toMatchObject({ pid: process.pid, dreamId: 'a', startedAt: now });
    if (process.platform === 'linux') expect(readDreamLock(file)?.start).toMatch(/\S/);
    let error: unknown;
    try {
      acquireDreamLock(file, { pid: process.pid, dreamId: 'b', startedAt: now }, serialize);
    } catch (err) {
      error = err;
    }
    expect(isVigilError(error, 'VIGIL_ERR_DREAM_BUSY')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`pid ${process.pid} has been dreaming since`));
    release();
    release();
    expect(fs.existsSync(file)).toBe(false);
    acquireDreamLock(file, { pid: process.pid, dreamId: 'c', startedAt: now }, serialize)();
  });

  it('a lock whose pid is dead is stale and taken over', () => {
    const file = path.join(tempDir(), 'dream.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), dreamId: 'dead', startedAt: Date.now() }));
    expect(liveDreamLock(file, Date.now())).toBeUndefined();
    const release = acquireDreamLock(file, { pid: process.pid, dreamId: 'new', startedAt: Date.now() }, serialize);
    expect(readDreamLock(file)?.dreamId).toBe('new');
    release();
  });

  it('a lock older than an hour is stale even if its pid lives; an unreadable one too', () => {
    const file = path.join(tempDir(), 'dream.lock');
    const now = Date.now();
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, dreamId: 'old', startedAt: now - DREAM_LOCK_STALE_MS - 1 }));
    expect(liveDreamLock(file, now)).toBeUndefined();
    expect(liveDreamLock(file, now - 2)).toBeDefined();
    acquireDreamLock(file, { pid: process.pid, dreamId: 'x', startedAt: now }, serialize)();
    fs.writeFileSync(file, 'garbage');
    acquireDreamLock(file, { pid: process.pid, dreamId: 'y', startedAt: now }, serialize)();
  });

  it('a lock exactly an hour old is stale; a millisecond younger is held', () => {
    const file = path.join(tempDir(), 'dream.lock');
    const startedAt = Date.now() - DREAM_LOCK_STALE_MS;
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, dreamId: 'hour', startedAt }));
    expect(liveDreamLock(file, startedAt + DREAM_LOCK_STALE_MS - 1)?.dreamId).toBe('hour');
    expect(liveDreamLock(file, startedAt + DREAM_LOCK_STALE_MS)).toBeUndefined();
    // The taker's own start is its "now": an hour after the holder's, it takes over.
    expect(() => acquireDreamLock(file, { pid: process.pid, dreamId: 'early', startedAt: startedAt + DREAM_LOCK_STALE_MS - 1 }, serialize)).toThrow(
      /has been dreaming since/,
    );
    acquireDreamLock(file, { pid: process.pid, dreamId: 'next', startedAt: startedAt + DREAM_LOCK_STALE_MS }, serialize)();
  });

  it('a lock whose startedAt is not a number is not read as held, and is taken over even while its pid lives', () => {
    const file = path.join(tempDir(), 'dream.lock');
    const now = Date.now();
    for (const startedAt of [String(now), null, undefined]) {
      fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, dreamId: 'odd', startedAt }));
      expect(readDreamLock(file), String(startedAt)).toBeUndefined();
      expect(liveDreamLock(file, now), String(startedAt)).toBeUndefined();
      const release = acquireDreamLock(file, { pid: process.pid, dreamId: 'mine', startedAt: now }, serialize);
      expect(readDreamLock(file)?.dreamId).toBe('mine');
      release();
    }
    expect(readDreamLock(path.join(tempDir(), 'absent.lock'))).toBeUndefined();
  });

  it('a release does not remove a lock another process took over meanwhile', () => {
    const file = path.join(tempDir(), 'dream.lock');
    const release = acquireDreamLock(file, { pid: process.pid, dreamId: 'mine', startedAt: Date.now() }, serialize);
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, dreamId: 'theirs', startedAt: Date.now() }));
    release();
    expect(readDreamLock(file)?.dreamId).toBe('theirs');
  });
});

describe('when a dream is due', () => {
  const HOUR = 3_600_000;
  const now = Date.UTC(2026, 0, 31, 3);
  const config = { idleMinutes: 30, minHours: 24, staleDays: 60 };
  const state = (patch: Partial<DreamState> = {}): DreamState => ({
    lastDreamAt: now - 25 * HOUR,
    lastDreamId: 'x',
    watermark: null,
    lastFailedAt: null,
    lastFailure: null,
    ...patch,
  });
  const due = (patch: Partial<Parameters<typeof dreamDue>[0]>) =>
    dreamDue({ now, state: state(), lastActivityAt: now - 31 * 60_000, newEntries: MIN_NEW_ENTRIES, config, ...patch });

  it('idle for idleMinutes, minHours after the last dream, enough new entries', () => {
    expect(due({})).toEqual({ due: true, reason: `idle, at least ${MIN_NEW_ENTRIES} new log entries` });
    expect(due({ lastActivityAt: null, state: state({ lastDreamAt: null }) }).due).toBe(true);
  });

  it("the owner's last activity: an event that is not a tick, or an approval answered", () => {
    const store = Store.open(path.join(tempDir(), 'vigil.db'));
    try {
      expect(lastOwnerActivity(store)).toBeNull();
      store.inbox.add({ source: 'tick', kind: 'tick', payload: '{}', receivedAt: 1000 });
      expect(lastOwnerActivity(store)).toBeNull();
      store.inbox.add({ source: 'github', kind: 'github.push', payload: '{}', receivedAt: 2000 });
      store.inbox.add({ source: 'tick', kind: 'tick', payload: '{}', receivedAt: 9000 });
      expect(lastOwnerActivity(store)).toBe(2000);
      const asked = store.actions.insert({ action: 'notify', params: {}, rationale: '', verdict: 'ask', reason: '' }, 'awaiting_approval', 2500);
      expect(lastOwnerActivity(store)).toBe(2000);
      store.actions.transition(asked.id, ['awaiting_approval'], 'approved', 5000, { answeredBy: 'cli' });
      expect(lastOwnerActivity(store)).toBe(5000);
    } finally {
      store.close();
    }
  });

  it('not while the owner is active, too soon after the last dream or a failure, or with too little news', () => {
    expect(due({ lastActivityAt: now - 10 * 60_000 })).toEqual({ due: false, reason: 'the owner was active 10 min ago (dream.idleMinutes: 30)' });
    expect(due({ state: state({ lastDreamAt: now - 2 * HOUR }) }).reason).toMatch(/the last dream was 120 min ago/);
    expect(due({ state: state({ lastFailedAt: now - 5 * 60_000 }) }).reason).toMatch(/the last dream failed 5 min ago/);
    expect(due({ newEntries: MIN_NEW_ENTRIES - 1 }).reason).toMatch(/new log entries since the last dream/);
  });
});
