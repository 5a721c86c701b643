import type { Config } from '../../config/index.js';
import type { Clock } from '../../clock.js';
import type { EventRecord } from '../../events.js';
import type { GithubSession } from '../../github-api/index.js';
import type { CircuitBreaker, UsageRecorder } from '../../model/index.js';
import type { Notifier } from '../../notify/index.js';
import type { Store } from '../../store/index.js';

export interface HandlerContext {
  actionId: string;
  /** When the action was proposed (ms since the epoch). */
  actionCreatedAt: number;
  eventId: number | null;
  clock: Clock;
  store: Store;
  memoryDir: string;
  /** The worker's GitHub, opened (and Octokit loaded) on first use. */
  github: () => Promise<GithubSession>;
  /** Stage a log record (it reaches the daily log through the daemon). */
  record: (record: EventRecord) => void;
  /** Where a person watching the service sees it (stdout → journald / launchd). */
  print: (line: string) => void;
  /** The config the daemon accepted (over IPC), never re-read from a file it may have refused (issue 12). */
  config: Readonly<Config>;
  /** The owner's channels, built on first use from that config and the worker's secrets. */
  notifier: () => { notifier: Notifier; capabilityKey: string };
  /** The worker's model calls (the built-in agent's): the usage ledger they are counted in, and the circuit they share. */
  modelCalls: { recorder: UsageRecorder; circuit: CircuitBreaker };
}

/**
 * An action's effect. It must be idempotent by `actionId`: a worker that dies after
 * the effect and before its record is retried, and the retry must not repeat it.
 */
export type Handler = (params: Record<string, unknown>, ctx: HandlerContext) => Promise<unknown>;
