import { describe, expect, it } from 'vitest';
import { isVigilError } from '../../src/errors.js';
import { applyOperations, validateOperations, type MemoryOperation } from '../../src/dream/operations.js';
import { WorkingMemory, type Observation } from '../../src/dream/working-memory.js';
import type { Topic } from '../../src/memory/index.js';

/**
 * Issue 5: a model's batch is validated whole, and what it may say about memory is
 * applied exactly — which fact, which source, which date. The refusal names the
 * operation and the number at fault, since it goes back into the dream's log.
 */
function refusal(raw: unknown, facts = 3, observations = 2): string {
  try {
    validateOperations(raw, facts, observations);
    return 'ok';
  } catch (err) {
    if (!isVigilError(err, 'VIGIL_ERR_DREAM_OPERATIONS')) throw err;
    return err.message.replace('the model proposed invalid memory operations: ', '');
  }
}

describe('validating a batch: what the refusal says', () => {
  it("names the zod issue's path, dotted, and its message; a batch that is not an object is 'answer'", () => {
    expect(refusal({ operations: [{ op: 'KEEP', fact: '1' }] })).toBe('operations.0.fact: Expected number, received string');
    expect(refusal({ operations: [{ op: 'KEEP', fact: 1 }, { op: 'ADD', topic: 't', text: '   ', from: [1] }] })).toBe(
      'operations.1.text: String must contain at least 1 character(s)',
    );
    expect(refusal(5)).toBe('answer: Expected object, received number');
  });

  it('names the operation by its place and kind, and the range of facts', () => {
    expect(refusal({ operations: [{ op: 'KEEP', fact: 1 }, { op: 'DELETE', fact: 0 }] })).toBe(
      'operation 2 (DELETE): there is no fact 0 (facts are 1..3)',
    );
    expect(refusal({ operations: [{ op: 'UPDATE', fact: 4, text: 'x', from: [1] }] })).toBe('operation 1 (UPDATE): there is no fact 4 (facts are 1..3)');
    expect(refusal({ operations: [{ op: 'KEEP', fact: 2 }, { op: 'UPDATE', fact: 2, text: 'x', from: [1] }] })).toBe(
      'operation 2 (UPDATE): fact 2 has more than one operation',
    );
  });

  it('facts 1 and the last are there, 0 and one past are not; with no facts every number is refused', () => {
    expect(refusal({ operations: [{ op: 'KEEP', fact: 1 }, { op: 'DELETE', fact: 3 }] })).toBe('ok');
    expect(refusal({ operations: [{ op: 'KEEP', fact: -1 }] })).toMatch(/there is no fact -1/);
    expect(refusal({ operations: [{ op: 'KEEP', fact: 1 }] }, 0)).toBe('operation 1 (KEEP): there is no fact 1 (facts are 1..0)');
  });

  it('an ADD names no fact: several ADDs in one batch are not "more than one operation" on a fact', () => {
    const adds = [1, 2, 1].map((n) => ({ op: 'ADD', topic: 'octo/app', text: `fact ${n}`, from: [n] }));
    expect(refusal({ operations: adds })).toBe('ok');
    expect(refusal({ operations: [...adds, { op: 'KEEP', fact: 1 }] })).toBe('ok');
  });

  it('checks the cited observations of an ADD as of an UPDATE: 1 and the last are there, 0 and one past are not', () => {
    expect(refusal({ operations: [{ op: 'ADD', topic: 't', text: 'x', from: [1, 2] }, { op: 'UPDATE', fact: 1, text: 'y', from: [2, 1] }] })).toBe('ok');
    expect(refusal({ operations: [{ op: 'ADD', topic: 't', text: 'x', from: [1, 3] }] })).toBe(
      'operation 1 (ADD): there is no observation 3 (observations are 1..2)',
    );
    expect(refusal({ operations: [{ op: 'KEEP', fact: 1 }, { op: 'ADD', topic: 't', text: 'x', from: [0] }] })).toBe(
      'operation 2 (ADD): there is no observation 0 (observations are 1..2)',
    );
    expect(refusal({ operations: [{ op: 'UPDATE', fact: 1, text: 'x', from: [2, 0, 5] }] })).toBe(
      'operation 1 (UPDATE): there is no observation 0 (observations are 1..2)',
    );
  });

  it("a DELETE's reason defaults to none; KEEP and DELETE cite no observations", () => {
    expect(validateOperations({ operations: [{ op: 'DELETE', fact: 2 }, { op: 'KEEP', fact: 1 }] }, 2, 0)).toEqual([
      { op: 'DELETE', fact: 2, reason: '' },
      { op: 'KEEP', fact: 1 },
    ]);
  });
});

