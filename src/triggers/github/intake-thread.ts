/**
 * The intake thread: parses, classifies and durably stores verified webhook deliveries
 * a batch at a time (group commit), on its own database connection. The bodies of a
 * batch go to the spool in one write; once an fdatasync covers them, their inbox rows
 * — small, a place in the spool each — commit in one transaction and the batch is
 * answered. While the disk syncs one batch, the next is already parsed and written.
 * The daemon's event loop keeps only what must answer the request: the signature check.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GithubConfig } from '../../config/index.js';
import { failpoint } from '../../failpoints.js';
import { Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import type { FromIntakeThread, IntakeResult, RawDelivery, ToIntakeThread } from './intake-protocol.js';
import { parsePayload } from './payload.js';

const { dbFile, filter: initialFilter } = workerData as { dbFile: string; filter: GithubConfig };
const store = Store.open(dbFile);
let filter = initialFilter;

interface Accepted {
  index: number;
  deliveryId: string;
  kind: string;
  filtered: string | undefined;
  ref?: string;
}

interface Written {
  results: IntakeResult[];
  accepted: Accepted[];
  repeats: { index: number; of: Accepted }[];
  now: number;
}

/** Delivery ids spooled and not yet in the inbox: a repeat of one is a duplicate too. */
const unindexed = new Map<string, Accepted>();

/** Parse, classify, drop duplicates, and append the new bodies to the spool (not yet synced). */
function writeBatch(deliveries: readonly RawDelivery[], now: number): Written {
  const results: IntakeResult[] = new Array(deliveries.length);
  const accepted: Accepted[] = [];
  const bodies: { deliveryId: string; event: string; receivedAt: number; body: string }[] = [];
  const repeats: { index: number; of: Accepted }[] = [];
  deliveries.forEach((delivery, index) => {
    const payload = parsePayload(delivery.body, delivery.contentType);
    if (!payload) {
      results[index] = { status: 'invalid' };
      return;
    }
    const kind = deliveryKind(delivery.event, payload.value);
    const earlier = unindexed.get(delivery.deliveryId);
    if (earlier) {
      repeats.push({ index, of: earlier });
      return;
    }
    const stored = store.inbox.deliveryEventId(delivery.deliveryId);
    if (stored !== undefined) {
      results[index] = { status: 'duplicate', eventId: stored, kind };
      return;
    }
    const one: Accepted = { index, deliveryId: delivery.deliveryId, kind, filtered: filterReason(filter, delivery.event, payload.value) };
    unindexed.set(delivery.deliveryId, one);
    accepted.push(one);
    bodies.push({ deliveryId: delivery.deliveryId, event: delivery.event, receivedAt: now, body: payload.text });
  });
  try {
    store.spool.write(bodies).forEach((ref, i) => (accepted[i]!.ref = ref));
  } catch (err) {
    for (const a of accepted) unindexed.delete(a.deliveryId);
    throw err;
  }
  return { results, accepted, repeats, now };
}

/**
 * The bodies are durable: commit their rows. A crash before this commit leaves records
 * the daemon indexes at its next start (indexSpooledDeliveries); nothing was answered.
 */
function indexBatch({ results, accepted, repeats, now }: Written): IntakeResult[] {
  try {
    store.transaction(() => {
      for (const a of accepted) {
        const { id, inserted } = store.inbox.addSpooled(
          { source: 'github', kind: a.kind, deliveryId: a.deliveryId, receivedAt: now },
          a.ref!,
          a.filtered ? 'filtered' : 'pending',
        );
        results[a.index] = { status: inserted ? 'stored' : 'duplicate', eventId: id, kind: a.kind, ...(a.filtered ? { filtered: a.filtered } : {}) };
      }
    });
  } finally {
    for (const a of accepted) unindexed.delete(a.deliveryId);
  }
  for (const { index, of } of repeats) {
    const first = results[of.index];
    // The first of these ids was in an earlier batch or earlier in this one; either way it is stored now.
    const eventId = first && first.status !== 'invalid' ? first.eventId : (store.inbox.deliveryEventId(of.deliveryId) ?? -1);
    results[index] = { status: 'duplicate', eventId, kind: of.kind };
  }
  return results;
}

/** Batches are answered in the order they came, each after the sync that covers it. */
let previous: Promise<unknown> = Promise.resolve();

parentPort!.on('message', (message: ToIntakeThread) => {
  if (message.type === 'filter') {
    filter = message.filter;
    return;
  }
  let written: Written | undefined;
  let failure: unknown;
  try {
    written = writeBatch(message.deliveries, message.now);
  } catch (err) {
    failure = err;
  }
  const synced = written ? store.spool.durable().then(() => failpoint('intake.spooled')) : Promise.reject(failure);
  // Handled below once the batches before it are answered; until then it must not count as unhandled.
  synced.catch(() => undefined);
  previous = previous
    .then(() => synced)
    .then(
      () => ({ type: 'batch', id: message.id, results: indexBatch(written!) }) satisfies FromIntakeThread,
      (err: unknown) => ({ type: 'failed', id: message.id, message: (err as Error).message }) satisfies FromIntakeThread,
    )
    .catch((err: unknown) => ({ type: 'failed', id: message.id, message: (err as Error).message }) satisfies FromIntakeThread)
    .then((reply) => parentPort!.postMessage(reply));
});
