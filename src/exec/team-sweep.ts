/**
 * The missed-delivery sweep in a team node's worker (issue 19): src/github-api's sweep
 * over the team's tables instead of a home's `kv`. The ids already asked for and the last
 * sweep's time are in `redeliveries` and `sweep_state` (migration pg-006); "does the inbox
 * hold this delivery" reads the shared inbox, whichever node took it. So a node that takes
 * the `redelivery` role over looks back from the team's last sweep — no window missed —
 * and asks for none of the ids its predecessor asked for. Each write commits with its log
 * lines, on the node's chain.
 *
 * The fence: before each redelivery request, the worker asks its node to confirm the role
 * (src/store/pg/roles.ts `confirm`, a look at pg_locks on the role's own connection); a
 * node that lost it (its role connection ended, or the node is gone) says no and the sweep
 * stops there. What remains is the moment between that confirm and the request: a holder
 * whose role slips away inside it may ask GitHub for an id the new holder asks for too.
 * That second request is harmless — GitHub sends the same delivery id, which the shared
 * inbox stores once, and `redeliveries` keeps the first row (ON CONFLICT DO NOTHING).
 */
import type { Clock } from '../clock.js';
import { errorText, isVigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { AskedRedelivery, SweepMemory } from '../github-api/index.js';
import type { PgTx, PgWorkerStore } from '../store/index.js';

export interface TeamSweepDeps {
  store: Pick<PgWorkerStore, 'redeliveries' | 'log' | 'transaction' | 'notify'>;
  clock: Clock;
  /** Asks the node whether it still holds the `redelivery` role. */
  confirmRole: () => Promise<boolean>;
  /** The worker's stdout (the node's journal). */
  print: (line: string) => void;
}

export class TeamSweepMemory implements SweepMemory {
  private startedAt: number | undefined;

  constructor(private readonly deps: TeamSweepDeps) {}

  async lastSweep(): Promise<number | undefined> {
    return (await this.deps.store.redeliveries.state()).lastSweepAt ?? undefined;
  }

  async begin(startedAt: number): Promise<void> {
    this.startedAt = startedAt;
    await this.deps.store.redeliveries.begin(startedAt);
  }

  async asked(guids: readonly string[]): Promise<Map<string, AskedRedelivery>> {
    const rows = await this.deps.store.redeliveries.asked(guids);
    return new Map(rows.map((r) => [r.guid, { at: r.requestedAt, ...(r.toldAt !== null ? { told: true } : {}) }]));
  }

  async stored(guids: readonly string[]): Promise<Set<string>> {
    return new Set(await this.deps.store.redeliveries.stored(guids));
  }

  firstDeliveryAt(): Promise<number | undefined> {
    return this.deps.store.redeliveries.firstDeliveryAt();
  }

  mayRequest(): Promise<boolean> {
    return this.deps.confirmRole();
  }

  async requested(guid: string, deliveryId: number, at: number, lines: EventRecord[]): Promise<void> {
    await this.write(lines, (tx) => this.deps.store.redeliveries.remember(tx, guid, deliveryId, at));
  }

  /**
   * A redelivery refused again: the owner is told which setting to change, once — the
   * alert queued for the team's channels (any node's worker sends it, through the gate) in
   * the transaction that marks the delivery told, with its `event.missed` line; the node's
   * output says it too.
   */
  async refusedAgain(guid: string, notice: { title: string; body: string }, lines: EventRecord[]): Promise<void> {
    const { store, clock } = this.deps;
    await this.write(lines, async (tx) => {
      await store.redeliveries.told(tx, guid, clock.now());
      await store.notify.enqueue(tx, `alert:missed:${guid}`, 'alert', notice, clock.now());
    });
    this.deps.print(`vigil worker: ${notice.body}`);
  }

  async log(lines: EventRecord[]): Promise<void> {
    await this.write(lines);
  }

  async finished(startedAt: number, lines: EventRecord[]): Promise<void> {
    await this.write(lines, (tx) => this.deps.store.redeliveries.finish(tx, startedAt));
  }

  /**
   * The sweep threw: `github.sweep_failed` on the chain. A sweep that failed has ended (the
   * next waits its hour, as on SQLite); one stopped because the role was lost stays under
   * way, for the node that holds the role now to continue.
   */
  async failed(err: unknown): Promise<void> {
    const lost = isVigilError(err, 'VIGIL_ERR_ROLE_LOST');
    if (!lost && this.startedAt !== undefined) await this.deps.store.redeliveries.fail(this.startedAt);
    await this.write([eventRecord('github.sweep_failed', { error: errorText(err) }, this.deps.clock.now())]);
  }

  private async write(lines: EventRecord[], also?: (tx: PgTx) => Promise<void>): Promise<void> {
    const { store } = this.deps;
    await store.transaction(async (tx) => {
      await also?.(tx);
      await store.log.append(tx, lines);
    });
  }
}
