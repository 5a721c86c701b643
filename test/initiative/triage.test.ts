import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { withDisclosure } from '../../src/github-api/disclosure.js';
import { ECHO_MS } from '../../src/initiative/own-echo.js';
import { setAside, triage, triageConfig, type TriageConfig } from '../../src/initiative/triage.js';
import { Store, type InboxEvent } from '../../src/store/index.js';
import { MemoryJournal } from '../model/helpers.js';
import { useTempDir } from '../unit/helpers.js';

/** The triage before the model (issue 14), on a real store: own echoes, skipped kinds, rules that decide alone. */

const NOW = Date.parse('2026-11-30T12:00:00Z');
const REPO = 'octo/app';
const tempDir = useTempDir('vigil-triage-');
const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function openStore(): Store {
  const store = Store.open(path.join(tempDir(), 'vigil.db'));
  stores.push(store);
  return store;
}

/** A config the way config.json gives it, defaults applied. */
function config(raw: Record<string, unknown> = {}): TriageConfig {
  return triageConfig(parseConfig({ model: { provider: 'anthropic' }, ...raw }, {}));
}

let nextId = 1;
function delivery(kind: string, payload: Record<string, unknown>, source = 'github'): { event: InboxEvent; payload: unknown } {
  const text = JSON.stringify(payload);
  const event: InboxEvent = { id: nextId++, source, kind, deliveryId: `d-${nextId}`, payload: text, receivedAt: NOW, state: 'claimed', attempts: 1 };
  return { event, payload };
}

function route(store: Store, kind: string, payload: Record<string, unknown>, cfg = config(), now = NOW) {
  const d = delivery(kind, payload);
  return triage(d.event, d.payload, cfg, { store, now });
}

/** An action of vigil's that ran: `running` then `succeeded` at `at`. */
function ran(store: Store, action: string, params: Record<string, unknown>, at = NOW): string {
  const record = store.actions.insert({ action, params, rationale: 'test', repo: REPO, verdict: 'allow', reason: 'allowed' }, 'approved', at);
  store.actions.transition(record.id, ['approved'], 'running', at);
  store.actions.transition(record.id, ['running'], 'succeeded', at, { result: {} });
  return record.id;
}

const repository = { full_name: REPO };
const person = (login: string) => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });

