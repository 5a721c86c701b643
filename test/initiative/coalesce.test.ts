import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { PermissionsConfig } from '../../src/config/index.js';
import { Initiative } from '../../src/initiative/index.js';
import { coalesceKey } from '../../src/initiative/coalesce.js';
import type { TriageConfig } from '../../src/initiative/triage.js';
import { ModelConfig } from '../../src/config/index.js';
import { createProvider } from '../../src/model/index.js';
import { Journal } from '../../src/journal/index.js';
import { DailyLog } from '../../src/logs/index.js';
import type { DecisionRequest, ModelProvider, Prompt } from '../../src/model/index.js';
import type { DecisionResult } from '../../src/model/decision.js';
import { Store } from '../../src/store/index.js';

/**
 * Coalescing (issue 14) through the real Initiative and store with a fake clock: deliveries
 * of one CI run, or a burst on one issue, wait `coalesceMs` after the newest of them and
 * are decided as one event; other subjects are not held by them.
 */

const NOON = Date.UTC(2026, 10, 30, 12, 0, 0);
const SHA = 'c'.repeat(40);
const OTHER_SHA = 'd'.repeat(40);
const WINDOW = 20_000;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

class RecordingModel implements ModelProvider {
  readonly name = 'recording';
  readonly prompts: Prompt[] = [];
  readonly events: DecisionRequest['event'][] = [];
  async decide(request: DecisionRequest): Promise<DecisionResult> {
    this.events.push(request.event);
    this.prompts.push(await request.prompt());
    return { decision: { act: false, summary: 'CI is fine', proposals: [] }, model: 'recording' };
  }
}

function world(coalesceMs = WINDOW, options: { provider?: ModelProvider; triage?: TriageConfig } = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-coalesce-'));
  const logsDir = path.join(home, 'logs');
  fs.mkdirSync(path.join(home, 'memory'));
  const store = Store.open(path.join(home, 'vigil.db'));
  const clock = new FakeClock(NOON);
  const log = new DailyLog({ dir: logsDir, clock });
  const journal = new Journal(store, log, logsDir);
  const model = new RecordingModel();
  const initiative = () => {
    const it = new Initiative({
      store,
      journal,
      clock,
      provider: options.provider ?? model,
      ...(options.triage ? { triage: options.triage } : {}),
      permissions: PermissionsConfig.parse({}),
      repos: [],
      memoryDir: path.join(home, 'memory'),
      logsDir,
      coalesceMs,
      onApproved: () => undefined,
      onApprovalRequested: () => undefined,
    });
    cleanups.push(() => it.stop());
    return it;
  };
  cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => log.close());
  let delivery = 0;
  const deliver = (kind: string, payload: unknown): { id: number; deliveryId: string } => {
    const deliveryId = `ci-${++delivery}`;
    const { id } = store.inbox.add({ source: 'github', kind, deliveryId, payload: JSON.stringify(payload), receivedAt: clock.now() });
    return { id, deliveryId };
  };
  return { store, clock, model, initiative, deliver };
}

const repository = { full_name: 'octo/app', name: 'app', owner: { login: 'octo', type: 'User' } };
const sender = { login: 'github-actions[bot]', type: 'Bot' };
const checkRun = (name: string, sha = SHA) => ({ action: 'completed', check_run: { name, head_sha: sha, conclusion: 'success' }, repository, sender });
const checkSuite = (sha = SHA) => ({ action: 'completed', check_suite: { head_sha: sha, conclusion: 'success' }, repository, sender });
const workflowRun = (sha = SHA) => ({ action: 'completed', workflow_run: { name: 'CI', head_sha: sha, conclusion: 'success' }, repository, sender });

describe('which events coalesce', () => {
  it('CI deliveries by their head SHA, issue-like ones by number; a push and a tick never', () => {
    expect(coalesceKey({ source: 'github', kind: 'github.check_run.completed', payload: checkRun('a') })).toBe(`octo/app@${SHA}`);
    expect(coalesceKey({ source: 'github', kind: 'github.status', payload: { sha: SHA, context: 'ci', state: 'success', repository } })).toBe(`octo/app@${SHA}`);
    expect(coalesceKey({ source: 'github', kind: 'github.issues.opened', payload: { action: 'opened', issue: { number: 7 }, repository } })).toBe('octo/app#7');
    expect(coalesceKey({ source: 'github', kind: 'github.push', payload: { ref: 'refs/heads/main', repository } })).toBeUndefined();
    expect(coalesceKey({ source: 'tick', kind: 'tick', payload: {} })).toBeUndefined();
  });
});

