/**
 * The intake thread: parses, classifies and durably stores verified webhook deliveries,
 * a batch per transaction (group commit), on its own database connection. The daemon's
 * event loop keeps only what must answer the request — the signature check — so the
 * JSON parse and the write of an 11 KB row run on the other core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GithubConfig } from '../../config/index.js';
import { Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import type { FromIntakeThread, IntakeResult, RawDelivery, ToIntakeThread } from './intake-protocol.js';
import { parsePayload } from './payload.js';

const { dbFile, filter: initialFilter } = workerData as { dbFile: string; filter: GithubConfig };
const store = Store.open(dbFile);
let filter = initialFilter;

function storeOne(delivery: RawDelivery, now: number): IntakeResult {
  const payload = parsePayload(delivery.body, delivery.contentType);
  if (!payload) return { status: 'invalid' };
  const kind = deliveryKind(delivery.event, payload.value);
  const filtered = filterReason(filter, delivery.event, payload.value);
  const { id, inserted } = store.inbox.add(
    { source: 'github', kind, deliveryId: delivery.deliveryId, payload: payload.text, receivedAt: now },
    filtered ? 'filtered' : 'pending',
  );
  return { status: inserted ? 'stored' : 'duplicate', eventId: id, kind, ...(filtered ? { filtered } : {}) };
}

parentPort!.on('message', (message: ToIntakeThread) => {
  if (message.type === 'filter') {
    filter = message.filter;
    return;
  }
  let reply: FromIntakeThread;
  try {
    const results = store.transaction(() => message.deliveries.map((d) => storeOne(d, message.now)));
    reply = { type: 'batch', id: message.id, results };
  } catch (err) {
    reply = { type: 'failed', id: message.id, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
