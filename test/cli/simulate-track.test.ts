import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/logs/index.js';
import { DeliveryTracker } from '../../src/cli/simulate/track.js';

/** `vigil simulate`'s tracker: a proposal's fate is the next proposal record of the chain that holds the decision. */

let seq = 0;
const entry = (type: string, fields: Record<string, unknown>): LogEntry => ({ ts: new Date(0).toISOString(), seq: ++seq, type, prev: '', hash: '', ...fields });
const decided = (node?: string) =>
  entry('decision.made', { eventId: 7, act: true, summary: 's', model: 'rules', proposals: [{ action: 'notify', params: {}, rationale: 'r' }], ...(node ? { node } : {}) });

describe('DeliveryTracker', () => {
  it('on a home: the fate is the next proposal record after the decision', () => {
    const t = new DeliveryTracker(7);
    t.feed(entry('event.received', { eventId: 7 }));
    t.feed(decided());
    expect(t.decided).toBe(false);
    t.feed(entry('action.allowed', { actionId: 'a1', action: 'notify' }));
    expect(t.proposals[0]).toMatchObject({ fate: 'allowed', actionId: 'a1' });
    expect(t.decided).toBe(true);
  });

  it('on a team: another node’s proposal record merged in between is not this decision’s', () => {
    const t = new DeliveryTracker(7);
    t.feed(entry('event.received', { eventId: 7, node: 'beta' }));
    t.feed(decided('alpha'));
    // beta decided another event at the same moment: its approval is not ours.
    t.feed(entry('approval.requested', { actionId: 'b1', action: 'github.label', node: 'beta' }));
    expect(t.decided).toBe(false);
    t.feed(entry('action.allowed', { actionId: 'a1', action: 'notify', node: 'alpha' }));
    expect(t.proposals[0]).toMatchObject({ fate: 'allowed', actionId: 'a1' });
    expect(t.decided).toBe(true);
  });
});