describe('coalescing through the real Initiative', () => {
  it('one CI run is one decision after the quiet window, whose event lists every delivery; all rows are decided together', async () => {
    const w = world();
    const initiative = w.initiative();
    const runs = [w.deliver('github.check_suite.completed', checkSuite())];
    for (const name of ['build', 'test', 'lint']) runs.push(w.deliver('github.check_run.completed', checkRun(name)));
    runs.push(w.deliver('github.workflow_run.completed', workflowRun()));
    expect(await initiative.decideNext()).toBe('waiting');
    w.clock.advance(WINDOW - 1);
    expect(await initiative.decideNext()).toBe('waiting');
    expect(w.model.prompts).toHaveLength(0);
    w.clock.advance(1);
    expect(await initiative.decideNext()).toBe('decided');
    expect(await initiative.decideNext()).toBe('idle');
    expect(w.model.prompts).toHaveLength(1);
    for (const run of runs) {
      expect(w.model.prompts[0]!.dynamic).toContain(run.deliveryId);
      expect(w.store.inbox.get(run.id)!.state).toBe('decided');
    }
    expect(w.model.events[0]!.id).toBe(runs[0]!.id);
  });

  it('a delivery arriving during the wait extends it; a new Initiative (a restart) reads the same wait from the rows', async () => {
    const w = world();
    const first = w.deliver('github.check_run.completed', checkRun('build'));
    w.clock.advance(15_000);
    const second = w.deliver('github.check_run.completed', checkRun('test'));
    w.clock.advance(10_000);
    // 25 s after the first, but only 10 s after the newest: still waiting.
    expect(await w.initiative().decideNext()).toBe('waiting');
    const restarted = w.initiative();
    expect(await restarted.decideNext()).toBe('waiting');
    w.clock.advance(10_000);
    expect(await restarted.decideNext()).toBe('decided');
    expect(w.model.prompts).toHaveLength(1);
    expect(w.model.prompts[0]!.dynamic).toContain(first.deliveryId);
    expect(w.model.prompts[0]!.dynamic).toContain(second.deliveryId);
  });

  it('an event for another SHA is neither held by nor joined to the first; an event without a subject is not held at all', async () => {
    const w = world();
    const initiative = w.initiative();
    const other = w.deliver('github.check_run.completed', checkRun('build', OTHER_SHA));
    const push = w.deliver('github.push', { ref: 'refs/heads/main', repository, sender });
    expect(await initiative.decideNext()).toBe('decided');
    expect(w.model.events.map((e) => e.id)).toEqual([push.id]);
    w.clock.advance(15_000);
    const mine = w.deliver('github.check_run.completed', checkRun('build'));
    expect(await initiative.decideNext()).toBe('waiting');
    w.clock.advance(5_000);
    // The other SHA's window is over; this one's newest delivery came 5 s ago.
    expect(await initiative.decideNext()).toBe('decided');
    expect(w.model.events.map((e) => e.id)).toEqual([push.id, other.id]);
    expect(w.model.prompts[1]!.dynamic).not.toContain(mine.deliveryId);
    expect(w.store.inbox.get(mine.id)!.state).toBe('pending');
    expect(await initiative.decideNext()).toBe('waiting');
    w.clock.advance(15_000);
    expect(await initiative.decideNext()).toBe('decided');
    expect(w.model.events.map((e) => e.id)).toEqual([push.id, other.id, mine.id]);
  });

  it('with coalescing off (0) every delivery is its own decision, at once', async () => {
    const w = world(0);
    const initiative = w.initiative();
    w.deliver('github.check_suite.completed', checkSuite());
    for (const name of ['build', 'test', 'lint']) w.deliver('github.check_run.completed', checkRun(name));
    w.deliver('github.workflow_run.completed', workflowRun());
    for (let i = 0; i < 5; i++) expect(await initiative.decideNext()).toBe('decided');
    expect(await initiative.decideNext()).toBe('idle');
    expect(w.model.prompts).toHaveLength(5);
  });

  it('with the offline rules provider nothing waits: each delivery on one issue is decided at once, by the rules for its own kind', async () => {
    const rules = [
      { on: 'github.issues.opened', propose: { action: 'memory.note', params: { text: 'opened {{payload.issue.number}}' } } },
      { on: 'github.issues.labeled', propose: { action: 'memory.note', params: { text: 'labeled {{payload.label.name}}' } } },
    ];
    const w = world(WINDOW, {
      provider: createProvider(ModelConfig.parse({ provider: 'rules' }), rules),
      triage: { modelDecides: false, rules, skipEvents: [] },
    });
    const initiative = w.initiative();
    const issue = { number: 7, title: 'crash', user: { login: 'ada' } };
    w.deliver('github.issues.opened', { action: 'opened', issue, repository, sender: issue.user });
    w.deliver('github.issues.labeled', { action: 'labeled', issue, label: { name: 'bug' }, repository, sender: issue.user });
    // No clock advance: a held event would answer 'waiting'.
    expect(await initiative.decideNext()).toBe('decided');
    expect(await initiative.decideNext()).toBe('decided');
    expect(await initiative.decideNext()).toBe('idle');
    const proposed = w.store.db.prepare(`SELECT params FROM actions ORDER BY decision_id`).all() as { params: string }[];
    expect(proposed.map((a) => (JSON.parse(a.params) as { text: string }).text)).toEqual(['opened 7', 'labeled bug']);
  });
});
