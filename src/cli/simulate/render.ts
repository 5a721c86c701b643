import { isoWithOffset, timeForPeople, type Paint } from '../../for-people.js';
import type { Accepted } from './deliver.js';
import type { DeliveryTracker, Step } from './track.js';

/**
 * Summaries, params and reasons hold text from the payload (an issue's title): whoever
 * opened the issue must not be able to move the cursor or recolour the terminal.
 */
export function printable(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- C0, DEL and C1 controls are exactly what is replaced
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const FATE_WORDS = { allowed: 'allowed: the worker runs it', asked: 'asks you first (vigil approvals)', denied: 'denied' } as const;

/** One readable line per step: local time, what happened, the few fields that matter. */
export function stepLines(step: Step, tracker: DeliveryTracker, now: number, paint: Paint): string[] {
  const at = (ts: string) => paint('dim', timeForPeople(ts, now));
  switch (step.kind) {
    case 'received':
      return [`${at(step.at)}  received  event ${tracker.eventId}`];
    case 'decision_failed':
      return [`${at(step.at)}  ${paint('yellow', 'failed')}    the decision: ${printable(step.error)} (retried at ${timeForPeople(step.retryAt, now)})`];
    case 'outcome': {
      const o = step.outcome;
      if (o.type !== 'decision.made') {
        const word = { 'event.own': 'own write', 'event.skipped': 'skipped', 'event.filtered': 'filtered' }[o.type];
        return [`${at(o.at)}  ${paint('yellow', word.padEnd(9))} not decided: ${printable(o.reason ?? '')}`];
      }
      const together = o.decidedWith !== undefined ? ` (together with event ${o.decidedWith})` : '';
      const proposals = tracker.proposals.length;
      return [
        `${at(o.at)}  ${paint('bold', 'decided')}   ${o.act ? `act, ${proposals} proposal${proposals === 1 ? '' : 's'}` : 'no action'} — ${printable(o.summary ?? '')} (${printable(o.model ?? '', 60)})${together}`,
      ];
    }
    case 'fate': {
      const p = tracker.proposals[step.index]!;
      const colour = p.fate === 'allowed' ? 'green' : p.fate === 'asked' ? 'cyan' : 'red';
      return [
        `${at(step.at)}  proposal  ${printable(p.action, 60)} ${printable(JSON.stringify(p.params) ?? '')}`,
        `${' '.repeat(timeForPeople(step.at, now).length)}  ${paint(colour, p.fate!.padEnd(9))} ${FATE_WORDS[p.fate!]} — ${printable(p.reason ?? '')} (action ${p.actionId})`,
      ];
    }
    case 'ran': {
      const p = tracker.proposals[step.index]!;
      const ran = p.ran!;
      return ran.ok
        ? [`${at(ran.at)}  ${paint('green', 'succeeded')} ${printable(p.action, 60)} (action ${p.actionId}) ${printable(JSON.stringify(ran.result) ?? '')}`]
        : [`${at(ran.at)}  ${paint('red', 'failed')}    ${printable(p.action, 60)} (action ${p.actionId}): ${printable(ran.error)}`];
    }
  }
}

/** `--json`: the whole story at once, times as ISO-8601 with the local offset. */
export function trackerJson(accepted: Accepted, source: string, tracker: DeliveryTracker, timedOut: boolean): Record<string, unknown> {
  const o = tracker.outcome;
  return {
    deliveryId: accepted.deliveryId,
    eventId: accepted.eventId,
    kind: accepted.kind,
    payload: source,
    received: tracker.received ? isoWithOffset(tracker.received) : null,
    outcome: o ? { ...o, at: isoWithOffset(o.at) } : null,
    proposals: tracker.proposals.map((p) => ({ ...p, ...(p.ran ? { ran: { ...p.ran, at: isoWithOffset(p.ran.at) } } : {}) })),
    settled: tracker.settled,
    timedOut,
  };
}
