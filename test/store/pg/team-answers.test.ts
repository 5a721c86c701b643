/**
 * The owner's answers on a team (issue 19), in one process against a real cluster, two
 * nodes' stores racing: one answer wins whatever the other says, a token's nonce answers
 * once even when both nodes spend it at the same moment, and an approval past its time
 * expires once, logged once, however many nodes look.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { isVigilError } from '../../../src/errors.js';
import { answerTeamApproval, expireTeamApprovals } from '../../../src/initiative/team-approvals.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

describe.runIf(PG.available)('answers on a team: once across nodes (real PostgreSQL)', () => {
  const pg = usePostgres('team_answers');
  const node = usePgNodes(pg, { leaseSeconds: 30, truncate: ['capability_uses', 'actions', 'nodes'], migratedAt: T0 });

  const ask = async (store: PgStore, id: string, expiresAt: number) => {
    await store.transaction((tx) =>
      store.actions.insert(tx, { id, action: 'github.label', params: { repo: 'octo/app', number: 1, labels: ['bug'] }, rationale: '', state: 'awaiting_approval', verdict: 'ask', reason: 'asks', expiresAt }),
    );
  };

  const settle = <T>(p: Promise<T>) => p.then((value) => ({ value }), (error: unknown) => ({ error }));

  const lines = async (type: string) =>
    (await pg.sql<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE type = $1 ORDER BY node', [type])).rows;

  it('approve on one node and deny on the other at once: one wins, the other is told it is closed, one line', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    for (let round = 0; round < 10; round++) {
      const id = `race${round}`;
      await ask(alpha, id, T0 + DAY);
      const [a, b] = await Promise.all([
        settle(answerTeamApproval(alpha, clock, { id, answer: 'approve', by: 'push' })),
        settle(answerTeamApproval(beta, clock, { id, answer: 'deny', by: 'cli', reason: 'no' })),
      ]);
      const outcomes = [a, b];
      const won = outcomes.filter((o) => 'value' in o);
      const lost = outcomes.filter((o) => 'error' in o);
      expect(won).toHaveLength(1);
      expect(lost.map((o) => isVigilError((o as { error: unknown }).error, 'VIGIL_ERR_APPROVAL_CLOSED'))).toEqual([true]);
      const row = (await pg.sql<{ state: string; answered_by: string }>('SELECT state, answered_by FROM actions WHERE id = $1', [id])).rows[0]!;
      expect(row.state).toBe('value' in a ? 'approved' : 'denied');
      const answered = [...(await lines('approval.granted')), ...(await lines('approval.denied'))].filter((l) => l.line.includes(`"${id}"`));
      expect(answered).toHaveLength(1);
    }
  });

  it('one nonce spent on both nodes at the same moment answers once; the other is told it was used, and nothing else changes', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    for (let round = 0; round < 10; round++) {
      const id = `nonce${round}`;
      await ask(alpha, id, T0 + DAY);
      const results = await Promise.all([alpha, beta].map((store) => answerTeamApproval(store, clock, { id, answer: 'approve', by: 'push', nonce: `n-${round}` })));
      expect(results.filter((r) => r === 'used')).toHaveLength(1);
      expect(results.filter((r) => r !== 'used').map((r) => (r as { state: string }).state)).toEqual(['approved']);
    }
    expect((await pg.sql('SELECT 1 FROM capability_uses', [])).rowCount).toBe(10);
    // A fresh nonce on a closed approval: refused as closed, and not kept (it answered nothing).
    await expect(answerTeamApproval(beta, clock, { id: 'nonce0', answer: 'deny', by: 'push', nonce: 'fresh' })).rejects.toMatchObject({ code: 'VIGIL_ERR_APPROVAL_CLOSED' });
    expect((await pg.sql(`SELECT 1 FROM capability_uses WHERE nonce = 'fresh'`, [])).rowCount).toBe(0);
    await expect(answerTeamApproval(beta, clock, { id: 'nobody', answer: 'deny', by: 'cli' })).rejects.toMatchObject({ code: 'VIGIL_ERR_APPROVAL_NOT_FOUND' });
  });

  it('past its time an approval expires once across nodes: an answer then is refused, approval.expired logged once', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    await ask(alpha, 'late', T0 + 1000);
    await ask(alpha, 'later', T0 + 2000);
    await ask(alpha, 'fine', T0 + DAY);
    clock.advance(1500);
    // An answer to the one whose time ran out records its expiry and is refused.
    await expect(answerTeamApproval(beta, clock, { id: 'late', answer: 'approve', by: 'cli' })).rejects.toMatchObject({ code: 'VIGIL_ERR_APPROVAL_CLOSED', message: expect.stringContaining('expired') });
    clock.advance(1000);
    const counts = await Promise.all([alpha, beta, alpha, beta].map((store) => expireTeamApprovals(store, clock)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const states = (await pg.sql<{ id: string; state: string }>('SELECT id, state FROM actions ORDER BY id', [])).rows;
    expect(states).toEqual([{ id: 'fine', state: 'awaiting_approval' }, { id: 'late', state: 'expired' }, { id: 'later', state: 'expired' }]);
    const expired = (await lines('approval.expired')).map((l) => (JSON.parse(l.line) as { actionId: string }).actionId).sort();
    expect(expired).toEqual(['late', 'later']);
  });
});