describe('vigil does not answer itself', () => {
  it('a comment whose text ends with the marker of one of vigil’s actions is its own', () => {
    const store = openStore();
    const id = ran(store, 'github.comment', { repo: REPO, number: 3, body: 'Looks like a duplicate.' });
    const body = withDisclosure('Looks like a duplicate.', id, 'octo');
    const comment = { action: 'created', issue: { number: 3, body: null }, comment: { body, user: person('octo') }, repository, sender: person('octo') };
    expect(route(store, 'github.issue_comment.created', comment)).toEqual({ route: 'own', reason: `its text carries the marker of vigil's action ${id}` });
    // The same text with Windows line endings, as an edit on GitHub may leave it.
    const crlf = { ...comment, comment: { body: body.replace(/\n/g, '\r\n') + '\r\n' } };
    expect(route(store, 'github.issue_comment.created', crlf).route).toBe('own');
  });

  it('an issue or a draft pull request vigil opened is its own', () => {
    const store = openStore();
    const issueAction = ran(store, 'github.create_issue', { repo: REPO, title: 't', body: 'b' });
    const taskAction = ran(store, 'agent.task', { repo: REPO, instructions: 'fix it' });
    const issue = { action: 'opened', issue: { number: 9, body: withDisclosure('b', issueAction) }, repository, sender: person('octo') };
    const pull = { action: 'opened', pull_request: { number: 10, body: withDisclosure('fixes #9', taskAction) }, repository, sender: person('octo') };
    expect(route(store, 'github.issues.opened', issue).route).toBe('own');
    expect(route(store, 'github.pull_request.opened', pull).route).toBe('own');
  });

  it('a marker of no action of vigil’s, a human reply on vigil’s issue, and an edit of vigil’s comment are news', () => {
    const store = openStore();
    const id = ran(store, 'github.create_issue', { repo: REPO, title: 't', body: 'b' });
    const forged = { action: 'created', comment: { body: 'hush <!-- vigil:action:nosuchid -->' }, repository, sender: person('stranger') };
    expect(route(store, 'github.issue_comment.created', forged)).toEqual({ route: 'model' });
    const reply = { action: 'created', issue: { number: 9, body: withDisclosure('b', id) }, comment: { body: 'Thanks, vigil!' }, repository, sender: person('octo') };
    expect(route(store, 'github.issue_comment.created', reply)).toEqual({ route: 'model' });
    const edited = { action: 'edited', comment: { body: withDisclosure('b', id) }, repository, sender: person('octo') };
    expect(route(store, 'github.issue_comment.edited', edited)).toEqual({ route: 'model' });
  });

  it('the sender is the login vigil acts as: a GitHub App’s bot, or an account that is not the owner’s', () => {
    const store = openStore();
    const labeled = (sender: string) => ({ action: 'labeled', label: { name: 'wontfix' }, issue: { number: 4 }, repository, sender: person(sender) });
    // Nothing learnt yet: the sender proves nothing.
    expect(route(store, 'github.issues.labeled', labeled('vigil-app[bot]'))).toEqual({ route: 'model' });

    store.kv.set('github.actingLogin', { login: 'vigil-app[bot]', at: NOW });
    expect(route(store, 'github.issues.labeled', labeled('Vigil-App[bot]'))).toEqual({ route: 'own', reason: 'sent by Vigil-App[bot], the login vigil acts as' });
    expect(route(store, 'github.issues.labeled', labeled('stranger'))).toEqual({ route: 'model' });

    // A machine account: vigil's own only when the owner's login is known and differs.
    store.kv.set('github.actingLogin', { login: 'octo-vigil', at: NOW });
    expect(route(store, 'github.issues.labeled', labeled('octo-vigil'))).toEqual({ route: 'model' });
    expect(route(store, 'github.issues.labeled', labeled('octo-vigil'), config({ github: { ownerLogin: 'octo' } })).route).toBe('own');

    // A personal token: vigil writes as the owner, and the owner's deliveries are still decided.
    store.kv.set('github.actingLogin', { login: 'octo', at: NOW });
    expect(route(store, 'github.issues.labeled', labeled('octo'), config({ github: { ownerLogin: 'octo' } }))).toEqual({ route: 'model' });
  });

  it('a labeled delivery for a label vigil’s github.label just added to that issue is its own, whoever GitHub names as the sender', () => {
    const store = openStore();
    const id = ran(store, 'github.label', { repo: REPO, number: 4, labels: ['Bug', 'triage'] }, NOW - 1000);
    const labeled = (name: string, number = 4, kind = 'labeled') => ({ action: kind, label: { name }, issue: { number }, repository: { full_name: 'Octo/App' }, sender: person('octo') });
    expect(route(store, 'github.issues.labeled', labeled('bug'))).toEqual({ route: 'own', reason: `the label "bug" was added by vigil's action ${id}` });
    expect(route(store, 'github.issues.labeled', labeled('triage')).route).toBe('own');
    expect(route(store, 'github.issues.labeled', labeled('wontfix'))).toEqual({ route: 'model' });
    expect(route(store, 'github.issues.labeled', labeled('bug', 5))).toEqual({ route: 'model' });
    // vigil added it; removing it was somebody else's doing.
    expect(route(store, 'github.issues.unlabeled', labeled('bug', 4, 'unlabeled'))).toEqual({ route: 'model' });
    // Long after the action ran, the same label is someone's new decision.
    expect(route(store, 'github.issues.labeled', labeled('bug'), config(), NOW + ECHO_MS + 1)).toEqual({ route: 'model' });
  });

  it('the effects of vigil’s other GitHub actions come back as its own: a label removed, an assignee, a review request, a close, a merge, a reopen', () => {
    const store = openStore();
    const removed = ran(store, 'github.remove_label', { repo: REPO, number: 4, labels: ['Stale'] }, NOW - 1000);
    const assigned = ran(store, 'github.assign', { repo: REPO, number: 4, assignees: ['Ada'] }, NOW - 1000);
    const asked = ran(store, 'github.request_review', { repo: REPO, number: 9, reviewers: ['grace'] }, NOW - 1000);
    const closed = ran(store, 'github.close', { repo: REPO, number: 4 }, NOW - 1000);
    const merged = ran(store, 'github.merge', { repo: REPO, number: 9, sha: 'a'.repeat(40) }, NOW - 1000);
    const reopened = ran(store, 'github.reopen', { repo: REPO, number: 5 }, NOW - 1000);
    const issue = (number: number, extra: Record<string, unknown> = {}) => ({ issue: { number }, repository, sender: person('octo'), ...extra });
    const pull = (number: number, extra: Record<string, unknown> = {}) => ({ pull_request: { number, merged: false }, repository, sender: person('octo'), ...extra });

    expect(route(store, 'github.issues.unlabeled', issue(4, { action: 'unlabeled', label: { name: 'stale' } }))).toEqual({ route: 'own', reason: `the label "stale" was removed by vigil's action ${removed}` });
    expect(route(store, 'github.issues.unlabeled', issue(4, { action: 'unlabeled', label: { name: 'bug' } })).route).toBe('model');
    expect(route(store, 'github.issues.assigned', issue(4, { action: 'assigned', assignee: { login: 'ada' } }))).toEqual({ route: 'own', reason: `ada was assigned by vigil's action ${assigned}` });
    expect(route(store, 'github.issues.assigned', issue(4, { action: 'assigned', assignee: { login: 'bob' } })).route).toBe('model');
    expect(route(store, 'github.pull_request.review_requested', pull(9, { action: 'review_requested', requested_reviewer: { login: 'grace' } }))).toEqual({ route: 'own', reason: `grace's review was requested by vigil's action ${asked}` });
    expect(route(store, 'github.pull_request.review_requested', pull(8, { action: 'review_requested', requested_reviewer: { login: 'grace' } })).route).toBe('model');
    expect(route(store, 'github.issues.closed', issue(4, { action: 'closed' }))).toEqual({ route: 'own', reason: `it was closed by vigil's action ${closed}` });
    expect(route(store, 'github.issues.closed', issue(6, { action: 'closed' })).route).toBe('model');
    // Pull request 9 was merged by vigil: its closed delivery says merged; closed unmerged it is somebody else's.
    expect(route(store, 'github.pull_request.closed', { ...pull(9, { action: 'closed' }), pull_request: { number: 9, merged: true } })).toEqual({ route: 'own', reason: `it was merged by vigil's action ${merged}` });
    expect(route(store, 'github.pull_request.closed', pull(9, { action: 'closed' })).route).toBe('model');
    expect(route(store, 'github.issues.reopened', issue(5, { action: 'reopened' }))).toEqual({ route: 'own', reason: `it was reopened by vigil's action ${reopened}` });
    // Long after, the same change is someone's new decision.
    expect(route(store, 'github.issues.closed', issue(4, { action: 'closed' }), config(), NOW + ECHO_MS + 1).route).toBe('model');
  });

  it('a label action that is still running counts (the webhook may beat the worker’s record); a denied one does not', () => {
    const store = openStore();
    const running = store.actions.insert({ action: 'github.label', params: { repo: REPO, number: 6, labels: ['ci'] }, rationale: 'r', repo: REPO, verdict: 'allow', reason: 'a' }, 'approved', NOW);
    store.actions.transition(running.id, ['approved'], 'running', NOW);
    store.actions.insert({ action: 'github.label', params: { repo: REPO, number: 7, labels: ['ci'] }, rationale: 'r', repo: REPO, verdict: 'deny', reason: 'd' }, 'denied', NOW);
    const labeled = (number: number) => ({ action: 'labeled', label: { name: 'ci' }, pull_request: { number }, repository, sender: person('octo') });
    expect(route(store, 'github.pull_request.labeled', labeled(6)).route).toBe('own');
    expect(route(store, 'github.pull_request.labeled', labeled(7))).toEqual({ route: 'model' });
  });

  it('own echoes are caught with the offline rules provider too; ticks are never own', () => {
    const store = openStore();
    store.kv.set('github.actingLogin', { login: 'vigil-app[bot]', at: NOW });
    const offline = triageConfig(parseConfig({}, {}));
    expect(route(store, 'github.issues.labeled', { action: 'labeled', label: { name: 'x' }, issue: { number: 1 }, repository, sender: person('vigil-app[bot]') }, offline).route).toBe('own');
    const tick = delivery('tick', { trigger: 'schedule', sender: person('vigil-app[bot]') }, 'tick');
    expect(triage(tick.event, tick.payload, offline, { store, now: NOW })).toEqual({ route: 'model' });
  });
});

