/**
 * Webhook deliveries into the team store (issue 19): group commit on PostgreSQL. The
 * deliveries verified while the previous group commits form the next group; a group's
 * rows, their bodies (in the rows) and their `event.received` log lines go in one
 * transaction, one commit with `synchronous_commit` on — one fsync on the server for the
 * whole group. A delivery's promise resolves only after that commit: the route answers
 * 2xx for nothing that is not on the server's disk.
 *
 * One group at a time per node: a node's log appends queue on one chain head anyway
 * (src/store/pg/log.ts), and while a group commits the next one grows, which is what
 * keeps the fsyncs per delivery low under load.
 */
import type { GithubConfig } from '../../config/index.js';
import type { Clock } from '../../clock.js';
import { errorText, VigilError } from '../../errors.js';
import { eventRecord, type EventRecord } from '../../events.js';
import type { NewDelivery, PgAddResult, PgStore } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import { receivedRecords } from './intake.js';
import type { DeliveryIntake, IntakeResult, RawDelivery } from './intake-types.js';
import { parsePayload } from './payload.js';

/** A larger group waits for the next commit: one statement's arrays stay a few MB. */
const MAX_GROUP = 256;

export interface PgIntakeDeps {
  store: PgStore;
  clock: Clock;
  filter: () => Readonly<GithubConfig>;
  /** `count` new deliveries (one group's) are waiting to be decided. */
  onStored: (count: number) => void;
  /**
   * The subject a delivery is decided together on (`coalesceKey` of the initiative, which
   * this room may not import): stored in its row, so any node can claim the whole group.
   */
  coalesceKey?: (event: { source: string; kind: string; payload: unknown }) => string | undefined;
}

interface Arrived {
  delivery: RawDelivery;
  receivedAt: number;
  resolve: (result: IntakeResult) => void;
  reject: (err: unknown) => void;
}

interface Parsed {
  arrived: Arrived;
  kind: string;
  filtered: string | undefined;
  row: NewDelivery;
}

export class PgWebhookIntake implements DeliveryIntake {
  private waiting: Arrived[] = [];
  /** Set from the first waiting delivery until the drain has found nothing more to commit. */
  private busy = false;
  private drained: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: PgIntakeDeps) {}

  store(delivery: RawDelivery): Promise<IntakeResult> {
    if (this.closed) return Promise.reject(new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', 'vigil is stopping'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ delivery, receivedAt: this.deps.clock.now(), resolve, reject });
      if (this.busy) return;
      this.busy = true;
      // Everything verified in this turn of the loop joins the first group.
      this.drained = new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Take no more deliveries; wait for the groups in flight to be answered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drained;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, MAX_GROUP);
        // A fault of vigil's own: no delivery of the group may wait for ever (a settled one stays settled).
        await this.commitGroup(group).catch((err: unknown) => group.forEach((a) => a.reject(err)));
      }
    } finally {
      // No await between the last look at `waiting` and this: a delivery cannot slip between.
      this.busy = false;
    }
  }

  private async commitGroup(group: Arrived[]): Promise<void> {
    const filter = this.deps.filter();
    const parsed: Parsed[] = [];
    for (const arrived of group) {
      const { delivery, receivedAt } = arrived;
      const payload = parsePayload(delivery.body, delivery.contentType);
      if (!payload) {
        arrived.resolve({ status: 'invalid' });
        continue;
      }
      const kind = deliveryKind(delivery.event, payload.value);
      const filtered = filterReason(filter, delivery.event, payload.value);
      // A JSON body is stored as it came; a form's payload field as its text (as the SQLite intake does).
      const body = delivery.bytes && payload.text === delivery.body ? delivery.bytes : Buffer.from(payload.text, 'utf8');
      const coalesceKey = filtered ? undefined : this.deps.coalesceKey?.({ source: 'github', kind, payload: payload.value });
      const row: NewDelivery = {
        source: 'github',
        kind,
        deliveryId: delivery.deliveryId,
        body,
        bodyDigest: delivery.bodyDigest,
        receivedAt,
        state: filtered ? 'filtered' : 'pending',
        ...(coalesceKey ? { coalesceKey } : {}),
      };
      parsed.push({ arrived, kind, filtered, row });
    }
    if (parsed.length === 0) return;
    const { store, clock } = this.deps;
    let added: PgAddResult[];
    try {
      added = await store.transaction(async (tx) => {
        const results = await store.inbox.addDeliveries(tx, parsed.map((p) => p.row));
        await store.log.append(tx, logRecords(parsed, results, clock.now()));
        return results;
      });
    } catch (err) {
      // Rolled back: nothing of the group is stored, and GitHub's redelivery brings it back.
      const unavailable = new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', errorText(err), { cause: err });
      for (const p of parsed) p.arrived.reject(unavailable);
      return;
    }
    const stored = added.filter((a) => a.inserted).length;
    if (stored > 0) this.deps.onStored(stored);
    parsed.forEach((p, i) => p.arrived.resolve(intakeResult(p, added[i]!)));
  }
}

function intakeResult(p: Parsed, added: PgAddResult): IntakeResult {
  if (added.replayOf !== undefined) return { status: 'replayed', replayOf: added.replayOf, kind: p.kind };
  return { status: added.inserted ? 'stored' : 'duplicate', eventId: added.id, kind: p.kind, ...(p.filtered ? { filtered: p.filtered } : {}) };
}

/** The same lines the SQLite intake writes: received (and filtered) for a new delivery, replayed for a replay. */
function logRecords(parsed: readonly Parsed[], results: readonly PgAddResult[], now: number): EventRecord[] {
  const records: EventRecord[] = [];
  parsed.forEach((p, i) => {
    const added = results[i]!;
    const deliveryId = p.row.deliveryId!;
    if (added.inserted) records.push(...receivedRecords({ eventId: added.id, kind: p.kind, ...(p.filtered ? { filtered: p.filtered } : {}) }, deliveryId, now));
    else if (added.replayOf !== undefined) records.push(eventRecord('event.replayed', { deliveryId, kind: p.kind, replayOf: added.replayOf }, now));
  });
  return records;
}
