import type { GithubConfig } from '../../config/index.js';
import type { Clock } from '../../clock.js';
import { eventRecord } from '../../events.js';
import type { Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';

export interface Delivery {
  deliveryId: string;
  event: string;
  /** The body as received: stored as is, never re-serialised. */
  body: string;
  payload: unknown;
}

export interface StoredDelivery {
  eventId: number;
  kind: string;
  /** False when this delivery id was stored before (a redelivery). */
  inserted: boolean;
}

interface Pending {
  delivery: Delivery;
  resolve: (stored: StoredDelivery) => void;
  reject: (err: unknown) => void;
}

export interface IntakeDeps {
  store: Store;
  journal: { stage(r: ReturnType<typeof eventRecord>): void; flush(): number };
  clock: Clock;
  filter: () => Readonly<GithubConfig>;
  /** New deliveries are waiting for the initiative. */
  onStored: () => void;
}

/**
 * Stores webhook deliveries with group commit: the deliveries that arrive while one
 * batch is being written share the next transaction, so durability costs one commit
 * per batch instead of one per request. A delivery's promise resolves only after its
 * transaction committed — then, and only then, the route answers 2xx.
 */
export class WebhookIntake {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly deps: IntakeDeps) {}

  store(delivery: Delivery): Promise<StoredDelivery> {
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate lets every request already parsed in this turn join the batch.
        setImmediate(() => this.commit());
      }
    });
  }

  private commit(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const { store, journal, clock } = this.deps;
    const filter = this.deps.filter();
    let results: StoredDelivery[];
    try {
      results = store.transaction(() => batch.map(({ delivery }) => this.insert(delivery, filter, clock.now())));
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    try {
      journal.flush();
    } catch {
      // The records wait in the outbox for the next flush; the deliveries are stored.
    }
    batch.forEach((item, i) => item.resolve(results[i]!));
    if (results.some((r) => r.inserted)) this.deps.onStored();
  }

  private insert(delivery: Delivery, filter: Readonly<GithubConfig>, now: number): StoredDelivery {
    const { store, journal } = this.deps;
    const kind = deliveryKind(delivery.event, delivery.payload);
    const reason = filterReason(filter, delivery.event, delivery.payload);
    const { id, inserted } = store.inbox.add(
      { source: 'github', kind, deliveryId: delivery.deliveryId, payload: delivery.body, receivedAt: now },
      reason ? 'filtered' : 'pending',
    );
    if (inserted) {
      journal.stage(eventRecord('event.received', { eventId: id, source: 'github', kind, deliveryId: delivery.deliveryId }, now));
      if (reason) journal.stage(eventRecord('event.filtered', { eventId: id, kind, reason }, now));
    }
    return { eventId: id, kind, inserted };
  }
}
