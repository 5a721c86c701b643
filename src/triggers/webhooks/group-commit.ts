/**
 * Group commit of verified webhook deliveries: every delivery waiting when the
 * committer turns to them forms a group. The group's bodies go to the spool in one
 * write; once an fdatasync covers them, their inbox rows — small, a place in the spool
 * each — commit in one transaction and the group is answered. While the disk syncs
 * one group, the next is already parsed and written. Groups are answered in order.
 */
import type { GithubConfig } from '../../config/index.js';
import { errorText, VigilError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import { withStoreRetry, type Store } from '../../store/index.js';
import { deliveryKind, filterReason } from './classify.js';
import type { IntakeResult, RawDelivery } from './intake-types.js';
import { parsePayload } from './payload.js';

/**
 * How long a group's commit waits, between attempts, for another process's write lock
 * before its deliveries are answered 503. GitHub gives up on an answer after 10 s.
 */
const BUSY_RETRY_MS = 2000;

interface Arrived {
  receivedAt: number;
  delivery: RawDelivery;
  resolve: (result: IntakeResult) => void;
  reject: (err: unknown) => void;
}

/**
 * What became of the deliveries a transaction committed, told before any of them is
 * answered: the group's own, and earlier ones whose rows had failed to commit.
 */
export type GroupOutcome = { deliveryId: string; result: IntakeResult }[];

interface Accepted {
  deliveryId: string;
  kind: string;
  receivedAt: number;
  filtered: string | undefined;
  bodyDigest: string;
  ref?: string;
  /** Set when its row's transaction commits. */
  result?: IntakeResult;
}

/** Per delivery of a group: answered already (not JSON), a new body, or a repeat of a delivery id in flight. */
type Slot = { result: IntakeResult } | { accepted: Accepted } | { repeatOf: Accepted };

interface Written {
  slots: Slot[];
  accepted: Accepted[];
}

export class GroupCommitter {
  /** Delivery ids spooled and not yet in the inbox: a repeat of one is a duplicate too. */
  private readonly unindexed = new Map<string, Accepted>();
  /**
   * Spooled and synced, but their transaction failed (the store was busy or full) and
   * they were answered 503. They go first into the next transaction, so the inbox keeps
   * the spool's order and `lastSpoolRef` stays a true watermark: what a start indexes
   * (indexSpooledDeliveries) is everything after it, these included.
   */
  private carried: Accepted[] = [];
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
      .then(() =>
        synced.catch((err: unknown) => {
          // Whether these bytes reached the disk is unknown: never index them, and let a
          // redelivery of their ids be stored afresh.
          for (const a of written?.accepted ?? []) this.unindexed.delete(a.deliveryId);
          throw err;
        }),
      )
      .then(() => this.indexGroup(written!))
      .then((outcome) => {
        this.beforeAnswer(outcome);
        group.forEach((arrived, i) => settle(arrived, written!.slots[i]!));
      })
      .catch((err: unknown) => {
        for (const a of group) a.reject(err);
      });
  }

  /** Parse, classify, drop duplicates, and append the new bodies to the spool (not yet synced). */
  private writeGroup(group: readonly Arrived[]): Written {
    const { store, unindexed } = this;
    const slots: Slot[] = [];
    const accepted: Accepted[] = [];
    const bodies: { deliveryId: string; event: string; receivedAt: number; body: string | Buffer; bodyDigest: string }[] = [];
    for (const { delivery, receivedAt } of group) {
      const payload = parsePayload(delivery.body, delivery.contentType);
      if (!payload) {
        slots.push({ result: { status: 'invalid' } });
        continue;
      }
      const earlier = unindexed.get(delivery.deliveryId);
      if (earlier) {
        slots.push({ repeatOf: earlier });
        continue;
      }
      // A delivery stored earlier (GitHub's redelivery, or a replayed body) is found by
      // the insert's unique keys: a lookup first would cost as much again for every
      // delivery, to save a body in the spool for the rare repeat (its record stays
      // unreferenced).
      const { deliveryId, event, bodyDigest } = delivery;
      const one: Accepted = {
        deliveryId,
        kind: deliveryKind(event, payload.value),
        receivedAt,
        filtered: filterReason(this.filter, event, payload.value),
        bodyDigest,
      };
      unindexed.set(deliveryId, one);
      accepted.push(one);
      slots.push({ accepted: one });
      // A JSON body is stored as it came (its text is the body itself); a form's payload field as its text.
      const body = delivery.bytes && payload.text === delivery.body ? delivery.bytes : payload.text;
      bodies.push({ deliveryId, event, receivedAt, body, bodyDigest });
    }
    try {
      store.spool.write(bodies).forEach((ref, i) => (accepted[i]!.ref = ref));
    } catch (err) {
      for (const a of accepted) unindexed.delete(a.deliveryId);
      throw err;
    }
    return { slots, accepted };
  }

  /**
   * The bodies are durable: commit their rows, after the rows that failed before. A
   * crash before this commit leaves records the daemon indexes at its next start
   * (indexSpooledDeliveries); nothing was answered 2xx.
   */
  private async indexGroup({ accepted }: Written): Promise<GroupOutcome> {
    const rows = [...this.carried, ...accepted];
    try {
      // Another process's write lock is usually brief: wait for it off the loop, a while.
      await withStoreRetry(() => this.store.transaction(() => rows.forEach((a) => (a.result = this.insert(a)))), {
        deadlineMs: BUSY_RETRY_MS,
      });
    } catch (err) {
      // Rolled back: nothing of it is stored. Keep them in `unindexed` too, so that a
      // redelivery of one waits for its row instead of spooling the body again.
      for (const a of rows) delete a.result;
      this.carried = rows;
      throw new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', errorText(err), { cause: err });
    }
    this.carried = [];
    for (const a of rows) this.unindexed.delete(a.deliveryId);
    return rows.map((a) => ({ deliveryId: a.deliveryId, result: a.result! }));
  }

  private insert(a: Accepted): IntakeResult {
    const added = this.store.inbox.addSpooled(
      { source: 'github', kind: a.kind, deliveryId: a.deliveryId, receivedAt: a.receivedAt },
      a.ref!,
      a.filtered ? 'filtered' : 'pending',
      a.bodyDigest,
    );
    if (added.replayOf !== undefined) return { status: 'replayed', replayOf: added.replayOf, kind: a.kind };
    return { status: added.inserted ? 'stored' : 'duplicate', eventId: added.id, kind: a.kind, ...(a.filtered ? { filtered: a.filtered } : {}) };
  }
}

function settle(arrived: Arrived, slot: Slot): void {
  if ('result' in slot) return arrived.resolve(slot.result);
  if ('accepted' in slot) return arrived.resolve(slot.accepted.result!);
  // The first of these ids was in an earlier group or earlier in this one: stored by now,
  // unless its bytes never became durable.
  const first = slot.repeatOf.result;
  if (!first) return arrived.reject(new VigilError('VIGIL_ERR_WEBHOOK_UNAVAILABLE', 'the first copy of this delivery was not stored'));
  if (first.status === 'stored' || first.status === 'duplicate') {
    return arrived.resolve({ status: 'duplicate', eventId: first.eventId, kind: slot.repeatOf.kind });
  }
  arrived.resolve(first);
}
