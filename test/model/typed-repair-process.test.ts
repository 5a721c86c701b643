import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeGithub } from '../github/fake-github.js';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, issueOpened, later } from './helpers.js';

/**
 * Typed proposals, end to end (issue 14): the real daemon, the real Anthropic SDK against
 * the fake Messages API, the real Octokit in the worker against the fake GitHub. The
 * model first types an issue number as a string; instead of a silent denial at the gate,
 * it gets one repair round with the error, answers with a number, and the label is added
 * once.
 */

const GITHUB_TOKEN = 'ghp_FAKE_github_token_typed_proposals_0123';
const REPO = 'octo/app';
const EXPECTED_ERROR = 'proposals.0.params.number: Expected number, received string (github.label)';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const labelling = (number: unknown) => ({
  act: true,
  summary: 'a bug report: label it',
  proposals: [{ action: 'github.label', params: { repo: REPO, number, labels: ['bug'] }, rationale: 'it reports a crash' }],
});

describe('a proposal whose params fail the catalog’s schema', () => {
  it('github.label with number "1": one repair round carrying the error, then the corrected label is added once', { timeout: 60_000 }, async () => {
    const github = await new FakeGithub({ tokens: [GITHUB_TOKEN] }).start();
    later(() => github.stop());
    github.addIssue(REPO, { number: 1 });
    const model = new FakeAnthropic({ apiKey: FAKE_KEY });
    await model.start();
    later(() => model.stop());
    // The first answer types the number as a string; the repair turn (the model's own
    // answer and the error as its tool result) is answered with a number.
    model.respond = (body) => (body.messages.length === 1 ? { decide: labelling('1') } : { decide: labelling(1) });

    const home = makeHome({
      model: { provider: 'anthropic', retryDelayMs: 50 },
      permissions: { mode: 'auto', rules: [{ action: 'github.label', repo: REPO, decision: 'allow' }] },
    });
    const env = { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN, GITHUB_API_URL: github.url };
    const daemon = await startDaemon(home, env);
    daemons.push(daemon);

    const body = JSON.stringify(issueOpened(1, 'Crash on start', 'It crashes when started', REPO));
    const res = await postDelivery(daemon.url, webhookSecret(home), body, { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(res.status).toBe(202);
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 30_000, 'the label');

    // The schema the model was shown has the github.label branch with an integer number.
    const [first, second] = model.calls;
    const branches = first!.body.tools[0].input_schema.properties.proposals.items.anyOf as { properties: { action: { const: string }; params: { properties: Record<string, { type: string }> } } }[];
    const labelBranch = branches.find((b) => b.properties.action.const === 'github.label')!;
    expect(labelBranch.properties.params.properties.number!.type).toBe('integer');

    // Exactly one repair round: the second request carries the first answer and the error.
    expect(model.calls).toHaveLength(2);
    const [, assistant, result] = second!.body.messages;
    expect(assistant.content[0]).toMatchObject({ type: 'tool_use', name: 'decide', input: labelling('1') });
    expect(result.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: assistant.content[0].id, is_error: true });
    expect(result.content[0].content).toContain(EXPECTED_ERROR);

    const entries = logEntries(home);
    expect(entries.filter((e) => e.type === 'decision.invalid')).toEqual([expect.objectContaining({ retrying: true, error: expect.stringContaining(EXPECTED_ERROR) })]);
    const made = entries.filter((e) => e.type === 'decision.made');
    expect(made).toHaveLength(1);
    expect(made[0]!.proposals).toEqual([expect.objectContaining({ action: 'github.label', params: { repo: REPO, number: 1, labels: ['bug'] } })]);
    expect(entries.filter((e) => e.type === 'action.denied')).toEqual([]);
    expect(entries.filter((e) => e.type === 'action.succeeded').map((e) => e.action)).toEqual(['github.label']);

    // On GitHub: one label request, the label on the issue.
    expect(github.calls('POST', /^\/repos\/octo\/app\/issues\/1\/labels$/)).toHaveLength(1);
    expect(github.requests.filter((r) => r.method !== 'GET')).toHaveLength(1);
    expect(github.allIssues(REPO).find((i) => i.number === 1)!.labels).toEqual(['bug']);
  });
});
