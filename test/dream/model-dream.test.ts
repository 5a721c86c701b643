import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isVigilError } from '../../src/errors.js';
import { loadDreamState } from '../../src/dream/index.js';
import { ModelConsolidator, type CompleteJson, type ConsolidationPrompt } from '../../src/dream/model-consolidator.js';
import { validateOperations } from '../../src/dream/operations.js';
import { parseTopic } from '../../src/memory/topics.js';
import { Store } from '../../src/store/index.js';
import { snapshotDir, useTempDirs } from '../memory/helpers.js';
import { copyHome, dreamOn, fillHome, homeIn, type Home } from './fixture.js';
import { makeRepo } from './synthetic.js';

const tempDir = useTempDirs('vigil-model-');

/** A fake model that answers from a script: each call gets the next function of the prompt. */
function scripted(...answers: ((prompt: ConsolidationPrompt) => unknown)[]): CompleteJson & { prompts: ConsolidationPrompt[] } {
  const prompts: ConsolidationPrompt[] = [];
  const fake = async (prompt: ConsolidationPrompt) => {
    prompts.push(prompt);
    const next = answers.shift();
    if (!next) throw new Error('the script has no more answers');
    return next(prompt);
  };
  return Object.assign(fake, { prompts });
}

/** The number the prompt gives the fact (or observation) whose line matches. */
function numberOf(prompt: ConsolidationPrompt, section: 'Facts' | 'Observations', pattern: RegExp): number {
  const body = prompt.user.split(`# ${section}`)[1]!;
  const line = body.split('\n').find((l) => /^\[\d+\]/.test(l) && pattern.test(l));
  if (!line) throw new Error(`no ${section} line matches ${pattern}:\n${prompt.user}`);
  return Number(/^\[(\d+)\]/.exec(line)![1]);
}

let repo: string;
let base: Home;

beforeAll(async () => {
  const fixed = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-model-base-'));
  repo = makeRepo(fixed);
  base = homeIn(path.join(fixed, 'home'));
  await fillHome(base, 1, 20);
  await dreamOn({ home: base, repo, at: new Date(2026, 0, 21, 3).getTime() });
  await fillHome(base, 21, 30);
  return () => fs.rmSync(fixed, { recursive: true, force: true });
});

function appFacts(home: Home) {
  return parseTopic('octo-app', fs.readFileSync(path.join(home.memory, 'topics/octo-app.md'), 'utf8'), '2099-01-01').facts;
}

