import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { acquireDreamLock, dreamLockPath } from '../../src/dream/index.js';
import { isVigilError } from '../../src/errors.js';
import type { EventRecord } from '../../src/events.js';
import { INDEX_FILE, MemoryFiles, nodeMemoryFs } from '../../src/memory/index.js';
import { editMemoryFact } from '../../src/operations/index.js';
import { Store } from '../../src/store/index.js';
import { useTempDir } from '../unit/helpers.js';

// The owner's edit of a fact (issue 17), in-process over real files and a real store: the
// dream's discipline — the lock, a check against what the page showed, history, the index after.

const tempDir = useTempDir('vigil-memory-edit-');
const opened: Store[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const T0 = Date.UTC(2026, 5, 10, 12, 0, 0);
const TOPIC = `# octo/app

Written by the dream.

- The default branch of octo/app is \`main\`.
  - source: log 2026-06-01#14
  - confirmed: 2026-06-01
- CI runs \`npm test\`.
  - source: log 2026-06-02#3
  - confirmed: 2026-06-02
`;

async function setup() {
  const home = tempDir();
  const store = Store.open(path.join(home, 'vigil.db'));
  opened.push(store);
  const clock = new FakeClock(T0);
  const files = new MemoryFiles(path.join(home, 'memory'), nodeMemoryFs, clock);
  await files.write('topics/octo-app.md', TOPIC);
  await files.write(INDEX_FILE, '# Memory\n');
  const written: EventRecord[] = [];
  const journal = { stage: () => undefined, write: (r: EventRecord) => void written.push(r), flush: () => 0 };
  return { deps: { store, clock, home, files, journal }, files, written, home };
}

async function codeOf(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return isVigilError(err) ? err.code : String(err);
  }
}

describe('editMemoryFact', () => {
  it('rewrites one fact with the owner as its source and the old text kept as superseded; the old file in history; the index follows; logged', async () => {
    const { deps, files, written } = await setup();
    const done = await editMemoryFact(deps, { topic: 'octo-app', index: 0, was: 'The default branch of octo/app is `main`.', text: '  The default branch of octo/app is\n`trunk`. ' });
    const now = files.read('topics/octo-app.md')!;
    expect(now).toContain('- The default branch of octo/app is `trunk`.\n  - source: owner 2026-06-10\n  - confirmed: 2026-06-10\n  - supersedes: The default branch of octo/app is `main`. (log 2026-06-01#14)\n');
    // The rest as it was: the prose and the other fact.
    expect(now).toContain('Written by the dream.');
    expect(now).toContain('- CI runs `npm test`.\n  - source: log 2026-06-02#3');
    expect(files.readVersion('topics/octo-app.md', done.version!)).toBe(TOPIC);
    expect(files.read(INDEX_FILE)).toContain('trunk');
    expect(written).toEqual([expect.objectContaining({ type: 'memory.edited', file: 'topics/octo-app.md', op: 'edit', index: 0, fact: 'The default branch of octo/app is `main`.', version: done.version })]);
  });

  it('deletes a fact; the last one gone removes the file (kept in history) and its index line', async () => {
    const { deps, files, home } = await setup();
    await editMemoryFact(deps, { topic: 'octo-app', index: 1, was: 'CI runs `npm test`.' });
    expect(files.read('topics/octo-app.md')).not.toContain('npm test');
    expect(files.read(INDEX_FILE)).not.toContain('npm test');
    await files.write('topics/solo.md', '# solo\n\n- only fact\n');
    await editMemoryFact(deps, { topic: 'solo', index: 0, was: 'only fact' });
    expect(fs.existsSync(path.join(home, 'memory/topics/solo.md'))).toBe(false);
    expect(files.versions('topics/solo.md')).toHaveLength(1);
    expect(files.read(INDEX_FILE)).not.toContain('solo');
  });

  it('refuses, writing nothing, when the fact changed since the page showed it, when a dream holds the lock, or for an empty text', async () => {
    const { deps, files, written, home } = await setup();
    expect(await codeOf(() => editMemoryFact(deps, { topic: 'octo-app', index: 0, was: 'The default branch is `develop`.', text: 'x' }))).toBe('VIGIL_ERR_MEMORY_CONFLICT');
    expect(await codeOf(() => editMemoryFact(deps, { topic: 'octo-app', index: 5, was: 'x', text: 'x' }))).toBe('VIGIL_ERR_MEMORY_CONFLICT');
    expect(await codeOf(() => editMemoryFact(deps, { topic: 'nope', index: 0, was: 'x', text: 'x' }))).toBe('VIGIL_ERR_MEMORY_FACT');
    expect(await codeOf(() => editMemoryFact(deps, { topic: '../secrets', index: 0, was: 'x', text: 'x' }))).toBe('VIGIL_ERR_MEMORY_FACT');
    expect(await codeOf(() => editMemoryFact(deps, { topic: 'octo-app', index: 0, was: 'The default branch of octo/app is `main`.', text: '   ' }))).toBe('VIGIL_ERR_MEMORY_FACT');
    const release = acquireDreamLock(dreamLockPath(home), { pid: process.pid, dreamId: 'd1', startedAt: T0 }, (fn) => deps.store.transaction(fn));
    try {
      expect(await codeOf(() => editMemoryFact(deps, { topic: 'octo-app', index: 0, was: 'The default branch of octo/app is `main`.', text: 'y' }))).toBe('VIGIL_ERR_DREAM_BUSY');
    } finally {
      release();
    }
    expect(files.read('topics/octo-app.md')).toBe(TOPIC);
    expect(files.versions('topics/octo-app.md')).toHaveLength(0);
    expect(written).toEqual([]);
  });
});
