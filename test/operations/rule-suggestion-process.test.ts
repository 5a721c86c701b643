/**
 * Issue 15's last acceptance point, process-level: a real daemon and its worker, the fake
 * GitHub API spoken to by real Octokit, the fake push service decrypting real web-push.
 * Five approvals of `github.label` on octo/app → one suggestion notification; its
 * capability link adds the rule to config.json (the old file kept as config.json.prev),
 * the daemon reloads, and the sixth label runs without asking. The link is then spent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCliAsync, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { FakeGithub } from '../github/fake-github.js';
import { REPO, TOKEN } from '../github/helpers.js';
import { FakePushService } from '../notify/fake-push.js';
import { dashboardToken } from '../web/helpers.js';

let push: FakePushService;
const daemons: RunningDaemon[] = [];
const fakes: FakeGithub[] = [];
beforeAll(async () => {
  push = await FakePushService.start();
});
afterAll(async () => {
  await push.close();
});
afterEach(async () => {
  await killDaemons(daemons);
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  removeHomes();
});

interface SuggestionPush {
  title: string;
  body: string;
  url: string;
  rule?: { id: string; token: string };
  approval?: { id: string; approveToken: string };
}

const LABEL_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'github.label', params: { repo: REPO, number: 1, labels: ['triage'] }, rationale: 'needs triage' } }],
  // auto mode, no rule: a label (an effect outside the machine) asks the owner.
  permissions: { mode: 'auto', rules: [] },
};

describe('a rule suggested after five approvals', () => {
  it('five approvals of github.label on octo/app → one suggestion push; its link adds the rule, and the sixth label runs without asking', async () => {
    const github = await new FakeGithub({ tokens: [TOKEN] }).start();
    fakes.push(github);
    github.addIssue(REPO, { number: 1 });
    const home = makeHome(LABEL_ON_TICK);
    const daemon = await startDaemon(home, { NODE_EXTRA_CA_CERTS: push.caFile, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url }, 30_000);
    daemons.push(daemon);
    const subscribed = await fetch(`${daemon.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dashboardToken(home)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...push.subscribe('owner-phone'), expirationTime: null }),
    });
    expect(subscribed.status).toBe(201);
    const pushes = () => push.messages.filter((m) => m.path === '/push/owner-phone').map((m) => JSON.parse(m.payload) as SuggestionPush);
    const labelled = () => github.calls('POST', /\/repos\/octo\/app\/issues\/1\/labels$/).length;

    for (let round = 1; round <= 5; round++) {
      expect((await runCliAsync(home, ['tick'])).status).toBe(0);
      const asked = await waitFor(() => pushes().filter((p) => p.approval)[round - 1], 20_000, `approval push ${round}`);
      expect(asked.title).toBe('Approve github.label?');
      expect((await runCliAsync(home, ['approve', asked.approval!.id])).status).toBe(0);
      await waitFor(() => labelled() === round, 20_000, `label ${round} on the fake GitHub`);
      if (round === 4) expect(logEntries(home).some((e) => e.type === 'rule.suggested')).toBe(false);
    }

    const offer = await waitFor(() => pushes().find((p) => p.rule), 20_000, 'the suggestion push');
    expect(offer.title).toBe('Allow github.label on octo/app without asking?');
    expect(offer.body).toContain('You approved github.label on octo/app 5 times in a row');
    expect(offer.url).toBe(`/push/rules/${offer.rule!.id}?token=${encodeURIComponent(offer.rule!.token)}`);
    expect(logEntries(home).filter((e) => e.type === 'rule.suggested')).toEqual([
      expect.objectContaining({ suggestionId: offer.rule!.id, action: 'github.label', repo: 'octo/app', approvals: 5 }),
    ]);

    // The link opens a page (a chat preview fetching it adds nothing); its button posts the token.
    const page = await fetch(`${daemon.url}${offer.url}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('&quot;action&quot;: &quot;github.label&quot;');
    const before = fs.readFileSync(path.join(home, 'config.json'), 'utf8');
    expect(JSON.parse(before).permissions.rules).toEqual([]);

    const accept = (token: string) =>
      fetch(`${daemon.url}/push/rules/${offer.rule!.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    // An approval's own token is no rule's token.
    const approvalToken = pushes().find((p) => p.approval)!.approval!.approveToken;
    expect((await accept(approvalToken)).status).toBe(403);
    const accepted = await accept(offer.rule!.token);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({
      id: offer.rule!.id,
      state: 'accepted',
      rule: { action: 'github.label', repo: 'octo/app', decision: 'allow' },
      added: true,
      reloaded: true,
    });
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'));
    expect(config.permissions.rules).toEqual([{ action: 'github.label', repo: 'octo/app', decision: 'allow' }]);
    expect(fs.readFileSync(path.join(home, 'config.json.prev'), 'utf8')).toBe(before);
    expect(logEntries(home).map((e) => e.type)).toEqual(expect.arrayContaining(['rule.accepted', 'config.reloaded']));

    // Replayed: refused, and logged.
    const replayed = await accept(offer.rule!.token);
    expect(replayed.status).toBe(409);
    expect(logEntries(home).filter((e) => e.type === 'rule.capability_refused').map((e) => e.reason)).toEqual([
      'bad signature',
      'the rule was accepted already',
    ]);

    // The sixth label: allowed by the new rule, run, never asked.
    const approvalsBefore = logEntries(home).filter((e) => e.type === 'approval.requested').length;
    expect((await runCliAsync(home, ['tick'])).status).toBe(0);
    const allowed = await waitFor(() => logEntries(home).find((e) => e.type === 'action.allowed' && e.action === 'github.label'), 20_000, 'the sixth label allowed');
    expect(allowed.reason).toBe('permissions.rules[0]');
    await waitFor(() => labelled() === 6, 20_000, 'the sixth label on the fake GitHub');
    expect(logEntries(home).filter((e) => e.type === 'approval.requested')).toHaveLength(approvalsBefore);
    // One suggestion push in all.
    expect(pushes().filter((p) => p.rule)).toHaveLength(1);
  }, 180_000);
});
