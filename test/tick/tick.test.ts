import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import type { EventRecord } from '../../src/events.js';
import { withDisclosure } from '../../src/github-api/disclosure.js';
import { setAside, triage, triageConfig } from '../../src/initiative/triage.js';
import { Store } from '../../src/store/index.js';
import { readRepoState, recordDecidedTick, TickService, withinHours, type TickPayload } from '../../src/tick/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tick-'));
  dirs.push(dir);
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim();
}

function repoWithCommits(): string {
  const repo = tempDir();
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'CLAUDE.md'), 'Run `npm test` before committing.\n');
  fs.writeFileSync(path.join(repo, 'AGENTS.md'), 'Agents: keep diffs small.\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'second');
  return repo;
}

/** A tick service over a real store, recording what it would log. */
function harness(repos: { name: string; path: string }[]) {
  const store = Store.open(path.join(tempDir(), 'vigil.db'));
  const clock = new FakeClock(new Date(2026, 10, 25, 10, 0, 0).getTime());
  const written: EventRecord[] = [];
  const journal = { stage: (r: EventRecord) => store.outbox.add(r), write: (r: EventRecord) => written.push(r), flush: () => 0 };
  const config = parseConfig({ repos }, {});
  const tick = new TickService(config.tick, config.repos, { store, journal, clock, onEnqueued: () => undefined });
  /** What the initiative does once it decided a tick: the tick's view becomes the baseline. */
  const decide = (eventId: number) => {
    const event = store.inbox.get(eventId)!;
    store.transaction(() => recordDecidedTick(store, JSON.parse(event.payload) as TickPayload, clock.now()));
  };
  return { store, clock, tick, decide, written };
}

