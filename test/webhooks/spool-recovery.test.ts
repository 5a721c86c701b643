import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

function spoolBytes(home: string): number {
  const dir = path.join(home, 'spool');
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

function inboxRow(home: string, deliveryId: string): { kind: string; payload: string; payload_ref: string | null } | undefined {
  const db = new Database(path.join(home, 'vigil.db'), { readonly: true });
  try {
    return db.prepare('SELECT kind, payload, payload_ref FROM inbox WHERE delivery_id = ?').get(deliveryId) as
      | { kind: string; payload: string; payload_ref: string | null }
      | undefined;
  } finally {
    db.close();
  }
}

describe('the delivery spool across a crash', () => {
  it('a body spooled before its inbox row committed is indexed and logged once at the next start', async () => {
    const home = makeHome();
    const secret = webhookSecret(home);
    // Intake stops between the spool write and the row's commit.
    const first = await startDaemon(home, { VIGIL_FAILPOINTS: 'intake.spooled=60000' });
    daemons.push(first);
    const body = JSON.stringify({ action: 'labeled', issue: { number: 9, title: 'spooled' }, repository: { full_name: 'octo/app' } });
    const answer = postDelivery(first.url, secret, body, { event: 'issues', deliveryId: '5b001ed0-0001' }).catch(() => 'cut');
    await waitFor(() => spoolBytes(home) > body.length, 10_000, 'the body in the spool');
    expect(inboxRow(home, '5b001ed0-0001')).toBeUndefined();
    first.proc.kill('SIGKILL');
    await first.exited;
    // Never answered: the connection died with the daemon.
    expect(await answer).toBe('cut');

    const second = await startDaemon(home);
    daemons.push(second);
    const row = inboxRow(home, '5b001ed0-0001');
    expect(row?.kind).toBe('github.issues.labeled');
    expect(row?.payload).toBe('');
    expect(row?.payload_ref).toMatch(/^\d+:\d+$/);
    const received = logEntries(home).filter((e) => e.type === 'event.received' && e.deliveryId === '5b001ed0-0001');
    expect(received).toHaveLength(1);
    expect(received[0]!.kind).toBe('github.issues.labeled');

    // GitHub's redelivery of the same id is a duplicate now, and the body reads back whole.
    const again = await postDelivery(second.url, secret, body, { event: 'issues', deliveryId: '5b001ed0-0001' });
    expect(again.status).toBe(200);
    const status = await fetch(`${second.url}/healthz`);
    expect(status.status).toBe(200);
    await waitFor(() => logEntries(home).some((e) => e.type === 'decision.made'), 10_000, 'the spooled delivery decided');
  });
});
