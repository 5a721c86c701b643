import type { PolicyGate, Judgement } from './gate.js';

/** Who may answer an approval: the owner, by one of these channels. */
export const OWNER_CHANNELS = ['cli', 'dashboard', 'push', 'desktop'] as const;
export type OwnerChannel = (typeof OWNER_CHANNELS)[number];

export interface ApprovedAction {
  action: string;
  params: unknown;
  answeredBy: string | null;
}

export type Recheck = { ok: true; judgement: Judgement } | { ok: false; reason: string };

/**
 * Layer 5: the execution worker runs layers 1–4 again against the config it loaded
 * itself. A rule that was tightened since the proposal wins; an `ask` needs the
 * owner's answer, never the policy's.
 */
export function recheckForExecution(gate: PolicyGate, approved: ApprovedAction): Recheck {
  const judgement = gate.judge({ action: approved.action, params: approved.params });
  if (judgement.verdict === 'deny') return { ok: false, reason: `policy now denies: ${judgement.reason}` };
  if (judgement.verdict === 'ask' && !OWNER_CHANNELS.includes(approved.answeredBy as OwnerChannel)) {
    return { ok: false, reason: 'needs the owner\'s approval, which it does not have' };
  }
  return { ok: true, judgement };
}
