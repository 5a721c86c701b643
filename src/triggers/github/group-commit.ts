/**
 * Group commit of verified webhook deliveries: every delivery waiting when the
 * committer turns to them forms a group. The group's bodies go to the spool in one
 * write; once an fdatasync covers them, their inbox rows — small, a place in the spool
 * each — commit in one transaction and the group is answered. While the disk syncs
 * one group, the next is already parsed and written. Groups are answered in order.
 */
import type { GithubConfig } from '../../config/index.js';
import { failpoint } from '../../failpoints.js';
import type { Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import type { IntakeResult, RawDelivery } from './intake-types.js';
import { parsePayload } from './payload.js';

interface Arrived {
  receivedAt: number;
  delivery: RawDelivery;
  resolve: (result: IntakeResult) => void;
  reject: (err: unknown) => void;
}

/** A group's deliveries with what became of each, told before any of them is answered. */
export type GroupOutcome = { deliveryId: string; result: IntakeResult }[];

interface Accepted {
  index: number;
  deliveryId: string;
  kind: string;
  receivedAt: number;
  filtered: string | undefined;
  ref?: string;
}

interface Written {
  results: IntakeResult[];
  accepted: Accepted[];
  repeats: { index: number; of: Accepted }[];
}

export class GroupCommitter {
  /** Delivery ids spooled and not yet in the inbox: a repeat of one is a duplicate too. */
  private readonly unindexed = new Map<string, Accepted>();
  private waiting: Arrived[] = [];
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private filter: Readonly<GithubConfig>,
    private readonly beforeAnswer: (outcome: GroupOutcome) => void,
  ) {}

  setFilter(filter: Readonly<GithubConfig>): void {
    this.filter = filter;
  }

  /**
   * Resolves once the delivery's group is durable and `beforeAnswer` has seen it.
   * Everything added before the next turn of the event loop commits as one group.
   */
  add(delivery: RawDelivery, receivedAt: number): Promise<IntakeResult> {
    return new Promise((resolve, reject) => {
      if (this.waiting.push({ delivery, receivedAt, resolve, reject }) === 1) setImmediate(() => this.commitWaiting());
    });
  }

  private commitWaiting(): void {
    const group = this.waiting;
    this.waiting = [];
    let written: Written | undefined;
    let failure: unknown;
    try {
      written = this.writeGroup(group);
    } catch (err) {
      failure = err;
    }
    const synced = written ? this.store.spool.durable().then(() => failpoint('intake.spooled')) : Promise.reject(failure);
    // Handled below once the groups before it are answered; until then it must not count as unhandled.
    synced.catch(() => undefined);
    this.previous = this.previous
      .then(() => synced)
      .then(() => {
        const results = this.indexGroup(written!);
        this.beforeAnswer(group.map((a, i) => ({ deliveryId: a.delivery.deliveryId, result: results[i]! })));
        group.forEach((a, i) => a.resolve(results[i]!));
      })
      .catch((err: unknown) => {
        for (const a of group) a.reject(err);
      });
  }

  /** Parse, classify, drop duplicates, and append the new bodies to the spool (not yet synced). */
  private writeGroup(group: readonly Arrived[]): Written {
    const { store, unindexed } = this;
    const results: IntakeResult[] = new Array(group.length);
    const accepted: Accepted[] = [];
    const bodies: { deliveryId: string; event: string; receivedAt: number; body: string }[] = [];
    const repeats: { index: number; of: Accepted }[] = [];
    group.forEach(({ delivery, receivedAt }, index) => {
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
      // A delivery stored earlier (GitHub's redelivery) is found by the insert's unique
      // key: a lookup first would cost as much again for every delivery, to save a body
      // in the spool for the rare repeat (its record stays unreferenced).
      const filtered = filterReason(this.filter, delivery.event, payload.value);
      const one: Accepted = { index, deliveryId: delivery.deliveryId, kind, receivedAt, filtered };
      unindexed.set(delivery.deliveryId, one);
      accepted.push(one);
      bodies.push({ deliveryId: delivery.deliveryId, event: delivery.event, receivedAt, body: payload.text });
    });
    try {
      store.spool.write(bodies).forEach((ref, i) => (accepted[i]!.ref = ref));
    } catch (err) {
      for (const a of accepted) unindexed.delete(a.deliveryId);
      throw err;
    }
    return { results, accepted, repeats };
  }

  /**
   * The bodies are durable: commit their rows. A crash before this commit leaves records
   * the daemon indexes at its next start (indexSpooledDeliveries); nothing was answered.
   */
  private indexGroup({ results, accepted, repeats }: Written): IntakeResult[] {
    const { store } = this;
    try {
      store.transaction(() => {
        for (const a of accepted) {
          const { id, inserted } = store.inbox.addSpooled(
            { source: 'github', kind: a.kind, deliveryId: a.deliveryId, receivedAt: a.receivedAt },
            a.ref!,
            a.filtered ? 'filtered' : 'pending',
          );
          results[a.index] = { status: inserted ? 'stored' : 'duplicate', eventId: id, kind: a.kind, ...(a.filtered ? { filtered: a.filtered } : {}) };
        }
      });
    } finally {
      for (const a of accepted) this.unindexed.delete(a.deliveryId);
    }
    for (const { index, of } of repeats) {
      // The first of these ids was in an earlier group or earlier in this one: stored by now.
      results[index] = { status: 'duplicate', eventId: store.inbox.deliveryEventId(of.deliveryId) ?? -1, kind: of.kind };
    }
    return results;
  }
}