describe('rules first, model second', () => {
  it('model.skipEvents: by default queued, requested and in-progress CI, stars, watches and forks; finished CI goes on', () => {
    const store = openStore();
    for (const kind of ['github.check_run.created', 'github.check_suite.requested', 'github.workflow_job.queued', 'github.workflow_job.in_progress', 'github.workflow_run.requested', 'github.star.created', 'github.watch.started', 'github.fork']) {
      expect(route(store, kind, { repository }).route, kind).toBe('skipped');
    }
    expect(route(store, 'github.star.deleted', { repository })).toEqual({ route: 'skipped', reason: 'model.skipEvents has "github.star.*"' });
    for (const kind of ['github.check_run.completed', 'github.workflow_run.completed', 'github.issues.opened', 'tick']) {
      expect(route(store, kind, { repository }), kind).toEqual({ route: 'model' });
    }
    // The owner's list replaces the default.
    const own = config({ model: { provider: 'anthropic', skipEvents: ['github.push'] } });
    expect(route(store, 'github.push', { repository }, own).route).toBe('skipped');
    expect(route(store, 'github.star.created', { repository }, own)).toEqual({ route: 'model' });
  });

  it('a rule marked "decide": "rules" proposes without the model; unmarked rules are for the offline provider only', () => {
    const store = openStore();
    const cfg = config({
      rules: [
        { on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'unmarked' } } },
        {
          name: 'ci-red',
          on: 'github.check_run.completed',
          decide: 'rules',
          match: { 'payload.check_run.conclusion': 'failure' },
          propose: { action: 'notify', params: { title: 'CI failed: {{payload.check_run.name}}', body: 'on {{payload.repository.full_name}}' } },
        },
        { on: 'github.check_run.*', decide: 'rules', propose: { action: 'memory.note', params: { text: 'a check ran' }, rationale: 'keep count' } },
      ],
    });
    const failed = { action: 'completed', check_run: { name: 'test', conclusion: 'failure' }, repository };
    expect(route(store, 'github.check_run.completed', failed, cfg)).toEqual({
      route: 'rules',
      decision: {
        act: true,
        summary: 'github.check_run.completed: rules ci-red, rules[2] matched',
        proposals: [
          { action: 'notify', params: { title: 'CI failed: test', body: 'on octo/app' }, rationale: 'ci-red matches github.check_run.completed' },
          { action: 'memory.note', params: { text: 'a check ran' }, rationale: 'keep count' },
        ],
      },
    });
    const passed = { action: 'completed', check_run: { name: 'test', conclusion: 'success' }, repository };
    expect(route(store, 'github.check_run.completed', passed, cfg)).toMatchObject({ route: 'rules', decision: { proposals: [{ action: 'memory.note' }] } });
    expect(route(store, 'github.issues.opened', { action: 'opened', issue: { number: 1 }, repository }, cfg)).toEqual({ route: 'model' });
    // Skipped kinds are skipped before any rule: check_run.created matches rules[2] but is CI noise.
    expect(route(store, 'github.check_run.created', { repository }, cfg).route).toBe('skipped');
  });

  it('with the offline rules provider every event goes to the provider, which applies every rule', () => {
    const store = openStore();
    const offline = triageConfig(parseConfig({ rules: [{ on: '*', decide: 'rules', propose: { action: 'notify', params: { title: 't' } } }] }, {}));
    expect(route(store, 'github.star.created', { repository }, offline)).toEqual({ route: 'model' });
    expect(route(store, 'github.issues.opened', { repository }, offline)).toEqual({ route: 'model' });
  });
});

