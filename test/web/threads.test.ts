import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/logs/index.js';
import { eventSentence, outcomeLink } from '../../src/web/sentences.js';
import { buildThreads, type ThreadContext } from '../../src/web/threads.js';

/** Log records as the daemon writes them (chain fields filled with placeholders). */
function log(records: Record<string, unknown>[]): LogEntry[] {
  return records.map((r, i) => ({ ts: `2026-11-30T10:00:${String(i).padStart(2, '0')}.000Z`, seq: i + 1, prev: '', hash: '', ...r }) as LogEntry);
}

const ctx = (actions: Record<string, number> = {}, subjects: Record<number, string> = {}): ThreadContext => ({
  eventOfAction: (id) => actions[id],
  subjectsOf: (ids) => new Map(ids.filter((id) => subjects[id]).map((id) => [id, subjects[id]!])),
  githubWebUrl: 'https://github.com',
  now: Date.parse('2026-11-30T12:00:00Z'),
});

const LABEL = { action: 'github.label', params: { repo: 'octo/app', number: 12, labels: ['bug'] }, rationale: 'a crash' };

describe('the timeline as threads', () => {
  it('an event, its decision, the proposal asked, the owner’s answer and the outcome make one thread, in sentences', () => {
    const entries = log([
      { type: 'daemon.started', version: '0.1.0' },
      { type: 'web.login', ip: '127.0.0.1' },
      { type: 'event.received', eventId: 4, source: 'github', kind: 'github.issues.opened', deliveryId: 'd' },
      { type: 'decision.made', eventId: 4, kind: 'github.issues.opened', act: true, summary: 'a crash report', proposals: [LABEL], model: 'rules' },
      { type: 'approval.requested', actionId: 'a1', action: 'github.label', params: LABEL.params, reason: 'suggest mode', expiresAt: '' },
    ]);
    const waiting = buildThreads(entries, ctx({ a1: 4 }, { 4: 'octo/app#12' }));
    expect(waiting.map((t) => [t.id, t.state])).toEqual([
      ['e4', 'waiting'],
      ['n1', 'note'],
    ]);
    const [thread] = waiting;
    expect(thread!.repo).toBe('octo/app');
    expect(thread!.family).toBe('issues');
    expect(thread!.sentences.map((s) => s.text)).toEqual([
      'Issue #12 opened in octo/app',
      'vigil decided to act: a crash report',
      'vigil proposed the label “bug” on octo/app#12 · waiting for you',
    ]);
    expect(thread!.sentences[2]!.approvalId).toBe('a1');
    expect(thread!.raw.map((r) => r.type)).toEqual(['event.received', 'decision.made', 'approval.requested']);

    const done = buildThreads(
      [
        ...entries,
        ...log([
          { type: 'approval.granted', actionId: 'a1', action: 'github.label', by: 'dashboard' },
          { type: 'action.started', actionId: 'a1', action: 'github.label', attempt: 1 },
          { type: 'action.succeeded', actionId: 'a1', action: 'github.label', result: { repo: 'octo/app', number: 12, labels: ['bug'] } },
        ]).map((e, i) => ({ ...e, seq: 10 + i, ts: `2026-11-30T10:01:0${i}.000Z` })),
      ],
      ctx({ a1: 4 }, { 4: 'octo/app#12' }),
    )[0]!;
    expect(done.state).toBe('done');
    // The question is answered: no buttons any more.
    expect(done.sentences[2]).toMatchObject({ text: 'vigil proposed the label “bug” on octo/app#12 · asked you first' });
    expect(done.sentences[2]!.approvalId).toBeUndefined();
    expect(done.sentences.slice(3).map((s) => [s.text, s.link])).toEqual([
      ['You approved it (on the dashboard)', undefined],
      ['Running github.label', undefined],
      ['Done: the label is on GitHub', 'https://github.com/octo/app/issues/12'],
    ]);
  });

  it('vigil’s own records in a row make one thread; another thread between them starts a new one', () => {
    const threads = buildThreads(
      log([
        { type: 'daemon.started' },
        { type: 'worker.started', workerPid: 3 },
        { type: 'event.received', eventId: 1, kind: 'tick' },
        { type: 'web.login', ip: '127.0.0.1' },
      ]),
      ctx(),
    );
    expect(threads.map((t) => [t.id, t.raw.length])).toEqual([
      ['n4', 1],
      ['e1', 1],
      ['n1', 2],
    ]);
  });

  it('events decided together join the decision’s thread; proposal records answer the decision’s proposals in order', () => {
    const notify = { action: 'notify', params: { title: 'CI is red' }, rationale: '' };
    const threads = buildThreads(
      log([
        { type: 'event.received', eventId: 7, kind: 'github.check_run.completed' },
        { type: 'event.received', eventId: 8, kind: 'github.check_run.completed' },
        { type: 'event.received', eventId: 9, kind: 'github.issues.opened' },
        { type: 'decision.made', eventId: 8, kind: 'github.check_run.completed', act: true, summary: 'CI failed', proposals: [notify, LABEL], coalesced: [7, 8], model: 'm' },
        // Not in the store yet (or gone): the order alone says which proposal each answers.
        { type: 'action.allowed', actionId: 'n1', action: 'notify', reason: 'allowed' },
        { type: 'action.denied', actionId: 'l1', action: 'github.label', reason: 'not in this repo' },
        { type: 'decision.made', eventId: 9, kind: 'github.issues.opened', act: false, summary: 'nothing new', proposals: [], model: 'm' },
      ]),
      ctx({}, { 8: 'octo/app@0123456789abcdef' }),
    );
    expect(threads.map((t) => [t.id, t.state])).toEqual([
      ['e9', 'quiet'],
      // The notification is allowed and not yet run.
      ['e8', 'running'],
    ]);
    const ci = threads[1]!;
    expect(ci.sentences.map((s) => s.text)).toEqual([
      'Check run completed for 0123456 in octo/app',
      'Check run completed for 0123456 in octo/app',
      'vigil decided to act (with 2 more events decided together): CI failed',
      'vigil proposed a notification: “CI is red” · the policy allows it',
      'vigil proposed the label “bug” on octo/app#12 · the policy refused it (not in this repo)',
    ]);
  });

  it('sentences for kinds and outcomes', () => {
    expect(eventSentence('github.issue_comment.created', 'octo/app#3')).toBe('Comment created on #3 in octo/app');
    expect(eventSentence('github.pull_request.opened', 'octo/app#5')).toBe('Pull request #5 opened in octo/app');
    expect(eventSentence('github.star.created', undefined)).toBe('Star created on GitHub');
    expect(eventSentence('tick', undefined)).toBe('A tick: vigil looked around on its schedule');
    expect(outcomeLink({ url: 'https://github.com/octo/app/issues/1#issuecomment-9' }, 'https://github.com')).toBe('https://github.com/octo/app/issues/1#issuecomment-9');
    // Only web links: a result's "url" is no place for javascript:.
    expect(outcomeLink({ url: 'javascript:alert(1)' }, 'https://github.com')).toBeUndefined();
    expect(outcomeLink({ repo: 'octo/..', number: 1 }, 'https://github.com')).toBeUndefined();
  });
});
