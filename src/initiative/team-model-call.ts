import { DecisionInput, type DecisionRequest, type DecisionResult, type ModelProvider } from '../model/index.js';
import type { PgStore } from '../store/index.js';

/**
 * One model call of a team node's decision (issue 19), made outside any transaction —
 * a call takes seconds, a retry longer — while the node keeps its claim on the event:
 * the lease (`store.leaseSeconds`) is renewed every third of it for as long as the call
 * runs, however long that is (its own bound is `model.timeoutSeconds` and the retries).
 * When a renewal finds the lease gone (the database was away longer than the lease, and
 * another node may hold the event now) the call is aborted: its answer could not be
 * committed anyway, since the decision commits only while the node holds the lease.
 */
export class LeaseLost extends Error {
  constructor(eventIds: readonly number[]) {
    const which = eventIds.length === 1 ? `event ${eventIds[0]}` : `events ${eventIds.join(', ')}`;
    super(`${which}: this node lost its lease while the model answered; another node decides ${eventIds.length === 1 ? 'it' : 'them'}`);
  }
}

export interface ModelCallDeps {
  store: PgStore;
  provider: ModelProvider;
  leaseSeconds: number;
  /** Aborted when the node stops: the call ends and the event waits as pending again. */
  stopping: AbortSignal;
}

/**
 * The decision, its `decide` input checked; throws LeaseLost, the provider's ModelCallError,
 * or an invalid answer. `eventIds`: the event decided and those coalesced into it — all
 * renewed together, and a renewal that finds any of them gone loses the whole group.
 */
export async function decideHoldingLease(deps: ModelCallDeps, eventIds: readonly number[], request: (signal: AbortSignal) => DecisionRequest): Promise<DecisionResult> {
  const controller = new AbortController();
  const onStop = () => controller.abort(deps.stopping.reason);
  deps.stopping.addEventListener('abort', onStop, { once: true });
  if (deps.stopping.aborted) onStop();
  let lost = false;
  const every = (deps.leaseSeconds * 1000) / 3;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      try {
        const held = await deps.store.inbox.renew(eventIds);
        if (held.length < eventIds.length) {
          lost = true;
          controller.abort(new LeaseLost(eventIds));
        }
      } catch {
        // The database away for a moment: the next renewal tries again; the lease has two more thirds to go.
      }
    })();
  }, every);
  timer.unref();
  try {
    const result = await deps.provider.decide(request(controller.signal));
    if (lost) throw new LeaseLost(eventIds);
    const parsed = DecisionInput.safeParse(result.decision);
    if (!parsed.success) throw new Error(`invalid decide input: ${parsed.error.issues[0]?.message ?? ''}`);
    return { ...result, decision: parsed.data };
  } catch (err) {
    throw lost ? new LeaseLost(eventIds) : err;
  } finally {
    clearInterval(timer);
    deps.stopping.removeEventListener('abort', onStop);
    await renewing;
  }
}
