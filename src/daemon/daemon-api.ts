/**
 * What a single daemon's HTTP app and the CLI's API run on (api.ts `DaemonApi`): its
 * store, logs and memory, the owner's operations (src/operations) on its store, clock
 * and journal, and the daemon's own parts behind small callbacks.
 */
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config, Secrets } from '../config/index.js';
import { githubApiUrl, githubWebUrl } from '../github-urls.js';
import type { HomePaths } from '../home/index.js';
import type { Journal } from '../journal/index.js';
import { MemoryFiles, nodeMemoryFs } from '../memory/index.js';
import { dayUsage, usageReport } from '../model/index.js';
import type { OwnerReach } from '../notify/index.js';
import {
  acceptRuleSuggestion,
  cancelAgentTask,
  dreamStatus,
  editMemoryFact,
  recordInstruction,
  requestTick,
  startDream,
  type OperationDeps,
} from '../operations/index.js';
import type { Store } from '../store/index.js';
import type { OpenWorkSource } from '../tick/index.js';
import type { DaemonApi } from './api.js';
import type { AskWaiters } from './asks.js';
import type { DreamScheduler } from './dream-scheduler.js';

export interface DaemonApiParts {
  paths: HomePaths;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  store: Store;
  journal: Journal;
  reach: OwnerReach;
  dreams: DreamScheduler;
  asks: AskWaiters;
  /** Read at each use: a reload replaces them. */
  secrets: () => Secrets;
  config: () => Readonly<Config>;
  status: DaemonApi['status'];
  /** An event was enqueued: decide now. */
  wake: () => void;
  openWork: () => OpenWorkSource | undefined;
  answer: DaemonApi['answer'];
  /** Re-read config.json, as SIGHUP does. */
  reload: () => Promise<boolean>;
}

export function daemonApi(parts: DaemonApiParts): DaemonApi {
  const operationDeps: OperationDeps = { store: parts.store, clock: parts.clock, journal: parts.journal };
  return {
    dashboardToken: () => parts.secrets().dashboardToken,
    store: parts.store,
    clock: parts.clock,
    logsDir: parts.paths.logs,
    memoryDir: parts.paths.memory,
    githubWebUrl: githubWebUrl(githubApiUrl(parts.env)),
    usageOfDay: (day) => dayUsage(day, parts.store.usage.totals(day), parts.config().model),
    trustProxy: parts.config().http.trustProxy,
    capabilityKey: () => parts.secrets().capabilityKey,
    vapidPublicKey: () => parts.secrets().vapid.publicKey,
    record: (record) => parts.journal.write(record),
    reach: parts.reach,
    status: parts.status,
    tick: async () => ({
      ...(await requestTick({ ...operationDeps, config: parts.config(), onEnqueued: () => parts.wake(), openWork: parts.openWork() })),
    }),
    dream: () => startDream(parts.dreams),
    dreamStatus: () => dreamStatus({ store: parts.store, clock: parts.clock, home: parts.paths.home, logsDir: parts.paths.logs, config: parts.config() }),
    cancel: (id) => cancelAgentTask(operationDeps, id),
    ask: (text, via, waitMs) => {
      const { eventId } = recordInstruction(operationDeps, text, via);
      const answer = parts.asks.wait(eventId, waitMs);
      parts.wake();
      return answer;
    },
    agentDir: path.join(parts.paths.home, 'agent'),
    agentBudgets: () => ({ maxTurns: parts.config().agent.maxTurns, maxTokens: parts.config().agent.maxTokens, maxMinutes: parts.config().agent.maxMinutes }),
    costOf: (model, usage) => {
      const report = usageReport('', [{ model, purpose: 'agent', calls: 1, ...usage }], parts.config().model);
      return report.models[0]?.estimatedCostUsd ?? null;
    },
    editMemoryFact: (edit) =>
      editMemoryFact({ ...operationDeps, home: parts.paths.home, files: new MemoryFiles(parts.paths.memory, nodeMemoryFs, parts.clock) }, edit),
    approvals: () => parts.store.actions.pendingApprovals(),
    answer: (id, answer, by, reason) => parts.answer(id, answer, by, reason),
    // A suggested rule's link (issue 15): into config.json, then reloaded like a SIGHUP.
    acceptRule: async (id, nonce) => {
      const accepted = acceptRuleSuggestion(operationDeps, { configFile: parts.paths.config, id, nonce, by: 'push' });
      const reloaded = await parts.reload();
      return { id, state: accepted.suggestion.state, rule: accepted.rule, added: accepted.added, reloaded };
    },
  };
}
