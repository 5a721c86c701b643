import type { PermissionsConfig, WatchedRepo } from '../config/index.js';
import type { Clock } from '../clock.js';
import type { DecisionRequest, Investigation, ModelObserver } from '../model/index.js';
import { describePermissions } from '../policy/index.js';
import type { TickPayload } from '../tick/index.js';
import { buildContext, readRepoInstructions, type ContextSource } from './context.js';
import { instructionEventPayload, OWNER_INSTRUCTION, type Instruction } from './instruction.js';
import { describeOwner, ownerLocalTime, ownerProfile, readStandingOrders, type OwnerProfile } from './owner.js';
import { buildPrompt } from './prompt.js';

/**
 * What a model-backed decision is asked with, from either store: the home's SQLite
 * (initiative.ts) or a team's PostgreSQL (team-decisions.ts). The context and MEMORY.md
 * come from `context` and `memory`; everything else — the prompt's text, the event's
 * shape, the owner's block — is this one code.
 */
export interface RequestParts {
  clock: Clock;
  permissions: Readonly<PermissionsConfig>;
  repos: readonly WatchedRepo[];
  context: ContextSource;
  /** MEMORY.md as it stands; empty when there is none. */
  memory: () => Promise<string>;
  owner?: OwnerProfile;
  /** HEARTBEAT.md: a tick's and an instruction's standing orders. */
  heartbeatFile?: string;
}

/** The stored event being decided, from either store. */
export interface StoredEvent {
  id: number;
  source: string;
  kind: string;
  deliveryId?: string | null;
}

export interface RequestExtras {
  /** The owner's own words this event carries (`vigil ask`, an owner's `@vigil`). */
  instruction?: Instruction;
  observer?: ModelObserver;
  signal?: AbortSignal;
  investigation?: () => Promise<Investigation | undefined>;
}

export function decisionRequest(parts: RequestParts, event: StoredEvent, payload: unknown, tick: TickPayload | undefined, extras: RequestExtras = {}): DecisionRequest {
  const { instruction } = extras;
  const original = {
    id: event.id,
    source: event.source,
    kind: event.kind,
    ...(event.deliveryId ? { deliveryId: event.deliveryId } : {}),
    payload,
  };
  // The owner's words go in their own block; the event shows where they were said, not the words twice.
  const decisionEvent = instruction ? { ...original, kind: OWNER_INSTRUCTION, payload: instructionEventPayload(instruction) } : original;
  const now = parts.clock.now();
  const context = () => buildContext(parts.context, parts.repos, tick, { now }, original);
  const owner = parts.owner ?? ownerProfile({});
  return {
    purpose: tick ? 'tick' : 'event',
    event: decisionEvent,
    context,
    prompt: async () =>
      buildPrompt({
        permissions: describePermissions(parts.permissions),
        memory: await parts.memory(),
        instructions: await readRepoInstructions(parts.repos),
        event: decisionEvent,
        context: await context(),
        owner: describeOwner(owner),
        ownerNow: ownerLocalTime(now, owner),
        // Standing orders are what a tick is for, and what the owner asking may refer to; an event's prefix stays without them.
        ...(tick || instruction ? { standingOrders: await readStandingOrders(parts.heartbeatFile) } : {}),
        ...(instruction ? { instruction: instruction.text } : {}),
      }),
      ...(extras.observer ? { observer: extras.observer } : {}),
      ...(extras.signal ? { signal: extras.signal } : {}),
      ...(extras.investigation ? { investigation: extras.investigation } : {}),
  };
}
