import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DecisionBudgets as BudgetsConfig, ModelConfig, PermissionsConfig, type WatchedRepo } from '../../src/config/index.js';
import { Toolbox } from '../../src/initiative/toolbox.js';
import type { DecisionBudgets } from '../../src/model/index.js';
import type { InvestigationTool } from '../../src/investigate/index.js';
import type { EventRecord } from '../../src/events.js';
import { Initiative } from '../../src/initiative/index.js';
import type { OwnerProfile } from '../../src/initiative/owner.js';
import type { JournalWriter } from '../../src/journal/index.js';
import { createProvider, type ModelProvider, type ProviderDeps } from '../../src/model/index.js';
import { Store } from '../../src/store/index.js';

/** A recognisable fake API key: tests assert it never appears in a request body or a log line. */
export const FAKE_KEY = 'sk-ant-FAKE-KEY-0123456789-must-never-leak';

export const NOON = new Date(2026, 10, 25, 12, 0, 0).getTime();

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Run `fn` after the current test (fake servers, stores, temp dirs). */
export function later(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}

export function tempDir(prefix = 'vigil-model-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  later(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The model section as config.json would give it (defaults applied). */
export function modelConfig(raw: Record<string, unknown>): ModelConfig {
  return ModelConfig.parse(raw);
}

/**
 * An in-memory journal with the daemon Journal's contract (src/journal): staged records are written
 * on flush, written ones at once. Tests read `records`.
 */
export class MemoryJournal implements JournalWriter {
  readonly records: EventRecord[] = [];
  private staged: EventRecord[] = [];
  stage(record: EventRecord): void {
    this.staged.push(record);
  }
  write(record: EventRecord): void {
    this.records.push(record);
  }
  flush(): number {
    const n = this.staged.length;
    this.records.push(...this.staged.splice(0));
    return n;
  }
  ofType(type: string): EventRecord[] {
    return this.records.filter((r) => r.type === type);
  }
}

export interface Harness {
  store: Store;
  journal: MemoryJournal;
  clock: FakeClock;
  initiative: Initiative;
  provider: ModelProvider;
  home: string;
  /** Delays the provider asked to wait between retries (the fake sleep records and skips them). */
  sleeps: number[];
  addEvent(kind: string, payload: unknown, deliveryId?: string): number;
  addTick(changes?: string[]): number;
}

/** Store in a temp dir, a real provider from config, the real Initiative, a fake clock. */
export function harness(options: {
  model: Record<string, unknown>;
  deps?: ProviderDeps;
  memory?: string;
  repos?: WatchedRepo[];
  permissions?: Record<string, unknown>;
  clock?: FakeClock;
  /** Read-only tools the decision may call before `decide` (issue 14), with budgets (defaults from config). */
  investigate?: { tools: InvestigationTool[]; budgets?: Partial<DecisionBudgets> };
  /** Who the owner is (issue 15); the daemon passes `ownerProfile(config.owner, …)`. */
  owner?: OwnerProfile;
  /** HEARTBEAT.md's text: written to the harness home and handed to the initiative. */
  heartbeat?: string;
  /** A home made by `vigil init` (test/helpers/home.ts), for a test that runs a real worker beside the harness. */
  home?: string;
}): Harness {
  const home = options.home ?? tempDir();
  const store = Store.open(path.join(home, 'vigil.db'));
  later(() => store.close());
  fs.mkdirSync(path.join(home, 'memory'), { recursive: true });
  fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
  if (options.memory !== undefined) fs.writeFileSync(path.join(home, 'memory', 'MEMORY.md'), options.memory);
  const clock = options.clock ?? new FakeClock(NOON);
  const sleeps: number[] = [];
  const provider = createProvider(modelConfig(options.model), [], {
    secrets: { anthropicApiKey: FAKE_KEY, openaiApiKey: FAKE_KEY },
    env: {},
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
    ...options.deps,
  });
  const journal = new MemoryJournal();
  const toolbox = options.investigate
    ? new Toolbox({ tools: options.investigate.tools, budgets: { ...BudgetsConfig.parse({}), ...options.investigate.budgets }, journal, clock })
    : undefined;
  const initiative = new Initiative({
    store,
    journal,
    clock,
    provider,
    permissions: PermissionsConfig.parse(options.permissions ?? {}),
    repos: options.repos ?? [],
    memoryDir: path.join(home, 'memory'),
    logsDir: path.join(home, 'logs'),
    onApproved: () => undefined,
    onApprovalRequested: () => undefined,
    ...(toolbox ? { toolbox } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
    heartbeatFile: path.join(home, 'HEARTBEAT.md'),
  });
  if (options.heartbeat !== undefined) fs.writeFileSync(path.join(home, 'HEARTBEAT.md'), options.heartbeat);
  later(() => initiative.stop());
  const add = (source: string, kind: string, payload: unknown, deliveryId?: string) =>
    store.inbox.add({ source, kind, payload: JSON.stringify(payload), receivedAt: clock.now(), ...(deliveryId ? { deliveryId } : {}) }).id;
  return {
    store,
    journal,
    clock,
    initiative,
    provider,
    home,
    sleeps,
    addEvent: (kind, payload, deliveryId) => add('github', kind, payload, deliveryId ?? `d-${Math.random()}`),
    addTick: (changes = ['first tick']) =>
      add('tick', 'tick', { trigger: 'schedule', mark: { lastEventId: 0, approvalsVersion: 0, repos: {} }, dueReminders: [], changes }),
  };
}

export function inboxState(store: Store, id: number): { state: string; attempts: number } {
  const event = store.inbox.get(id)!;
  return { state: event.state, attempts: event.attempts };
}

export function decisionsFor(store: Store, eventId: number): number {
  return store.decisions.countForEvent(eventId);
}

/** A small GitHub `issues.opened` payload with the fields vigil's prompt keeps. */
export function issueOpened(number: number, title: string, body: string, repo = 'octo/app'): Record<string, unknown> {
  return {
    action: 'opened',
    issue: {
      number,
      title,
      body,
      state: 'open',
      user: { login: 'stranger', id: 9, avatar_url: 'https://avatars.example/9', type: 'User' },
      html_url: `https://github.com/${repo}/issues/${number}`,
      url: `https://api.github.com/repos/${repo}/issues/${number}`,
      labels: [],
    },
    repository: { full_name: repo, name: repo.split('/')[1], owner: { login: repo.split('/')[0], type: 'User' }, private: false },
    sender: { login: 'stranger', id: 9, type: 'User' },
  };
}
