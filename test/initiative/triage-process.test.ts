import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FakeGithub } from '../github/fake-github.js';
import { FAKE_KEY, issueOpened, later } from '../model/helpers.js';
import { actingLogins } from '../helpers/acting-login.js';

/**
 * Rules first, model second, and vigil does not answer itself (issue 14), end to end:
 * the real daemon with the Anthropic provider (the real SDK against the fake Messages
 * API, whose requests are counted), the real worker with Octokit against the fake GitHub.
 */

const GITHUB_TOKEN = 'ghp_FAKE_github_token_triage_0123456789';
const REPO = 'octo/app';
const OWNER = 'octo';
/** The machine account vigil's token belongs to: the fake names it as the author of what vigil writes. */
const VIGIL = 'octo-vigil';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function world(config: Record<string, unknown>) {
  const github = await new FakeGithub({ tokens: [GITHUB_TOKEN], login: VIGIL }).start();
  later(() => github.stop());
  const model = new FakeAnthropic({ apiKey: FAKE_KEY });
  await model.start();
  later(() => model.stop());
  const home = makeHome({ model: { provider: 'anthropic', retryDelayMs: 50 }, ...config });
  const env = { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN, GITHUB_API_URL: github.url };
  const daemon = await startDaemon(home, env);
  daemons.push(daemon);
  const deliver = async (event: string, payload: unknown): Promise<string> => {
    const deliveryId = crypto.randomUUID();
    const res = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify(payload), { event, deliveryId });
    expect(res.status).toBe(202);
    return deliveryId;
  };
  return { github, model, home, deliver };
}

const of = (home: string, type: string) => logEntries(home).filter((e) => e.type === type);
const stateOf = (home: string, deliveryId: string) => query<{ state: string }>(home, 'SELECT state FROM inbox WHERE delivery_id = ?', deliveryId)[0]?.state;
const user = (login: string) => ({ login, id: login.length, type: 'User' });
const repository = { full_name: REPO, name: 'app', owner: { login: OWNER, type: 'User' }, private: false };

