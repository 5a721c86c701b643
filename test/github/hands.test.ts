import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/exec/handlers/index.js';
import { PolicyGate } from '../../src/policy/index.js';
import { PermissionsConfig } from '../../src/config/index.js';
import { handlerContext, newActionIdForTest, REPO, session, useGithubWorld } from './helpers.js';

/**
 * The later hands (issue 15) with the real Octokit against the fake GitHub: each writes
 * what is missing, and a second run of the same action (a retry after a crash) writes nothing.
 */

const world = useGithubWorld();
const HEAD = 'c'.repeat(40);
const noSecrets = () => ({ carries: () => false, redactValue: <T>(v: T) => v });

async function setup() {
  const fake = await world.fake();
  const store = world.store();
  const ctx = handlerContext(session({ fake, store }), store, newActionIdForTest());
  return { fake, store, ctx };
}

describe('github.remove_label', () => {
  it('removes only the labels on the issue; a second run sends no DELETE', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 4, labels: ['bug', 'needs triage', 'keep'] });
    const params = { repo: REPO, number: 4, labels: ['needs triage', 'bug', 'never-there'] };
    const first = await HANDLERS['github.remove_label'](params, ctx);
    expect(first).toEqual({ repo: REPO, number: 4, changed: ['needs triage', 'bug'], reused: false });
    expect(fake.issue(REPO, 4)!.labels).toEqual(['keep']);
    const deletes = fake.calls('DELETE', /\/issues\/4\/labels\//);
    expect(deletes.map((r) => decodeURIComponent(r.path.split('/').pop()!))).toEqual(['needs triage', 'bug']);
    expect(await HANDLERS['github.remove_label'](params, ctx)).toMatchObject({ changed: [], reused: true });
    expect(fake.calls('DELETE', /\/labels\//)).toHaveLength(2);
  });
});

describe('github.assign', () => {
  it('assigns the missing logins once; a second run posts nothing', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 5, assignees: ['alice'] });
    const params = { repo: REPO, number: 5, assignees: ['Alice', 'bob'] };
    expect(await HANDLERS['github.assign'](params, ctx)).toEqual({ repo: REPO, number: 5, changed: ['bob'], reused: false });
    expect(fake.calls('POST', /\/assignees$/).map((r) => r.body)).toEqual([{ assignees: ['bob'] }]);
    expect(await HANDLERS['github.assign'](params, ctx)).toMatchObject({ reused: true });
    expect(fake.calls('POST', /\/assignees$/)).toHaveLength(1);
    expect(fake.issue(REPO, 5)!.assignees).toEqual(['alice', 'bob']);
  });
});

describe('github.request_review', () => {
  it('asks each reviewer once', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 6, pull: { head: { ref: 'f', sha: HEAD }, base: { ref: 'main' }, files: [] } });
    const params = { repo: REPO, number: 6, reviewers: ['carol', 'dave'] };
    expect(await HANDLERS['github.request_review'](params, ctx)).toMatchObject({ changed: ['carol', 'dave'], reused: false });
    expect(await HANDLERS['github.request_review'](params, ctx)).toMatchObject({ changed: [], reused: true });
    expect(fake.calls('POST', /\/requested_reviewers$/)).toHaveLength(1);
    expect(fake.hands.requestedReviewers(REPO, 6)).toEqual(['carol', 'dave']);
  });
});

describe('github.close and github.reopen', () => {
  it('change the state once, with the reason; the same state again is left alone', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 7 });
    expect(await HANDLERS['github.close']({ repo: REPO, number: 7, reason: 'not_planned' }, ctx)).toMatchObject({ changed: ['closed'], reused: false });
    expect(fake.calls('PATCH', /\/issues\/7$/).map((r) => r.body)).toEqual([{ state: 'closed', state_reason: 'not_planned' }]);
    expect(await HANDLERS['github.close']({ repo: REPO, number: 7 }, ctx)).toMatchObject({ reused: true });
    expect(fake.issue(REPO, 7)!.state).toBe('closed');
    expect(await HANDLERS['github.reopen']({ repo: REPO, number: 7 }, ctx)).toMatchObject({ changed: ['open'], reused: false });
    expect(await HANDLERS['github.reopen']({ repo: REPO, number: 7 }, ctx)).toMatchObject({ reused: true });
    expect(fake.calls('PATCH', /\/issues\/7$/)).toHaveLength(2);
    expect(fake.issue(REPO, 7)!.state).toBe('open');
  });
});

