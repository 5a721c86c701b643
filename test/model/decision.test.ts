import { describe, expect, it } from 'vitest';
import { addUsage, DecisionInput, ZERO_USAGE } from '../../src/model/decision.js';

/**
 * The `decide` answer every provider shares (docs/contract.md) and the usage a decision
 * adds up over its calls (a repair round is a second call, and both are paid for).
 */

describe('the decide answer', () => {
  it('fills what the model may leave out: no proposals, params {}, rationale ""', () => {
    expect(DecisionInput.parse({ act: false, summary: 'nothing to do' })).toEqual({ act: false, summary: 'nothing to do', proposals: [] });
    expect(DecisionInput.parse({ act: true, summary: 's', proposals: [{ action: 'notify' }] }).proposals).toEqual([
      { action: 'notify', params: {}, rationale: '' },
    ]);
  });

  it('refuses an answer without act or summary, an empty action, and any field it does not know', () => {
    expect(DecisionInput.safeParse({ summary: 's' }).success).toBe(false);
    expect(DecisionInput.safeParse({ act: true }).success).toBe(false);
    expect(DecisionInput.safeParse({ act: true, summary: 's', proposals: [{ action: '' }] }).success).toBe(false);
    expect(DecisionInput.safeParse({ act: true, summary: 's', execute: true }).success).toBe(false);
    expect(DecisionInput.safeParse({ act: true, summary: 's', proposals: [{ action: 'notify', run: 'now' }] }).success).toBe(false);
  });
});

describe('addUsage', () => {
  it('adds each kind of token on its own', () => {
    const a = { inputTokens: 1, outputTokens: 20, cacheCreationTokens: 300, cacheReadTokens: 4000 };
    const b = { inputTokens: 50000, outputTokens: 600000, cacheCreationTokens: 7000000, cacheReadTokens: 80000000 };
    expect(addUsage(a, b)).toEqual({ inputTokens: 50001, outputTokens: 600020, cacheCreationTokens: 7000300, cacheReadTokens: 80004000 });
    expect(addUsage(ZERO_USAGE, a)).toEqual(a);
  });

  it('keeps ZERO_USAGE zero: it is frozen, so no sum can change it', () => {
    expect(Object.isFrozen(ZERO_USAGE)).toBe(true);
    addUsage(ZERO_USAGE, { inputTokens: 5, outputTokens: 5, cacheCreationTokens: 5, cacheReadTokens: 5 });
    expect(ZERO_USAGE).toEqual({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0 });
  });
});
