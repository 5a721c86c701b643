import { eventRecord, type EventRecord } from '../events.js';
import type { CircuitChange, ModelObserver } from './decision.js';

/**
 * The log lines of a model's retries and circuit changes, one shape whoever calls the
 * model (the daemon's decisions, the worker's agent tasks).
 */
export function callRecords(write: (record: EventRecord) => void, now: () => number): Pick<ModelObserver, 'retry' | 'circuit'> {
  return {
    retry: (retry) => write(eventRecord('model.retry', retry, now())),
    circuit: (change) => write(circuitRecord(change, now())),
  };
}

function circuitRecord(change: CircuitChange, now: number): EventRecord {
  const iso = (ms: number) => new Date(ms).toISOString();
  return change.state === 'open'
    ? eventRecord('model.circuit_opened', { failures: change.failures, until: iso(change.until), error: change.error }, now)
    : eventRecord('model.circuit_closed', { openedAt: iso(change.openedAt) }, now);
}
