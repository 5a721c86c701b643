/**
 * A dream that learns its owner (issue 15): the owner's approvals and denials, with the
 * reasons given, become facts in topics/owner.md with their sources — without a model,
 * through the dream's own write (history kept) — and a model consolidator is shown them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { runDream, type DreamOptions } from '../../src/dream/dream.js';
import { ModelConsolidator, type ConsolidationPrompt } from '../../src/dream/model-consolidator.js';
import { RulesConsolidator } from '../../src/dream/rules-consolidator.js';
import type { Consolidator } from '../../src/dream/consolidator.js';
import { answerApproval } from '../../src/initiative/index.js';
import { MemoryFiles, nodeMemoryFs } from '../../src/memory/index.js';
import { parseTopic } from '../../src/memory/topics.js';
import { Store } from '../../src/store/index.js';
import { useTempDirs } from '../memory/helpers.js';

const tempDir = useTempDirs('vigil-owner-facts-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const DAY1 = new Date(2026, 11, 1, 9, 0).getTime();
const DAY = 24 * 3_600_000;

function home() {
  const dir = tempDir();
  const store = Store.open(path.join(dir, 'vigil.db'));
  opened.push(store);
  const clock = new FakeClock(DAY1);
  const memoryDir = path.join(dir, 'memory');
  const answered = (action: string, repo: string, answer: 'approve' | 'deny', reason?: string) => {
    clock.advance(60_000);
    const params = { repo, number: 1, labels: ['triage'] };
    const asked = store.actions.insert({ action, params, rationale: '', repo, verdict: 'ask', reason: 'default' }, 'awaiting_approval', clock.now(), clock.now() + DAY);
    return answerApproval(store, asked.id, answer, 'cli', clock.now(), reason).id;
  };
  const dream = (consolidator: Consolidator = new RulesConsolidator()) => {
    const options: DreamOptions = {
      home: dir,
      memoryDir,
      logsDir: path.join(dir, 'logs'),
      store,
      clock,
      dream: { idleMinutes: 30, minHours: 24, staleDays: 60 },
      permissions: { mode: 'auto', rules: [], approvalTtlHours: 24, suggestAfter: 5 },
      repos: [],
      consolidator,
      trigger: 'manual',
    };
    return runDream(options);
  };
  const ownerTopic = () => fs.readFileSync(path.join(memoryDir, 'topics/owner.md'), 'utf8');
  return { clock, memoryDir, answered, dream, ownerTopic };
}

describe('the owner, learned at the dream', () => {
  it('approvals and denials with their reasons become facts with sources in topics/owner.md; a change supersedes, the old file kept', async () => {
    const h = home();
    const approvals = [1, 2, 3, 4, 5].map(() => h.answered('github.label', 'octo/app', 'approve'));
    h.answered('github.label', 'octo/docs', 'deny', 'labels on the docs are mine');
    const lastDenial = h.answered('github.label', 'octo/docs', 'deny', 'no labels on "docs",\nplease');
    await h.dream();

    const topic = parseTopic('owner', h.ownerTopic(), '2099-01-01');
    expect(topic.title).toBe('owner');
    expect(topic.facts.map((f) => f.text)).toEqual([
      'github.label on octo/app: the owner approved it 5 times, never denied',
      `github.label on octo/docs: the owner denies it (2 times, never approved; last reason: "no labels on 'docs', please")`,
    ]);
    expect(topic.facts[0]!.source).toBe(`vigil.db, the owner's answers to actions ${approvals.slice(-3).reverse().join(', ')} (newest 2026-12-01)`);
    expect(topic.facts[1]!.source).toContain(lastDenial);
    expect(fs.readFileSync(path.join(h.memoryDir, 'MEMORY.md'), 'utf8')).toMatch(/owner/);

    // The next day the owner approves one on octo/docs: the fact about that pair changes, the other is confirmed.
    h.clock.advance(DAY);
    const approvedDocs = h.answered('github.label', 'octo/docs', 'approve');
    await h.dream();
    const after = parseTopic('owner', h.ownerTopic(), '2099-01-01').facts;
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ text: 'github.label on octo/app: the owner approved it 5 times, never denied', confirmed: '2026-12-02' });
    expect(after[1]).toMatchObject({
      text: `github.label on octo/docs: the owner approved it once and denied it 2 times, last approved; last reason: "no labels on 'docs', please"`,
      supersedes: expect.stringContaining('the owner denies it (2 times'),
    });
    expect(after[1]!.source).toContain(approvedDocs);
    const versions = new MemoryFiles(h.memoryDir, nodeMemoryFs, h.clock).versions('topics/owner.md');
    expect(versions).toHaveLength(1);
  });

  it('no answers, no owner topic; with a model the consolidator is shown the owner\'s facts', async () => {
    const quiet = home();
    await quiet.dream();
    expect(fs.existsSync(path.join(quiet.memoryDir, 'topics/owner.md'))).toBe(false);

    const h = home();
    h.answered('github.comment', 'octo/app', 'deny', 'I answer people myself');
    const prompts: ConsolidationPrompt[] = [];
    const report = await h.dream(
      new ModelConsolidator(async (prompt) => {
        prompts.push(prompt);
        return { operations: [] };
      }),
    );
    expect(report.consolidator).toBe('model');
    expect(prompts).toHaveLength(1);
    const observations = prompts[0]!.user.split('# Observations')[1]!;
    expect(observations).toContain('github.comment on octo/app: the owner denies it (once, never approved; last reason: "I answer people myself")');
    expect(h.ownerTopic()).toContain('github.comment on octo/app: the owner denies it');
  });
});
