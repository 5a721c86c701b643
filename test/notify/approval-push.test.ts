/**
 * Process-level: a real daemon and its worker send the approval notification through
 * the real web-push to the fake push service; its Approve button's capability token
 * answers the approval exactly once, before expiry, and for that approval only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';
import { FakePushService, type PushMessage } from './fake-push.js';

let push: FakePushService;
const daemons: RunningDaemon[] = [];
beforeAll(async () => {
  push = await FakePushService.start();
});
afterAll(async () => {
  await push.close();
});
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'tick by {{payload.trigger}}' }, rationale: 'keep a note' } }],
  permissions: { mode: 'suggest', rules: [] },
};

interface ApprovalPayload {
  title: string;
  body: string;
  tag: string;
  url: string;
  approval: { id: string; expiresAt: string; approveToken: string; denyToken: string };
}

async function daemonWithPhone(config: Record<string, unknown>, phone: string) {
  const home = makeHome(config);
  const daemon = await startDaemon(home, { NODE_EXTRA_CA_CERTS: push.caFile });
  daemons.push(daemon);
  const token = (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
  const subscription = push.subscribe(phone);
  // docs/contract.md: POST /api/push/subscriptions with the dashboard token → 201.
  const res = await fetch(`${daemon.url}/api/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...subscription, expirationTime: null }),
  });
  expect(res.status).toBe(201);
  return { home, daemon };
}

async function nextApprovalPush(home: string, phone: string): Promise<ApprovalPayload> {
  const seen = push.messages.filter((m) => m.path === `/push/${phone}`).length;
  expect(runCli(home, ['tick']).status).toBe(0);
  const message: PushMessage = await waitFor(() => push.messages.filter((m) => m.path === `/push/${phone}`)[seen], 15_000, 'approval push');
  return JSON.parse(message.payload) as ApprovalPayload;
}

const answer = (url: string, id: string, verb: string, token: string) =>
  fetch(`${url}/push/approvals/${id}/${verb}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });

describe('approving from the phone', () => {
  it('the push carries Approve/Deny tokens; one approves exactly that approval, once', async () => {
    const { home, daemon } = await daemonWithPhone(ASK_ON_TICK, 'owner-phone');
    const first = await nextApprovalPush(home, 'owner-phone');
    const requested = logEntries(home).find((e) => e.type === 'approval.requested')!;
    expect(first).toMatchObject({
      title: 'Approve memory.note?',
      body: 'tick by manual\nkeep a note',
      tag: `approval-${requested.actionId}`,
      url: `/#approval-${requested.actionId}`,
      approval: { id: requested.actionId, expiresAt: requested.expiresAt },
    });
    // The worker sent it, with the credentials only it holds.
    const sent = await waitFor(() => logEntries(home).find((e) => e.type === 'notify.sent'), 10_000, 'notify.sent');
    expect(sent.pid).not.toBe(daemon.pid);

    const second = await nextApprovalPush(home, 'owner-phone');
    const [a, b] = [first.approval, second.approval];
    expect(a.id).not.toBe(b.id);

    // Another approval's id: refused.
    const crossed = await answer(daemon.url, b.id, 'approve', a.approveToken);
    expect(crossed.status).toBe(403);
    expect(await crossed.json()).toMatchObject({ code: 'VIGIL_ERR_CAPABILITY', message: expect.stringMatching(/another approval/) });
    // The deny token does not approve.
    expect((await answer(daemon.url, a.id, 'approve', a.denyToken)).status).toBe(403);

    const ok = await answer(daemon.url, a.id, 'approve', a.approveToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: a.id, state: 'approved' });
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded' && e.actionId === a.id), 10_000, 'action.succeeded');
    expect(logEntries(home).find((e) => e.type === 'approval.granted' && e.actionId === a.id)).toMatchObject({ by: 'push' });

    // Reuse: refused, and logged.
    const reused = await answer(daemon.url, a.id, 'approve', a.approveToken);
    expect(reused.status).toBe(403);
    expect(await reused.json()).toMatchObject({ message: expect.stringMatching(/already used/) });
    // B is untouched by all that, and its own deny token denies it.
    expect((await answer(daemon.url, b.id, 'deny', b.denyToken)).status).toBe(200);
    const refusals = logEntries(home).filter((e) => e.type === 'approval.capability_refused').map((e) => e.reason);
    expect(refusals).toEqual(['the token is for another approval', 'the token is for "deny"', 'the token was already used']);
  });

  it('an expired token is refused; the approval expired, which means denied, and the log says so', { timeout: 60_000 }, async () => {
    const { home, daemon } = await daemonWithPhone({ ...ASK_ON_TICK, permissions: { mode: 'suggest', rules: [], approvalTtlHours: 0.002 } }, 'late-phone');
    const { approval } = await nextApprovalPush(home, 'late-phone');
    // 7.2 s to live; a team node looks for expired approvals every 15 s (src/initiative/team-decisions.ts), a single daemon at the expiry.
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.expired' && e.actionId === approval.id), 30_000, 'approval.expired');
    const late = await answer(daemon.url, approval.id, 'approve', approval.approveToken);
    expect(late.status).toBe(403);
    expect(await late.json()).toMatchObject({ code: 'VIGIL_ERR_CAPABILITY', message: expect.stringMatching(/expired/) });
    expect(logEntries(home).some((e) => e.type === 'action.succeeded')).toBe(false);
    const status = JSON.parse(runCli(home, ['approvals', '--json']).stdout) as unknown[];
    expect(status).toEqual([]);
  });

  it('a notify action reaches the phone through the worker: exactly what the rule said', async () => {
    const rules = [{ on: 'tick', propose: { action: 'notify', params: { title: 'Tick {{payload.trigger}}', body: 'all quiet', urgency: 'low' } } }];
    const { home } = await daemonWithPhone({ rules, permissions: { mode: 'auto', rules: [] } }, 'news-phone');
    expect(runCli(home, ['tick']).status).toBe(0);
    const message = await waitFor(() => push.messages.find((m) => m.path === '/push/news-phone'), 15_000, 'notify push');
    const succeeded = await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 10_000, 'action.succeeded');
    expect(JSON.parse(message.payload)).toEqual({ title: 'Tick manual', body: 'all quiet', urgency: 'low', tag: `action-${succeeded.actionId}`, url: '/' });
    expect(message.headers.urgency).toBe('low');
    expect(succeeded.result).toEqual({ channels: ['push'] });
  });
});