describe('the tick', () => {
  it("carries each watched clone's branch, HEAD, recent commits, dirty state, CLAUDE.md and AGENTS.md", async () => {
    const repo = repoWithCommits();
    fs.writeFileSync(path.join(repo, 'a.txt'), 'changed\n');
    const state = await readRepoState({ name: 'octo/app', path: repo });
    expect(state.branch).toBe('main');
    expect(state.head).toBe(git(repo, 'rev-parse', 'HEAD'));
    expect(state.recentCommits).toHaveLength(2);
    expect(state.recentCommits[0]).toMatch(/ second \(T, /);
    expect(state.dirtyFiles).toBe(1);
    expect(state.instructions.map((i) => i.file)).toEqual(['CLAUDE.md', 'AGENTS.md']);
    expect(state.instructions[0]!.text).toContain('npm test');
  });

  it('reads a detached HEAD as branch "HEAD", and a clone with no commit yet as an error state (a state too: its first commit moves it)', async () => {
    const repo = repoWithCommits();
    const sha = git(repo, 'rev-parse', 'HEAD~1');
    git(repo, 'checkout', '-q', '--detach', sha);
    expect(await readRepoState({ name: 'detached', path: repo })).toMatchObject({ branch: 'HEAD', head: sha });
    const empty = tempDir();
    git(empty, 'init', '-q', '-b', 'main');
    const state = await readRepoState({ name: 'empty', path: empty });
    expect(state.branch).toBe('?');
    expect(state.head).toMatch(/^error: /);
  });

  it('is quiet until a watched repo moves (HEAD or branch) or a reminder comes due', async () => {
    const repo = repoWithCommits();
    const { store, clock, tick, decide, written } = harness([{ name: 'octo/app', path: repo }]);

    const first = await tick.onSchedule();
    expect(first.outcome).toBe('enqueued');
    decide((first as { eventId: number }).eventId);
    expect((await tick.onSchedule()).outcome).toBe('skipped');
    expect(written.map((r) => r.type)).toEqual(['tick.skipped']);

    // A new commit moves HEAD.
    fs.writeFileSync(path.join(repo, 'b.txt'), 'b\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'third');
    const moved = await tick.onSchedule();
    expect(moved.outcome).toBe('enqueued');
    const payload = JSON.parse(store.inbox.get((moved as { eventId: number }).eventId)!.payload) as TickPayload;
    expect(payload.changes.join(' ')).toContain('octo/app moved to main@');
    decide((moved as { eventId: number }).eventId);
    expect((await tick.onSchedule()).outcome).toBe('skipped');

    // A branch switch, same HEAD, also moves it.
    git(repo, 'checkout', '-q', '-b', 'feature');
    expect((await tick.onSchedule()).outcome).toBe('enqueued');
    const last = store.inbox.lastOfKind('tick')!;
    decide(last.id);

    // A reminder comes due.
    const remind = store.actions.insert(
      { action: 'remind', params: {}, rationale: '', verdict: 'allow', reason: 'test' },
      'succeeded',
      clock.now(),
    );
    store.reminders.add(remind.id, clock.now() + 60_000, 'look at the release');
    expect((await tick.onSchedule()).outcome).toBe('skipped');
    clock.advance(120_000);
    const due = await tick.onSchedule();
    expect(due.outcome).toBe('enqueued');
    const duePayload = JSON.parse(store.inbox.get((due as { eventId: number }).eventId)!.payload) as TickPayload;
    expect(duePayload.dueReminders.map((r) => r.note)).toEqual(['look at the release']);
    decide((due as { eventId: number }).eventId);
    expect((await tick.onSchedule()).outcome).toBe('skipped');
    store.close();
  });

  it('is not woken by events that are set aside (own echoes, model.skipEvents) or filtered at intake; a pending event wakes it', async () => {
    const { store, clock, tick, decide, written } = harness([]);
    const triaging = triageConfig(parseConfig({ model: { provider: 'anthropic', skipEvents: ['github.check_run.*'] } }, {}));
    const lines: EventRecord[] = [];
    const journal = { stage: (r: EventRecord) => lines.push(r), write: (r: EventRecord) => lines.push(r), flush: () => 0 };
    /** A delivery comes in and the triage takes it, as the initiative's loop does: claimed, then set aside. */
    const setAsideDelivery = (kind: string, payload: Record<string, unknown>) => {
      const { id } = store.inbox.add({ source: 'github', kind, payload: JSON.stringify(payload), receivedAt: clock.now() });
      const event = store.inbox.claimNext(clock.now(), 60_000)!;
      expect(event.id).toBe(id);
      const routed = triage(event, payload, triaging, { store, now: clock.now() });
      if (routed.route !== 'own' && routed.route !== 'skipped') throw new Error(`expected a set-aside route, got ${routed.route}`);
      setAside({ store, journal }, event, routed, clock.now());
      return routed.route;
    };
    /** The initiative decides the tick: claimed, decided, and its view becomes the baseline. */
    const decideTick = (eventId: number) => {
      expect(store.inbox.claimNext(clock.now(), 60_000)?.id).toBe(eventId);
      store.transaction(() => store.inbox.markDecided(eventId, clock.now()));
      decide(eventId);
    };

    const first = await tick.onSchedule();
    expect(first.outcome).toBe('enqueued');
    decideTick((first as { eventId: number }).eventId);

    // vigil's own comment comes back as a webhook.
    const action = store.actions.insert({ action: 'github.comment', params: { repo: 'octo/app', number: 3, body: 'Hi' }, rationale: '', verdict: 'allow', reason: 'test' }, 'succeeded', clock.now());
    const body = withDisclosure('Hi', action.id, 'octo');
    const echo = { action: 'created', issue: { number: 3 }, comment: { body, user: { login: 'octo' } }, repository: { full_name: 'octo/app' }, sender: { login: 'octo' } };
    expect(setAsideDelivery('github.issue_comment.created', echo)).toBe('own');
    // CI noise the owner listed in model.skipEvents.
    expect(setAsideDelivery('github.check_run.completed', { action: 'completed', repository: { full_name: 'octo/app' } })).toBe('skipped');
    // An event intake's filter stored as filtered.
    store.inbox.add({ source: 'github', kind: 'github.star.created', payload: '{}', receivedAt: clock.now() }, 'filtered');
    expect(lines.map((r) => r.type)).toEqual(['event.own', 'event.skipped']);

    clock.advance(60_000);
    expect((await tick.onSchedule()).outcome).toBe('skipped');
    expect(written.map((r) => r.type)).toEqual(['tick.skipped']);

    // An ordinary delivery, still pending (it may be decided): the next tick has news.
    store.inbox.add({ source: 'github', kind: 'github.issues.opened', payload: '{}', receivedAt: clock.now() });
    const woken = await tick.onSchedule();
    expect(woken.outcome).toBe('enqueued');
    const payload = JSON.parse(store.inbox.get((woken as { eventId: number }).eventId)!.payload) as TickPayload;
    expect(payload.changes).toEqual(['new events']);
    store.close();
  });

  it('respects active hours in a time zone, across midnight too', () => {
    const at = (iso: string) => Date.parse(iso);
    // 07:30 UTC is 08:30 in Berlin (winter, UTC+1).
    expect(withinHours('08:00-22:00', at('2026-11-25T07:30:00Z'), 'Europe/Berlin')).toBe(true);
    expect(withinHours('08:00-22:00', at('2026-11-25T06:30:00Z'), 'Europe/Berlin')).toBe(false);
    expect(withinHours('22:00-07:00', at('2026-11-25T23:30:00Z'), 'UTC')).toBe(true);
    expect(withinHours('22:00-07:00', at('2026-11-25T12:00:00Z'), 'UTC')).toBe(false);
    expect(withinHours(undefined, at('2026-11-25T03:00:00Z'))).toBe(true);
  });

  it('outside active hours a scheduled tick does nothing at all', async () => {
    const { written, store, clock } = harness([]);
    const config = parseConfig({ tick: { activeHours: '08:00-09:00', timezone: 'UTC' } }, {});
    clock.set(Date.parse('2026-11-25T12:00:00Z'));
    const offHours = new TickService(config.tick, [], { store, clock, journal: { stage: () => undefined, write: (r) => written.push(r), flush: () => 0 }, onEnqueued: () => undefined });
    expect((await offHours.onSchedule()).outcome).toBe('inactive');
    expect(written).toEqual([]);
    expect(store.inbox.depth()).toBe(0);
    store.close();
  });
});
