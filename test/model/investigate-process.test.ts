import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeGithub } from '../github/fake-github.js';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, later } from './helpers.js';

/**
 * Issue 14, end to end: a failed check run reaches the real daemon; the model (scripted,
 * through the real Anthropic SDK) calls `github_check_logs`; the daemon asks the worker,
 * which holds the token, and the worker reads annotations and the job log's tail from the
 * fake GitHub API with the real Octokit; the model reads the failing test's name in the
 * fenced answer and proposes a comment naming it, which the worker posts once.
 */

const GITHUB_TOKEN = 'ghp_FAKE_github_token_investigation_0123456';
const REPO = 'octo/app';
const SHA = 'c'.repeat(40);
const FAILING = 'test/parser.test.js > parses empty input';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

function checkRunCompleted(id: number): Record<string, unknown> {
  return {
    action: 'completed',
    check_run: { id, name: 'test', head_sha: SHA, status: 'completed', conclusion: 'failure', pull_requests: [{ number: 3 }] },
    repository: { full_name: REPO, name: 'app', owner: { login: 'octo' } },
    sender: { login: 'github-actions[bot]' },
  };
}

describe('a decision that investigates, on real processes', () => {
  it('a failed check_run: the model reads the job log through github_check_logs and names the failing test in a comment, posted once', { timeout: 90_000 }, async () => {
    const github = await new FakeGithub({ tokens: [GITHUB_TOKEN] }).start();
    later(() => github.stop());
    github.addIssue(REPO, { number: 3 });
    // The log quotes the token (a careless `echo`): it must not reach the model.
    const log = [...Array.from({ length: 50 }, (_, i) => `step ${i} ok`), `token=${GITHUB_TOKEN}`, `FAIL ${FAILING}`, 'AssertionError: expected [] to equal [ 1 ]'].join('\n');
    const run = github.addCheckRun(REPO, {
      name: 'test',
      head_sha: SHA,
      conclusion: 'failure',
      output: { title: '1 test failed', summary: null },
      annotations: [{ path: 'test/parser.test.js', start_line: 12, annotation_level: 'failure', message: 'expected [] to equal [ 1 ]' }],
      log,
    });

    const model = new FakeAnthropic({ apiKey: FAKE_KEY });
    await model.start();
    later(() => model.stop());
    model.respond = (body) => {
      if (body.messages.length === 1) return { calls: [{ name: 'github_check_logs', input: { repo: REPO, check_run_id: run.id } }] };
      const answer = String(body.messages[2].content[0].content);
      const failing = /FAIL (.+)/.exec(answer)?.[1] ?? 'unknown';
      return {
        decide: {
          act: true,
          summary: `CI failed: ${failing}`,
          proposals: [{ action: 'github.comment', params: { repo: REPO, number: 3, body: `CI fails in \`${failing}\`.` }, rationale: 'the author should know which test fails' }],
        },
      };
    };

    const home = makeHome({
      model: { provider: 'anthropic', retryDelayMs: 50 },
      permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: REPO, decision: 'allow' }] },
    });
    const env = { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url, GITHUB_TOKEN, GITHUB_API_URL: github.url };
    const daemon = await startDaemon(home, env);
    daemons.push(daemon);

    const res = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify(checkRunCompleted(run.id)), { event: 'check_run', deliveryId: crypto.randomUUID() });
    expect(res.status).toBe(202);
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 60_000, 'the comment');

    // Two model calls: the look, then the decision.
    expect(model.calls).toHaveLength(2);
    const [first, second] = model.calls;
    expect(first!.body.tool_choice).toEqual({ type: 'any' });
    expect(first!.body.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['decide', 'github_check_logs', 'github_thread']));
    const answer = String(second!.body.messages[2].content[0].content);
    expect(answer).toContain(`FAIL ${FAILING}`);
    expect(answer).toContain('test/parser.test.js:12');
    expect(answer).toMatch(/<third-party-data>[\s\S]*<\/third-party-data>$/);
    for (const call of model.calls) expect(call.raw).not.toContain(GITHUB_TOKEN);

    const entries = logEntries(home);
    expect(entries.filter((e) => e.type === 'decision.tool')).toEqual([expect.objectContaining({ tool: 'github_check_logs', bytes: expect.any(Number) })]);
    expect(JSON.stringify(entries.filter((e) => e.type === 'decision.tool'))).not.toContain(FAILING);
    expect(entries.filter((e) => e.type === 'decision.made')).toEqual([expect.objectContaining({ act: true, toolCalls: 1 })]);

    // On GitHub: the comment, once, naming the test.
    const posted = github.calls('POST', /^\/repos\/octo\/app\/issues\/3\/comments$/);
    expect(posted).toHaveLength(1);
    expect(github.issue(REPO, 3)!.comments.map((c) => c.body).join('\n')).toContain(FAILING);
  });
});
