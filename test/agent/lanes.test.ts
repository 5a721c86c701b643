import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { FakePushService } from '../notify/fake-push.js';
import { makeRepos, REPO } from './fixture.js';

/**
 * Lanes (issue 15): an agent task runs in its own lane, so an approval notice queued while
 * a 20-second task runs reaches the owner's phone (the fake push service) within 2 s.
 */

const STUB = [process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), 'stub-agent.mjs')];
const TASK_SECONDS = 20;

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

const atMs = (ts: unknown): number => (typeof ts === 'number' ? ts : Date.parse(String(ts)));

it('an approval notice queued while a 20-second agent task runs reaches the push service within 2 s', { timeout: 120_000 }, async () => {
  const repos = makeRepos();
  try {
    const home = makeHome({
      rules: [
        // "hang": the stub agent never finishes; agent.maxMinutes ends it after 20 s.
        { on: 'tick', propose: { action: 'agent.task', params: { repo: REPO, instructions: 'hang here' } } },
        { on: 'tick', propose: { action: 'github.comment', params: { repo: REPO, number: 1, body: 'asks the owner' } } },
      ],
      repos: [{ name: REPO, path: repos.clone }],
      agent: { command: STUB, maxMinutes: TASK_SECONDS / 60 },
      permissions: { mode: 'auto', rules: [{ action: 'agent.task', decision: 'allow' }] },
    });
    const daemon = await startDaemon(home, { NODE_EXTRA_CA_CERTS: push.caFile }, 30_000);
    daemons.push(daemon);
    const token = (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
    const res = await fetch(`${daemon.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...push.subscribe('lanes-phone'), expirationTime: null }),
    });
    expect(res.status).toBe(201);

    expect(runCli(home, ['tick']).status).toBe(0);
    const started = await waitFor(() => logEntries(home).find((e) => e.type === 'agent.started'), 30_000, 'the agent task to start');
    // The task runs; a second tick queues another approval notice behind nothing.
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(
      () => logEntries(home).filter((e) => e.type === 'approval.requested' && e.action === 'github.comment')[1],
      15_000,
      'the second approval',
    );
    const message = await waitFor(
      () => push.messages.find((m) => m.path === '/push/lanes-phone' && m.payload.includes(String(requested.actionId))),
      TASK_SECONDS * 1000,
      'the approval push',
    );
    const latency = message.at - atMs(requested.ts);
    console.log(`approval push ${latency} ms after it was queued, beside a running agent task`);
    expect(latency).toBeLessThan(2000);
    // Still running when the owner was reached: the lanes, not the task's end, let it through.
    const [task] = query<{ state: string; result: string | null; error: string | null }>(home, 'SELECT state, result, error FROM actions WHERE id = ?', started.actionId);
    expect(task, JSON.stringify(task)).toMatchObject({ state: 'running' });
  } finally {
    fs.rmSync(repos.root, { recursive: true, force: true });
  }
});
