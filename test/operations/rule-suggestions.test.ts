/**
 * Suggested rules (issue 15) in-process, with a real store, a real config.json and a fake
 * clock: when a suggestion is due and when not (a denial between, github.merge, a mode
 * where a rule changes nothing, an offer still open), and accepting one as an attacker
 * would try it (an expired or replayed link, a token of the other scope, a config.json
 * changed or broken on disk meanwhile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { OutboxJournal } from '../../src/journal/index.js';
import { signCapability, verifyCapability } from '../../src/notify/capability.js';
import { ruleSuggestionNotification } from '../../src/notify/notices.js';
import { answerApproval } from '../../src/operations/approvals.js';
import { acceptRuleSuggestion, considerRuleSuggestion, SUGGESTION_TTL_MS } from '../../src/operations/rule-suggestions.js';
import { Store } from '../../src/store/index.js';
import { useTempDir, vigilErrorOf } from '../unit/helpers.js';

const tempDir = useTempDir('vigil-suggest-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const KEY = 'k'.repeat(64);
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const LABEL = { action: 'github.label', params: { repo: 'octo/app', number: 1, labels: ['triage'] } };
const MERGE = { action: 'github.merge', params: { repo: 'octo/app', number: 3, sha: 'e'.repeat(40) } };

function world(config: Record<string, unknown> = { permissions: { mode: 'auto', rules: [] } }) {
  const dir = tempDir();
  const store = Store.open(path.join(dir, 'vigil.db'));
  opened.push(store);
  const clock = new FakeClock(T0);
  const deps = { store, clock, journal: new OutboxJournal(store) };
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  const permissions = parseConfig(config, {}).permissions;
  /** One proposal asked about, then answered by the owner; returns the suggestion it led to. */
  const answer = (proposal: { action: string; params: Record<string, unknown> }, verdict: 'approve' | 'deny') => {
    clock.advance(60_000);
    const now = clock.now();
    const asked = store.actions.insert(
      { ...proposal, rationale: '', repo: String(proposal.params.repo), verdict: 'ask', reason: 'default' },
      'awaiting_approval',
      now,
      now + 3_600_000,
    );
    const answered = answerApproval(deps, asked.id, verdict, 'cli');
    return considerRuleSuggestion(deps, permissions, answered);
  };
  const suggested = () => store.outbox.pending(1000).filter((r) => r.record.type === 'rule.suggested').map((r) => r.record);
  return { store, clock, deps, configFile, answer, suggested };
}

describe('when a rule is suggested', () => {
  it('after suggestAfter approvals in a row: a denial starts the count again, an open offer is not made twice', () => {
    const { answer, suggested, clock } = world();
    for (let i = 0; i < 4; i++) expect(answer(LABEL, 'approve')).toBeUndefined();
    expect(answer(LABEL, 'deny')).toBeUndefined();
    for (let i = 0; i < 4; i++) expect(answer(LABEL, 'approve')).toBeUndefined();
    const offer = answer(LABEL, 'approve');
    expect(offer).toMatchObject({ action: 'github.label', repo: 'octo/app', approvals: 5, state: 'offered', expiresAt: clock.now() + SUGGESTION_TTL_MS });
    // Still open: five more approvals offer nothing new.
    for (let i = 0; i < 5; i++) expect(answer(LABEL, 'approve')).toBeUndefined();
    expect(suggested()).toHaveLength(1);
    // Expired unanswered: counted again from the offer, so five more approvals offer it anew.
    clock.advance(SUGGESTION_TTL_MS);
    expect(answer(LABEL, 'approve')).toMatchObject({ approvals: 6 });
  });

  it('never for github.merge, never outside auto mode, never with suggestAfter 0', () => {
    const merges = world();
    for (let i = 0; i < 8; i++) expect(merges.answer(MERGE, 'approve')).toBeUndefined();
    expect(merges.suggested()).toEqual([]);
    const suggest = world({ permissions: { mode: 'suggest', rules: [] } });
    for (let i = 0; i < 6; i++) expect(suggest.answer(LABEL, 'approve')).toBeUndefined();
    const off = world({ permissions: { mode: 'auto', rules: [], suggestAfter: 0 } });
    for (let i = 0; i < 6; i++) expect(off.answer(LABEL, 'approve')).toBeUndefined();
    const three = world({ permissions: { mode: 'auto', rules: [], suggestAfter: 3 } });
    expect([1, 2, 3].map(() => three.answer(LABEL, 'approve')?.approvals)).toEqual([undefined, undefined, 3]);
  });
});

