/**
 * Rule suggestions on a team (issue 15 on PostgreSQL): the owner's approvals taken through
 * two nodes count together; the fifth offers once — also when two nodes take fifth
 * approvals at the same moment — with its `rule.suggested` line and its notice in the
 * queue; a denial starts the count again; and a link opened on both nodes at once adds the
 * rule to one node's config.json, its token spent once across the team.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { answerTeamApproval } from '../../../src/initiative/index.js';
import { acceptTeamRuleSuggestion, considerTeamRuleSuggestion } from '../../../src/operations/team-rule-suggestions.js';
import type { PgStore } from '../../../src/store/pg/index.js';
import { usePgNodes } from '../../helpers/pg-nodes.js';
import { postgresAvailability, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();
const T0 = Date.parse('2026-03-02T10:00:00Z');
// auto mode, no rule: a label asks the owner; suggestAfter is 5 by default.
const PERMISSIONS = parseConfig({ permissions: { mode: 'auto', rules: [] } }).permissions;

describe.runIf(PG.available)('rule suggestions on a team (two nodes, one process, a real cluster)', () => {
  const pg = usePostgres('team_rule_suggestions');
  const node = usePgNodes(pg, {
    leaseSeconds: 30,
    truncate: ['capability_uses', 'rule_suggestions', 'notify_queue', 'actions', 'nodes'],
    migratedAt: T0,
  });
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  let n = 0;
  /** A label on octo/app the policy asks about, waiting in the shared actions table. */
  const ask = async (store: PgStore, clock: FakeClock): Promise<string> => {
    const id = `a${String(++n).padStart(4, '0')}`;
    await store.transaction((tx) =>
      store.actions.insert(tx, {
        id,
        action: 'github.label',
        params: { repo: 'octo/app', number: 1, labels: ['triage'] },
        rationale: '',
        repo: 'octo/app',
        state: 'awaiting_approval',
        verdict: 'ask',
        reason: 'asks',
        expiresAt: clock.now() + 86_400_000,
      }),
    );
    return id;
  };
  const answer = async (store: PgStore, clock: FakeClock, id: string, how: 'approve' | 'deny') => {
    clock.advance(1000);
    const answered = await answerTeamApproval(store, clock, { id, answer: how, by: 'push' });
    if (answered === 'used') throw new Error('no token was given');
    return how === 'approve' ? considerTeamRuleSuggestion(store, clock, PERMISSIONS, answered) : undefined;
  };
  /** The `rule.suggested` lines of the suggestions this test made (the log is append-only: earlier tests' lines stay). */
  const suggestedLines = async () =>
    (await pg.sql(`SELECT line FROM log_entries WHERE type = 'rule.suggested' AND (line::jsonb->>'suggestionId') IN (SELECT id FROM rule_suggestions)`, [])).rows as { line: string }[];

  it('approvals through two nodes count together: the fifth offers once, its line and notice with it; a denial starts the count again', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    for (const store of [alpha, beta, alpha, beta]) expect(await answer(store, clock, await ask(alpha, clock), 'approve')).toBeUndefined();
    const offered = await answer(beta, clock, await ask(alpha, clock), 'approve');
    expect(offered).toMatchObject({ action: 'github.label', repo: 'octo/app', approvals: 5, state: 'offered' });
    const lines = await suggestedLines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.line)).toMatchObject({ suggestionId: offered!.id, approvals: 5 });
    const queued = (await pg.sql(`SELECT key, kind, payload FROM notify_queue`, [])).rows;
    expect(queued).toEqual([{ key: `rule:${offered!.id}`, kind: 'rule', payload: { suggestionId: offered!.id } }]);
    // While the offer is open, more approvals offer nothing more.
    expect(await answer(alpha, clock, await ask(alpha, clock), 'approve')).toBeUndefined();

    // A fresh pair: four approvals, a denial, then four more are not five in a row.
    await pg.sql('TRUNCATE rule_suggestions, notify_queue, capability_uses, actions CASCADE', []);
    for (let i = 0; i < 4; i++) await answer(alpha, clock, await ask(alpha, clock), 'approve');
    await answer(beta, clock, await ask(alpha, clock), 'deny');
    for (let i = 0; i < 4; i++) expect(await answer(i % 2 ? alpha : beta, clock, await ask(alpha, clock), 'approve')).toBeUndefined();
    expect(await answer(alpha, clock, await ask(alpha, clock), 'approve')).toMatchObject({ approvals: 5 });
  });

  it('two nodes taking fifth approvals at the same moment offer once', async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    for (let i = 0; i < 4; i++) await answer(alpha, clock, await ask(alpha, clock), 'approve');
    const [a, b] = [await ask(alpha, clock), await ask(alpha, clock)];
    const offers = await Promise.all([answer(alpha, clock, a, 'approve'), answer(beta, clock, b, 'approve')]);
    expect(offers.filter(Boolean)).toHaveLength(1);
    expect(await suggestedLines()).toHaveLength(1);
    expect((await pg.sql(`SELECT count(*)::int AS n FROM rule_suggestions`, [])).rows).toEqual([{ n: 1 }]);
  });

  it("a link opened on both nodes at once: one node's config.json gets the rule, the token is spent once, the other is refused and its config untouched", async () => {
    const clock = new FakeClock(T0);
    const [alpha, beta] = [await node('alpha', clock), await node('beta', clock)];
    let offered;
    for (let i = 0; i < 5; i++) offered = await answer(alpha, clock, await ask(alpha, clock), 'approve');
    expect(offered).toBeDefined();
    const configFile = (name: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-rule-${name}-`));
      dirs.push(dir);
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ permissions: { mode: 'auto', rules: [] } }, null, 2));
      return file;
    };
    const files = [configFile('alpha'), configFile('beta')];
    const results = await Promise.allSettled([
      acceptTeamRuleSuggestion(alpha, clock, { configFile: files[0]!, id: offered!.id, nonce: 'nonce-1', by: 'push' }),
      acceptTeamRuleSuggestion(beta, clock, { configFile: files[1]!, id: offered!.id, nonce: 'nonce-1', by: 'push' }),
    ]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results[1 - won] as PromiseRejectedResult;
    expect((lost.reason as { code?: string }).code).toMatch(/^VIGIL_ERR_(SUGGESTION_CLOSED|CAPABILITY)$/);
    const rules = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { permissions: { rules: unknown[] } }).permissions.rules;
    expect(rules(files[won]!)).toEqual([{ action: 'github.label', repo: 'octo/app', decision: 'allow' }]);
    expect(fs.existsSync(`${files[won]!}.prev`)).toBe(true);
    expect(rules(files[1 - won]!)).toEqual([]);
    expect((await pg.sql(`SELECT suggestion_id, action_id FROM capability_uses`, [])).rows).toEqual([{ suggestion_id: offered!.id, action_id: null }]);
    expect((await pg.sql(`SELECT state, answered_by FROM rule_suggestions`, [])).rows).toEqual([{ state: 'accepted', answered_by: won === 0 ? 'alpha' : 'beta' }]);
    // The same token once more, on either node: closed.
    await expect(acceptTeamRuleSuggestion(beta, clock, { configFile: files[1]!, id: offered!.id, nonce: 'nonce-2', by: 'push' })).rejects.toThrow(/accepted already/);
    expect(rules(files[1]!)).toEqual(won === 1 ? [{ action: 'github.label', repo: 'octo/app', decision: 'allow' }] : []);
  });
});