describe('applying a validated batch', () => {
  const topic = (): Topic => ({
    slug: 'octo-app',
    title: 'octo/app',
    notes: ['Kept as written.'],
    facts: [
      { text: 'The default branch is main.', source: 'log 2026-01-01#1', confirmed: '2026-01-01' },
      { text: 'CI runs npm test.', source: 'log 2026-01-02#4', confirmed: '2026-01-02' },
      { text: 'The parser is flaky.', source: 'log 2026-01-03#2', confirmed: '2026-01-03' },
      { text: 'Releases are cut on Fridays.', source: 'log 2026-01-04#9', confirmed: '2026-01-04' },
    ],
  });
  const observations: Observation[] = [
    { kind: 'activity', text: 'o1', topic: 'octo/app', date: '2026-01-05', source: 'log 2026-01-05#1' },
    { kind: 'note', text: 'o2', topic: 'octo/app', date: '2026-01-09', source: 'log 2026-01-09#3' },
    { kind: 'event', text: 'o3', topic: 'octo/web', date: '2026-01-09', source: 'log 2026-01-09#7' },
    { kind: 'activity', text: 'o4', topic: 'octo/app', date: '2026-01-07', source: 'log 2026-01-07#2' },
  ];

  function run(operations: MemoryOperation[], today = '2026-01-20') {
    const memory = new WorkingMemory([topic()]);
    const facts = memory.all();
    applyOperations(memory, facts, observations, validateOperations({ operations }, facts.length, observations.length), today);
    return memory;
  }

  it('KEEP confirms the fact on today; DELETE removes it with its reason, or "deleted by the dream" when it gave none', () => {
    const memory = run([
      { op: 'KEEP', fact: 1 },
      { op: 'DELETE', fact: 3, reason: 'fixed in v2' },
      { op: 'DELETE', fact: 2 } as MemoryOperation,
    ]);
    const app = memory.topics.get('octo-app')!;
    expect(app.facts.map((f) => [f.text, f.confirmed])).toEqual([
      ['The default branch is main.', '2026-01-20'],
      ['Releases are cut on Fridays.', '2026-01-04'],
    ]);
    expect(app.notes).toEqual(['Kept as written.']);
    expect(memory.counts).toEqual({ added: 0, updated: 0, removed: 2, stale: 0 });
    expect(memory.changes).toEqual(['- octo/app: The parser is flaky. (fixed in v2)', '- octo/app: CI runs npm test. (deleted by the dream)']);
  });

  it('an UPDATE takes the source and date of the latest observation it cites, whichever place it has in `from`', () => {
    for (const from of [[1, 2, 4], [2, 1], [4, 2]]) {
      const memory = run([{ op: 'UPDATE', fact: 2, text: 'CI runs npm run ci.', from }]);
      const fact = memory.topics.get('octo-app')!.facts[1]!;
      expect(fact, JSON.stringify(from)).toEqual({
        text: 'CI runs npm run ci.',
        source: 'log 2026-01-09#3',
        confirmed: '2026-01-09',
        supersedes: 'CI runs npm test. (log 2026-01-02#4)',
      });
    }
    // Cited alone, an older observation is the one taken.
    expect(run([{ op: 'UPDATE', fact: 2, text: 'CI runs npm run ci.', from: [1] }]).topics.get('octo-app')!.facts[1]!.source).toBe('log 2026-01-05#1');
  });

  it('between observations of the same day, the first cited is the source', () => {
    const first = run([{ op: 'ADD', topic: 'octo/web', text: 'Deploys go through Fly.', from: [3, 2] }]);
    expect(first.topics.get('octo-web')!.facts).toEqual([{ text: 'Deploys go through Fly.', source: 'log 2026-01-09#7', confirmed: '2026-01-09' }]);
    const other = run([{ op: 'ADD', topic: 'octo/web', text: 'Deploys go through Fly.', from: [2, 3] }]);
    expect(other.topics.get('octo-web')!.facts[0]!.source).toBe('log 2026-01-09#3');
  });

  it("relative dates in the text become the latest observation's date, not today's", () => {
    const memory = run([
      { op: 'ADD', topic: 'octo/app', text: 'The release was cut yesterday.', from: [4] },
      { op: 'UPDATE', fact: 4, text: 'Releases are cut today.', from: [1] },
    ]);
    const facts = memory.topics.get('octo-app')!.facts;
    expect(facts.at(-1)!.text).not.toMatch(/yesterday/);
    expect(facts.at(-1)!.text).toMatch(/2026-01-06/);
    expect(facts[3]!.text).toMatch(/2026-01-05/);
    expect(facts[3]!.text).not.toMatch(/today/);
  });

  it('ADDs append to their topic in the order given, a new topic made for a new title; an UPDATE changes its fact in place', () => {
    const memory = run([
      { op: 'ADD', topic: 'octo/app', text: 'Second to last.', from: [1] },
      { op: 'UPDATE', fact: 1, text: 'The default branch is trunk.', from: [2] },
      { op: 'ADD', topic: 'octo/web', text: 'Web fact.', from: [3] },
      { op: 'ADD', topic: 'octo/app', text: 'Last.', from: [4] },
    ]);
    expect(memory.topics.get('octo-app')!.facts.map((f) => f.text)).toEqual([
      'The default branch is trunk.',
      'CI runs npm test.',
      'The parser is flaky.',
      'Releases are cut on Fridays.',
      'Second to last.',
      'Last.',
    ]);
    expect([...memory.topics.keys()]).toEqual(['octo-app', 'octo-web']);
    expect(memory.counts).toEqual({ added: 3, updated: 1, removed: 0, stale: 0 });
    expect(memory.changes).toEqual([
      '+ octo/app: Second to last.',
      '~ octo/app: The default branch is trunk. (was: The default branch is main.)',
      '+ octo/web: Web fact.',
      '+ octo/app: Last.',
    ]);
  });
});