describe('accepting a suggestion', () => {
  function offered(config?: Record<string, unknown>) {
    const w = world(config);
    let offer;
    for (let i = 0; i < 5; i++) offer = w.answer(LABEL, 'approve');
    const notification = ruleSuggestionNotification(offer!, KEY, w.clock.now())!;
    const check = verifyCapability(KEY, notification.rule!.token, { approvalId: offer!.id, answer: 'approve', now: w.clock.now() }, 'rule');
    if (!check.ok) throw new Error(check.reason);
    return { ...w, offer: offer!, token: notification.rule!.token, nonce: check.claims.nonce };
  }

  it('keeps what the owner changed in config.json meanwhile; the file it replaced is config.json.prev; once only', () => {
    const { deps, configFile, offer, nonce } = offered({ permissions: { mode: 'auto', rules: [{ action: 'github.comment', decision: 'ask' }] } });
    const edited = { tick: { schedule: '*/5 * * * *' }, permissions: { mode: 'auto', rules: [{ action: 'github.comment', decision: 'ask' }] } };
    fs.writeFileSync(configFile, JSON.stringify(edited));
    const accepted = acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' });
    expect(accepted).toMatchObject({ added: true, suggestion: { state: 'accepted' } });
    const now = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    expect(now.tick).toEqual({ schedule: '*/5 * * * *' });
    expect(now.permissions.rules).toEqual([{ action: 'github.label', repo: 'octo/app', decision: 'allow' }, { action: 'github.comment', decision: 'ask' }]);
    expect(JSON.parse(fs.readFileSync(`${configFile}.prev`, 'utf8'))).toEqual(edited);
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' }), 'VIGIL_ERR_SUGGESTION_CLOSED');
    expect(JSON.parse(fs.readFileSync(configFile, 'utf8')).permissions.rules).toHaveLength(2);
  });

  it('a config.json broken on disk, or one the schema refuses, is left as it was and the link stays good', () => {
    const { deps, configFile, offer, nonce, store } = offered();
    fs.writeFileSync(configFile, '{ "permissions": ');
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' }), 'VIGIL_ERR_CONFIG_JSON');
    expect(fs.readFileSync(configFile, 'utf8')).toBe('{ "permissions": ');
    fs.writeFileSync(configFile, JSON.stringify({ permissions: { mode: 'sometimes' } }));
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' }), 'VIGIL_ERR_CONFIG');
    expect(store.ownerAnswers.suggestion(offer.id)!.state).toBe('offered');
    fs.writeFileSync(configFile, JSON.stringify({ permissions: { mode: 'auto' } }));
    expect(acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' }).added).toBe(true);
  });

  it('an expired suggestion is closed; its token is refused once expired and in the other scope; a forged id is no suggestion', () => {
    const { deps, configFile, offer, nonce, token, clock } = offered();
    const expected = { approvalId: offer.id, answer: 'approve' as const, now: clock.now() };
    expect(verifyCapability(KEY, token, expected)).toEqual({ ok: false, reason: 'bad signature' });
    const approvalToken = signCapability(KEY, { approvalId: offer.id, answer: 'approve', expiresAt: offer.expiresAt });
    expect(verifyCapability(KEY, approvalToken, expected, 'rule')).toEqual({ ok: false, reason: 'bad signature' });
    clock.advance(SUGGESTION_TTL_MS);
    expect(verifyCapability(KEY, token, { ...expected, now: clock.now() }, 'rule')).toEqual({ ok: false, reason: 'the token has expired' });
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: offer.id, nonce, by: 'push' }), 'VIGIL_ERR_SUGGESTION_CLOSED');
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: 'rNotThere', nonce, by: 'push' }), 'VIGIL_ERR_SUGGESTION_NOT_FOUND');
    expect(JSON.parse(fs.readFileSync(configFile, 'utf8')).permissions.rules).toEqual([]);
  });

  it('a merge is never written from a link, even if the store held such a suggestion', () => {
    const { deps, configFile, store, clock } = world();
    const forged = store.ownerAnswers.offer({ action: 'github.merge', repo: 'octo/app', approvals: 9 }, clock.now(), clock.now() + SUGGESTION_TTL_MS);
    vigilErrorOf(() => acceptRuleSuggestion(deps, { configFile, id: forged.id, nonce: 'n', by: 'push' }), 'VIGIL_ERR_SUGGESTION_CLOSED');
    expect(JSON.parse(fs.readFileSync(configFile, 'utf8')).permissions.rules).toEqual([]);
  });
});