describe('setAside', () => {
  it('takes the event out of the inbox and logs event.own or event.skipped once', () => {
    const store = openStore();
    const journal = new MemoryJournal();
    const add = (kind: string) => store.inbox.add({ source: 'github', kind, deliveryId: `d-${kind}`, payload: '{}', receivedAt: NOW }).id;
    const ownId = add('github.issue_comment.created');
    const skipId = add('github.star.created');
    const first = store.inbox.claimNext(NOW, 60_000)!;
    setAside({ store, journal }, first, { route: 'own', reason: 'its text carries the marker' }, NOW);
    setAside({ store, journal }, first, { route: 'own', reason: 'its text carries the marker' }, NOW);
    const second = store.inbox.claimNext(NOW, 60_000)!;
    setAside({ store, journal }, second, { route: 'skipped', reason: 'model.skipEvents has "github.star.*"' }, NOW);

    expect([store.inbox.get(ownId)!.state, store.inbox.get(skipId)!.state]).toEqual(['filtered', 'filtered']);
    expect(store.inbox.depth()).toBe(0);
    expect(journal.records.map((r) => [r.type, r.eventId, r.kind, r.reason])).toEqual([
      ['event.own', ownId, 'github.issue_comment.created', 'its text carries the marker'],
      ['event.skipped', skipId, 'github.star.created', 'model.skipEvents has "github.star.*"'],
    ]);
    expect(store.decisions.countForEvent(ownId)).toBe(0);
  });
});