describe('github.rerun_failed_jobs', () => {
  it('asks once: a retry sees the attempt it caused and does not ask again', async () => {
    const { fake, store, ctx } = await setup();
    fake.hands.addWorkflowRun(REPO, { id: 900, run_attempt: 2 });
    const first = await HANDLERS['github.rerun_failed_jobs']({ repo: REPO, runId: 900 }, ctx);
    expect(first).toMatchObject({ runId: 900, attempt: 3, reused: false });
    expect(store.kv.get(`github.rerun.${ctx.actionId}`)).toBe(2);
    // The re-run finished red again before the retry: still one request.
    fake.hands.workflowRun(REPO, 900)!.status = 'completed';
    const again = await HANDLERS['github.rerun_failed_jobs']({ repo: REPO, runId: 900 }, ctx);
    expect(again).toMatchObject({ attempt: 3, reused: true });
    expect(fake.calls('POST', /\/rerun-failed-jobs$/)).toHaveLength(1);
  });

  it('another action on the same run asks again (the memory is per action)', async () => {
    const { fake, store } = await setup();
    fake.hands.addWorkflowRun(REPO, { id: 901 });
    const github = session({ fake, store });
    await HANDLERS['github.rerun_failed_jobs']({ repo: REPO, runId: 901 }, handlerContext(github, store, newActionIdForTest()));
    fake.hands.workflowRun(REPO, 901)!.status = 'completed';
    await HANDLERS['github.rerun_failed_jobs']({ repo: REPO, runId: 901 }, handlerContext(github, store, newActionIdForTest()));
    expect(fake.calls('POST', /\/rerun-failed-jobs$/)).toHaveLength(2);
    expect(fake.hands.workflowRun(REPO, 901)!.run_attempt).toBe(3);
  });
});

describe('github.merge', () => {
  const pull = () => ({ head: { ref: 'feature', sha: HEAD }, base: { ref: 'main' }, files: [] });

  it('merges the approved head once; a retry finds it merged', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 8, pull: pull() });
    const first = (await HANDLERS['github.merge']({ repo: REPO, number: 8, sha: HEAD, method: 'squash' }, ctx)) as { sha: string };
    expect(first).toMatchObject({ changed: ['merged'], reused: false });
    expect(fake.calls('PUT', /\/pulls\/8\/merge$/).map((r) => r.body)).toEqual([{ sha: HEAD, merge_method: 'squash' }]);
    expect(await HANDLERS['github.merge']({ repo: REPO, number: 8, sha: HEAD }, ctx)).toEqual({ repo: REPO, number: 8, changed: [], reused: true, sha: first.sha });
    expect(fake.calls('PUT', /\/merge$/)).toHaveLength(1);
  });

  it('a head that moved since the approval is not merged', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 9, pull: pull() });
    await expect(HANDLERS['github.merge']({ repo: REPO, number: 9, sha: 'd'.repeat(40) }, ctx)).rejects.toThrow(/Head branch was modified/);
    expect(fake.issue(REPO, 9)!.pull!.merged).toBeFalsy();
  });

  it('a merge whose answer was lost (502 after the effect) is found, not failed', async () => {
    const { fake, ctx } = await setup();
    fake.addIssue(REPO, { number: 10, pull: pull() });
    fake.inject({ method: 'PUT', path: /\/pulls\/10\/merge$/, status: 502, afterEffect: true });
    expect(await HANDLERS['github.merge']({ repo: REPO, number: 10, sha: HEAD }, ctx)).toMatchObject({ reused: true });
    expect(fake.calls('PUT', /\/merge$/)).toHaveLength(1);
  });

  it('asks by default; in auto mode only a rule naming github.merge allows it', () => {
    const proposal = { action: 'github.merge', params: { repo: REPO, number: 1, sha: HEAD } };
    const judge = (rules: unknown[]) => new PolicyGate(PermissionsConfig.parse({ mode: 'auto', rules }), noSecrets).judge(proposal);
    expect(judge([])).toMatchObject({ verdict: 'ask' });
    expect(judge([{ action: '*', decision: 'allow' }])).toMatchObject({ verdict: 'ask', reason: expect.stringMatching(/only when its action names it/) });
    expect(judge([{ action: 'github.*', repo: 'octo/*', decision: 'allow' }])).toMatchObject({ verdict: 'ask' });
    expect(judge([{ action: 'github.*', decision: 'deny' }])).toMatchObject({ verdict: 'deny' });
    expect(judge([{ action: 'github.merge', repo: 'octo/app', decision: 'allow' }])).toMatchObject({ verdict: 'allow' });
    // A wildcard still allows the other hands.
    const close = new PolicyGate(PermissionsConfig.parse({ mode: 'auto', rules: [{ action: 'github.*', decision: 'allow' }] }), noSecrets);
    expect(close.judge({ action: 'github.close', params: { repo: REPO, number: 1 } })).toMatchObject({ verdict: 'allow' });
  });
});
