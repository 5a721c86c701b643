/**
 * Bounded records (issue 12): a 24 MB delivery whose issue body an owner's rule copies
 * into a proposal's params. Before, the whole body went into the `decision.made` line
 * and the stored action. Now each field is capped with a marker saying how much was
 * cut, the line carries the event id (and `event.received` the delivery id) that points
 * to the whole delivery in the store (the spool, or its inbox row on PostgreSQL), and the
 * log still verifies.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FIELD_CHARS } from '../../src/logs/index.js';
import { killDaemons, logEntries, makeHome, query, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { logBytes } from '../helpers/home-log.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('bounded records', () => {
  it('a 24 MB issue body copied into params by a rule reaches no log line or stored row whole', { timeout: 90_000 }, async () => {
    const home = makeHome({
      rules: [{ on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'new issue', body: '{{payload.issue.body}}' } } }],
    });
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const body = 'B'.repeat(24 * 1024 * 1024);
    const payload = {
      action: 'opened',
      issue: { number: 1, title: 'big', body, state: 'open', user: { login: 'mallory', id: 6, type: 'User' }, labels: [] },
      repository: { full_name: 'octo/app', name: 'app', owner: { login: 'octo', type: 'User' }, private: false },
      sender: { login: 'mallory', id: 6, type: 'User' },
    };
    const deliveryId = crypto.randomUUID();
    const res = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify(payload), { event: 'issues', deliveryId });
    expect(res.status).toBe(202);
    const denied = await waitFor(() => logEntries(home).find((e) => e.type === 'action.denied'), 60_000, 'the decision');

    const entries = logEntries(home);
    const received = entries.find((e) => e.type === 'event.received' && e.deliveryId === deliveryId)!;
    const decision = entries.find((e) => e.type === 'decision.made' && e.eventId === received.eventId)!;
    // The line points to the delivery by its event id; the params say what was cut.
    const params = (decision.proposals as { params: { body: string } }[])[0]!.params;
    expect(params.body).toBe(`${'B'.repeat(MAX_FIELD_CHARS)}…[cut ${body.length - MAX_FIELD_CHARS} chars]`);
    expect(String(denied.reason)).toContain('body');
    expect(logBytes(home)).toBeLessThan(256 * 1024);

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(runCli(home, ['log', 'verify']).status).toBe(0);
    const [action] = query<{ state: string; params: string }>(home, 'SELECT state, params FROM actions WHERE id = ?', String(denied.actionId));
    expect(action?.state).toBe('denied');
    // The stored params (JSON text on both backends) are capped too.
    expect(action!.params.length).toBeLessThan(2 * MAX_FIELD_CHARS);
    expect((JSON.parse(action!.params) as { body: string }).body).toContain('…[cut ');
  });
});