describe('consolidation with a model (scripted fake)', () => {
  it('applies the operations exactly, by the numbers in the prompt', async () => {
    const home = copyHome(base, tempDir());
    const model = scripted((p) => ({
      operations: [
        { op: 'UPDATE', fact: numberOf(p, 'Facts', /CI command/), text: 'CI runs `npm run ci` on octo/app.', from: [numberOf(p, 'Observations', /npm run ci/)] },
        { op: 'DELETE', fact: numberOf(p, 'Facts', /flaky parser/), reason: 'no longer worth remembering' },
        { op: 'KEEP', fact: numberOf(p, 'Facts', /src\/server\.ts/) },
        { op: 'ADD', topic: 'octo/app', text: 'A hotfix for octo/app ships tomorrow.', from: [numberOf(p, 'Observations', /is now `trunk`/)] },
      ],
    }));
    const report = await dreamOn({ home, repo, consolidator: new ModelConsolidator(model) });
    expect(model.prompts).toHaveLength(1);
    // Facts are numbered from 1 and carry no ids; observations are numbered too.
    expect(model.prompts[0]!.user).toMatch(/^\[1\] \(octo\/app\) /m);
    expect(model.prompts[0]!.user).not.toMatch(/log 2026-/);
    expect(report).toMatchObject({ consolidator: 'model', added: 1, updated: 1, removed: 1 });
    expect(report.modelTokens).toBeGreaterThan(100);
    const facts = appFacts(home);
    const ci = facts.find((f) => /CI runs/.test(f.text))!;
    expect(ci.source).toMatch(/^log 2026-01-22#\d+$/);
    expect(ci.supersedes).toMatch(/^The CI command of octo\/app is `npm test`\. \(log 2026-01-04#\d+\)$/);
    expect(facts.some((f) => /flaky parser/.test(f.text))).toBe(false);
    expect(facts.find((f) => /src\/server\.ts/.test(f.text))!.confirmed).toBe('2026-01-31');
    // The model's relative date is made absolute against the day of the observation it cited (2026-01-24).
    const hotfix = facts.find((f) => /hotfix/.test(f.text))!;
    expect(hotfix).toMatchObject({ text: 'A hotfix for octo/app ships on 2026-01-25.', source: expect.stringMatching(/^log 2026-01-24#/), confirmed: '2026-01-24' });
    // Facts the model did not name are as they were (the branch stays `trunk`).
    expect(facts.filter((f) => /default branch/.test(f.text))).toHaveLength(1);
  });

  it('rejects a batch with an operation on a fact that does not exist, and applies nothing of it', async () => {
    const home = copyHome(base, tempDir());
    const before = snapshotDir(home.memory);
    const stateBefore = (() => {
      const store = Store.open(home.db);
      try {
        return loadDreamState(store);
      } finally {
        store.close();
      }
    })();
    const model = scripted((p) => ({
      operations: [
        { op: 'UPDATE', fact: numberOf(p, 'Facts', /CI command/), text: 'CI runs `make ci`.', from: [1] },
        { op: 'ADD', topic: 'octo/app', text: 'Something new.', from: [1] },
        { op: 'DELETE', fact: 99, reason: 'hallucinated' },
      ],
    }));
    let error: unknown;
    try {
      await dreamOn({ home, repo, consolidator: new ModelConsolidator(model) });
    } catch (err) {
      error = err;
    }
    expect(isVigilError(error, 'VIGIL_ERR_DREAM_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/operation 3 \(DELETE\): there is no fact 99/);
    // Nothing of the batch: every memory file as it was (the notes are claimed, not lost).
    const after = snapshotDir(home.memory);
    expect(Object.keys(after).filter((k) => !k.startsWith('.dream/')).sort()).toEqual(Object.keys(before).filter((k) => k !== 'notes.md').sort());
    for (const [rel, text] of Object.entries(before)) if (rel !== 'notes.md') expect(after[rel], rel).toBe(text);
    const store = Store.open(home.db);
    try {
      expect(loadDreamState(store).watermark).toEqual(stateBefore.watermark);
      // After the base home's first dream (started, digest, finished): this one's.
      const records = store.outbox.pending(100).map((r) => r.record).slice(3);
      expect(records.map((r) => r.type)).toEqual(['dream.started', 'dream.failed']);
      expect(records[1]!.reason).toMatch(/no fact 99/);
    } finally {
      store.close();
    }
    // The next dream reads the same observations again and, with a sound answer, learns them.
    const retry = scripted((p) => ({ operations: [{ op: 'KEEP', fact: numberOf(p, 'Facts', /CI command/) }] }));
    const report = await dreamOn({ home, repo, consolidator: new ModelConsolidator(retry) });
    expect(report.notes).toBe(4);
    expect(retry.prompts[0]!.user).toMatch(/npm run ci/);
  });

  it('a bad second batch leaves the first one unwritten too: memory changes only when the dream commits', async () => {
    const home = copyHome(base, tempDir());
    const lines = Array.from({ length: 70 }, (_, i) => `- [octo/app] Fact number ${i} about octo/app.`).join('\n');
    fs.writeFileSync(path.join(home.memory, 'notes.md'), `${fs.readFileSync(path.join(home.memory, 'notes.md'), 'utf8')}${lines}\n`);
    const before = snapshotDir(home.memory);
    const model = scripted(
      () => ({ operations: [{ op: 'ADD', topic: 'octo/app', text: 'First batch fact.', from: [1] }] }),
      () => ({ operations: [{ op: 'KEEP', fact: 0 }] }),
    );
    await expect(dreamOn({ home, repo, consolidator: new ModelConsolidator(model) })).rejects.toThrow(/there is no fact 0/);
    expect(model.prompts).toHaveLength(2);
    expect(fs.readFileSync(path.join(home.memory, 'topics/octo-app.md'), 'utf8')).toBe(before['topics/octo-app.md']);
    expect(fs.readFileSync(path.join(home.memory, 'MEMORY.md'), 'utf8')).toBe(before['MEMORY.md']);
  });
});

describe('validating model operations', () => {
  const reason = (raw: unknown, facts = 3, observations = 2) => {
    try {
      validateOperations(raw, facts, observations);
      return 'ok';
    } catch (err) {
      if (!isVigilError(err, 'VIGIL_ERR_DREAM_OPERATIONS')) throw err;
      return err.message;
    }
  };

  it('strips a fence however the model wrote it (spaces around, no language, no line breaks, blank lines), and keeps a fence inside the text, fenced or not', () => {
    const ops = { operations: [{ op: 'ADD', topic: 't', text: 'run ```npm test``` first', from: [2] }] };
    const json = JSON.stringify(ops);
    for (const raw of [json, `  \n\`\`\`json\n${json}\n\`\`\`  `, `\`\`\`\n${json}\n\`\`\``, `\`\`\`json${json}\`\`\``, `\`\`\`JSON\n\n${json}\n\n\`\`\``]) {
      expect(validateOperations(raw, 3, 2), raw).toEqual(ops.operations);
    }
  });

  it('accepts a sound batch, as an object or as JSON text in a fence', () => {
    const ops = { operations: [{ op: 'ADD', topic: 't', text: 'x', from: [2] }, { op: 'KEEP', fact: 3 }] };
    expect(reason(ops)).toBe('ok');
    expect(reason('```json\n' + JSON.stringify(ops) + '\n```')).toBe('ok');
  });

  it.each([
    [{ operations: [{ op: 'KEEP', fact: 4 }] }, /there is no fact 4/],
    [{ operations: [{ op: 'UPDATE', fact: 1, text: 'x', from: [3] }] }, /there is no observation 3/],
    [{ operations: [{ op: 'KEEP', fact: 1 }, { op: 'DELETE', fact: 1 }] }, /fact 1 has more than one operation/],
    [{ operations: [{ op: 'ADD', topic: 't', text: 'x', from: [] }] }, /from/],
    [{ operations: [{ op: 'MERGE', fact: 1 }] }, /op/],
    [{ operations: [{ op: 'KEEP', fact: 1, id: 'abc' }] }, /Unrecognized key/],
    [{ operations: [{ op: 'KEEP', fact: 1.5 }] }, /integer/],
    ['not json', /not JSON/],
    [{ ops: [] }, /operations/],
  ])('rejects %j', (raw, pattern) => {
    expect(reason(raw)).toMatch(pattern);
  });
});
