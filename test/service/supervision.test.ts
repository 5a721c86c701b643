import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, runCli, sleep, startDaemon, waitFor, type Entry, type RunningDaemon, killDaemons, query } from '../helpers/home.js';
import { memoryFile } from '../helpers/store-rows.js';
import { sign, webhookSecret } from '../helpers/webhooks.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const NOTE_ON_TICK = (text: string) => ({ rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text } } }] });

describe('supervision inside the daemon', () => {
  it('the worker SIGKILLed 5 times in a row is restarted each time, later each time; /healthz keeps answering', async () => {
    const home = makeHome(NOTE_ON_TICK('wakes the worker'));
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    expect(runCli(home, ['tick']).status).toBe(0);
    const seen = new Set<unknown>();
    const nextStart = (timeoutMs: number) =>
      waitFor(() => logEntries(home).find((e) => e.type === 'worker.started' && !seen.has(e.workerPid)), timeoutMs, 'a new worker');

    let started: Entry = await nextStart(10_000);
    const exits: Entry[] = [];
    for (let kill = 1; kill <= 5; kill++) {
      seen.add(started.workerPid);
      process.kill(started.workerPid as number, 'SIGKILL');
      const exited = await waitFor(
        () => logEntries(home).find((e) => e.type === 'worker.exited' && e.workerPid === started.workerPid),
        5000,
        `worker.exited after kill ${kill}`,
      );
      expect(exited.signal).toBe('SIGKILL');
      exits.push(exited);
      const health = await fetch(`${daemon.url}/healthz`);
      expect(health.status, `healthz after kill ${kill}`).toBe(200);
      if (kill === 5) break;
      const restarted = await nextStart((exited.restartInMs as number) + 5000);
      // The delay is real: the next worker starts no sooner than announced.
      const waited = Date.parse(restarted.ts as string) - Date.parse(exited.ts as string);
      expect(waited).toBeGreaterThanOrEqual((exited.restartInMs as number) - 20);
      started = restarted;
    }
    const delays = exits.map((e) => e.restartInMs as number);
    for (let i = 1; i < delays.length; i++) expect(delays[i], `delays ${delays.join(', ')}`).toBeGreaterThan(delays[i - 1]!);

    // In backoff now; SIGTERM does not wait for the pending restart.
    const t0 = Date.now();
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(logEntries(home).filter((e) => e.type === 'worker.started')).toHaveLength(5);
  }, 40_000);

  /** Eight senders posting signed deliveries as fast as the daemon answers, until stopped. */
  function burst(url: string, secret: string) {
    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const send = async (sender: number) => {
      while (!stop) {
        const deliveryId = `${sender}-${crypto.randomUUID()}`;
        const body = JSON.stringify({ action: 'edited', issue: { number: n++, title: 'burst' }, repository: { full_name: 'octo/app' } });
        try {
          const res = await fetch(`${url}/webhooks/github`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': deliveryId, 'x-hub-signature-256': sign(secret, body) },
            body,
            signal: AbortSignal.timeout(2000),
          });
          if (res.status === 202 || res.status === 200) acked.add(deliveryId);
          await res.arrayBuffer();
        } catch {
          await sleep(20); // refused or cut: not acknowledged
        }
      }
    };
    const senders = Array.from({ length: 8 }, (_, i) => send(i));
    return {
      acked,
      stop: async () => {
        stop = true;
        await Promise.all(senders);
      },
    };
  }

  function storedDeliveries(home: string): Set<string> {
    return new Set(query<{ id: string }>(home, `SELECT delivery_id AS id FROM inbox WHERE source = 'github'`).map((r) => r.id));
  }

  /** Start, tick, and return once the note is running inside the worker (held there by the failpoint). */
  async function actionInFlight(execDelayMs: number) {
    const home = makeHome(NOTE_ON_TICK('in flight at SIGTERM'));
    const env = { VIGIL_PORT: String(await freePort()), VIGIL_FAILPOINTS: `exec.delay=${execDelayMs}` };
    const daemon = await startDaemon(home, env);
    daemons.push(daemon);
    expect(runCli(home, ['tick'], env).status).toBe(0);
    const action = await waitFor(() => query<{ id: string }>(home, `SELECT id FROM actions WHERE state = 'running'`)[0], 10_000, 'the action to run');
    return { home, daemon, actionId: action.id };
  }

  async function sigtermDuringBurst(daemon: RunningDaemon, home: string) {
    const load = burst(daemon.url, webhookSecret(home));
    await sleep(500);
    const t0 = Date.now();
    daemon.proc.kill('SIGTERM');
    const { code } = await daemon.exited;
    const elapsed = Date.now() - t0;
    await load.stop();
    return { code, elapsed, acked: load.acked };
  }

  it('SIGTERM during a webhook burst with an action in flight: exit 0 in < 10 s, every ack stored, the action finished', async () => {
    const { home, daemon, actionId } = await actionInFlight(3000);
    const { code, elapsed, acked } = await sigtermDuringBurst(daemon, home);
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(10_000);
    expect(acked.size).toBeGreaterThan(20);
    const stored = storedDeliveries(home);
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
    // The worker was asked to drain: it finished what it ran before the daemon stopped.
    expect(query<{ state: string }>(home, 'SELECT state FROM actions WHERE id = ?', actionId)[0]!.state).toBe('succeeded');
    const types = logEntries(home).map((e) => e.type);
    expect(types.lastIndexOf('action.succeeded')).toBeLessThan(types.lastIndexOf('daemon.stopped'));
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
  }, 40_000);

  it('an action longer than the drain is released at SIGTERM and runs once at the next start', async () => {
    const { home, daemon, actionId } = await actionInFlight(60_000);
    const { code, elapsed, acked } = await sigtermDuringBurst(daemon, home);
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(10_000);
    const stored = storedDeliveries(home);
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
    expect(query<{ state: string }>(home, 'SELECT state FROM actions WHERE id = ?', actionId)[0]!.state).not.toMatch(/succeeded|failed/);

    const next = await startDaemon(home);
    daemons.push(next);
    await waitFor(() => query(home, `SELECT 1 FROM actions WHERE id = ? AND state = 'succeeded'`, actionId)[0], 15_000, 'the action to finish');
    expect(memoryFile(home, 'notes.md')?.match(/in flight at SIGTERM/g)).toHaveLength(1);
    next.proc.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  }, 60_000);
});