describe('vigil does not answer itself', () => {
  it('its own comment and its own label come back as webhooks: zero model calls, event.own; the owner’s comment still reaches the model', { timeout: 60_000 }, async () => {
    const { github, model, home, deliver } = await world({
      github: { ownerLogin: OWNER },
      rules: [
        {
          name: 'welcome',
          on: 'github.issues.opened',
          decide: 'rules',
          propose: { action: 'github.comment', params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', body: 'Thanks, we are looking.' } },
        },
        {
          name: 'triage-label',
          on: 'github.issues.opened',
          decide: 'rules',
          propose: { action: 'github.label', params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', labels: ['triage'] } },
        },
      ],
      permissions: { mode: 'auto', rules: [{ action: 'github.*', repo: 'octo/*', decision: 'allow' }] },
    });
    model.push({ decide: { act: false, summary: 'the owner is on it', proposals: [] } });
    github.addIssue(REPO, { number: 12 });

    // A new issue: both rules decide it without the model, and the worker writes both.
    await deliver('issues', issueOpened(12, 'Crash on start', 'It crashes.', REPO));
    await waitFor(() => of(home, 'action.succeeded').length === 2, 30_000, 'the comment and the label');
    expect(model.calls).toHaveLength(0);
    const [decided] = of(home, 'decision.made');
    expect(decided).toMatchObject({ kind: 'github.issues.opened', model: 'rules', summary: 'github.issues.opened: rules welcome, triage-label matched' });
    const written = github.issue(REPO, 12)!.comments[0]!;
    expect(written.user?.login).toBe(VIGIL);
    // The worker learnt the login it acts as from the comment GitHub returned.
    expect(actingLogins(home)).toEqual([VIGIL]);

    // GitHub sends both writes back.
    const commentEcho = await deliver('issue_comment', {
      action: 'created',
      issue: { number: 12, title: 'Crash on start', body: 'It crashes.', user: user('stranger') },
      comment: { id: written.id, body: written.body, user: user(VIGIL), html_url: written.html_url },
      repository,
      sender: user(VIGIL),
    });
    const labelEcho = await deliver('issues', {
      action: 'labeled',
      label: { name: 'triage', color: 'ededed' },
      issue: { number: 12, title: 'Crash on start', body: 'It crashes.', labels: [{ name: 'triage' }], user: user('stranger') },
      repository,
      sender: user(VIGIL),
    });
    // The owner answers on the issue: that is news, for the model.
    await deliver('issue_comment', {
      action: 'created',
      issue: { number: 12, title: 'Crash on start', body: 'It crashes.', user: user('stranger') },
      comment: { id: 1, body: 'I can reproduce it, fixing.', user: user(OWNER) },
      repository,
      sender: user(OWNER),
    });
    await waitFor(() => of(home, 'decision.made').length === 2, 20_000, 'the decision about the owner’s comment');

    const own = of(home, 'event.own');
    expect(own.map((e) => [e.kind, e.reason])).toEqual([
      ['github.issue_comment.created', expect.stringMatching(/^its text carries the marker of vigil's action \w+$/)],
      ['github.issues.labeled', `sent by ${VIGIL}, the login vigil acts as`],
    ]);
    expect([stateOf(home, commentEcho), stateOf(home, labelEcho)]).toEqual(['filtered', 'filtered']);
    // One model call in all: the owner's comment. vigil answered neither of its own writes.
    expect(model.calls).toHaveLength(1);
    expect(JSON.stringify(model.calls[0]!.body.messages)).toContain('I can reproduce it, fixing.');
    expect(of(home, 'decision.made').map((e) => [e.kind, e.model])).toEqual([
      ['github.issues.opened', 'rules'],
      ['github.issue_comment.created', 'claude-sonnet-4-6'],
    ]);
    expect(github.issue(REPO, 12)!.comments).toHaveLength(1);
    expect(github.calls('POST', /^\/repos\/octo\/app\/issues\/12\/labels$/)).toHaveLength(1);
  });
});

describe('rules first, model second', () => {
  it('skipped kinds and "decide": "rules" rules make no model call; the rules’ proposals are judged by the policy; the rest goes to the model', { timeout: 60_000 }, async () => {
    const { model, home, deliver } = await world({
      rules: [
        {
          name: 'ci-red',
          on: 'github.check_run.completed',
          decide: 'rules',
          match: { 'payload.check_run.conclusion': 'failure' },
          propose: { action: 'notify', params: { title: 'CI failed: {{payload.check_run.name}}', body: '{{payload.repository.full_name}}' } },
        },
        { name: 'follow-up', on: 'github.issues.closed', decide: 'rules', propose: { action: 'github.create_issue', params: { repo: REPO, title: 'Follow-up', body: 'Check the fix.' } } },
        // Not marked: with a model provider the model decides the events it matches.
        { on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'unmarked rule' } } },
      ],
      permissions: { mode: 'auto', rules: [{ action: 'github.create_issue', decision: 'deny' }] },
    });
    model.push({ decide: { act: false, summary: 'a question, no action', proposals: [] } });

    const star = await deliver('star', { action: 'created', starred_at: '2026-11-30T12:00:00Z', repository, sender: user('fan') });
    const queued = await deliver('check_run', { action: 'created', check_run: { name: 'test', status: 'queued' }, repository, sender: user(OWNER) });
    await deliver('check_run', { action: 'completed', check_run: { name: 'test', status: 'completed', conclusion: 'failure' }, repository, sender: user(OWNER) });
    await deliver('issues', { action: 'closed', issue: { number: 3, title: 'Old bug', state: 'closed' }, repository, sender: user(OWNER) });
    await deliver('issues', issueOpened(4, 'How do I configure it?', 'A question.', REPO));
    await waitFor(() => of(home, 'decision.made').length === 3, 20_000, 'three decisions');
    await waitFor(() => of(home, 'action.succeeded').length === 1, 20_000, 'the notification');

    // The default model.skipEvents: a star and a queued check run, each one line, no decision.
    expect(of(home, 'event.skipped').map((e) => [e.kind, e.reason])).toEqual([
      ['github.star.created', 'model.skipEvents has "github.star.*"'],
      ['github.check_run.created', 'model.skipEvents has "github.check_run.created"'],
    ]);
    expect([stateOf(home, star), stateOf(home, queued)]).toEqual(['filtered', 'filtered']);
    // The rules decided two events; the policy allowed the notification and denied the issue.
    expect(of(home, 'decision.made').map((e) => [e.kind, e.model])).toEqual([
      ['github.check_run.completed', 'rules'],
      ['github.issues.closed', 'rules'],
      ['github.issues.opened', 'claude-sonnet-4-6'],
    ]);
    expect(of(home, 'action.allowed').map((e) => e.action)).toEqual(['notify']);
    expect(of(home, 'action.succeeded').map((e) => e.action)).toEqual(['notify']);
    // No channel is configured here: the notify ran and says it reached nobody (issue 16).
    expect(of(home, 'notify.unreached').map((e) => e.title)).toEqual(['CI failed: test']);
    expect(of(home, 'action.denied')).toEqual([expect.objectContaining({ action: 'github.create_issue', reason: 'permissions.rules[0]' })]);
    // One model call: the new issue, which only an unmarked rule matched.
    expect(model.calls).toHaveLength(1);
    expect(JSON.stringify(model.calls[0]!.body.messages)).toContain('How do I configure it?');
  });
});
