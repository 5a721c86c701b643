import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeAnthropic, type RecordedCall } from '../fakes/fake-anthropic.mjs';
import { FakeGithub } from '../github/fake-github.js';
import { REPO, TOKEN } from '../github/helpers.js';
import { FAKE_KEY, issueOpened, later } from './helpers.js';

/**
 * Thread memory on real processes (issue 14): the daemon decides with the real Anthropic
 * SDK against the fake Messages API, its worker comments through the real Octokit on the
 * fake GitHub, the owner denies through `vigil deny`. What the fake model was shown for
 * the next event on the same issue lists what vigil did there before, with outcomes.
 */

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const FAST = { retryDelayMs: 50, retryMaxDelayMs: 200, timeoutSeconds: 5 };

function commentCreated(number: number, body: string): Record<string, unknown> {
  const opened = issueOpened(number, `Issue ${number}`, 'It crashes');
  return { ...opened, action: 'created', comment: { body, user: { login: 'stranger', type: 'User' } } };
}

/** The prompt's dynamic part as the fake received it (the user turn's text). */
function dynamicOf(call: RecordedCall): string {
  const content = (call.body.messages as { content: string | { type: string; text?: string }[] }[])[0]!.content;
  return typeof content === 'string' ? content : content.map((block) => block.text ?? '').join('\n');
}

function threadSection(call: RecordedCall): string | undefined {
  return /# Earlier on this subject[^\n]*\n<third-party-data>\n([\s\S]*?)\n<\/third-party-data>/.exec(dynamicOf(call))?.[1];
}

describe('thread memory (real daemon, real SDKs, fake Messages and GitHub APIs)', () => {
  it('a second event on an issue shows the model vigil\'s first actions there and their outcomes; an event on another issue does not', { timeout: 120_000 }, async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    later(() => github.stop());
    github.addIssue(REPO, { number: 7 });
    github.addIssue(REPO, { number: 8 });
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push({
      decide: {
        act: true,
        summary: 'A crash report: acknowledge it and label it',
        proposals: [
          { action: 'github.comment', params: { repo: REPO, number: 7, body: 'Thanks for the report, looking into it.' }, rationale: 'acknowledge' },
          { action: 'github.label', params: { repo: REPO, number: 7, labels: ['bug'] }, rationale: 'triage' },
        ],
      },
    });
    const home = makeHome({
      model: { provider: 'anthropic', ...FAST },
      permissions: { mode: 'auto', rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] },
    });
    const daemon = await startDaemon(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
    daemons.push(daemon);
    const secret = webhookSecret(home);
    const decisions = () => logEntries(home).filter((e) => e.type === 'decision.made');

    const first = await postDelivery(daemon.url, secret, JSON.stringify(issueOpened(7, 'Crash on start', 'It crashes.')), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(first.status).toBe(202);
    const succeeded = await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 30_000, 'the comment');
    const asked = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 10_000, 'the label approval');
    const denied = runCli(home, ['deny', String(asked.actionId)]);
    expect(denied.status, denied.stderr).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.denied'), 10_000, 'the denial in the log');
    const commentUrl = github.issue(REPO, 7)!.comments[0]!.html_url;
    expect((succeeded.result as { url: string }).url).toBe(commentUrl);

    const second = await postDelivery(daemon.url, secret, JSON.stringify(commentCreated(7, 'Any news?')), { event: 'issue_comment', deliveryId: crypto.randomUUID() });
    expect(second.status).toBe(202);
    await waitFor(() => decisions().length >= 2, 60_000, 'the second decision');
    const third = await postDelivery(daemon.url, secret, JSON.stringify(issueOpened(8, 'Docs typo', 'A typo.')), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(third.status).toBe(202);
    await waitFor(() => decisions().length >= 3, 60_000, 'the third decision');

    const [onOpened, onComment, onOther] = fake.calls;
    expect(threadSection(onOpened!)).toBeUndefined();
    expect(threadSection(onComment!)!.split('\n')).toEqual([
      'subject: octo/app#7',
      expect.stringMatching(/^\S+Z decided github\.issues\.opened: A crash report: acknowledge it and label it$/),
      expect.stringMatching(new RegExp(`^\\S+Z github\\.comment ${String(succeeded.actionId)} "Thanks for the report, looking into it\\." → done: ${escape(commentUrl)}$`)),
      expect.stringMatching(new RegExp(`^\\S+Z github\\.label ${String(asked.actionId)} "bug" → denied by the owner$`)),
    ]);
    expect(dynamicOf(onComment!)).toContain(`github.comment on octo/app#7 done ${commentUrl}`);
    // Another issue has no thread of its own yet, and #7's is not shown for it.
    expect(threadSection(onOther!)).toBeUndefined();
    expect(dynamicOf(onOther!)).toContain('Docs typo');

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
