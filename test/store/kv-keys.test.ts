import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';

const opened: { store: Store; dir: string }[] = [];
afterEach(() => {
  for (const { store, dir } of opened.splice(0)) {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function memoryStore(): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-kv-'));
  const store = Store.open(path.join(dir, 'vigil.db'));
  opened.push({ store, dir });
  return store;
}

const stored = (store: Store, key: string) =>
  store.db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(key) as string | undefined;

describe('the key-value table: declared keys, typed values, the stored text as before', () => {
  it('keeps values as JSON text, so homes written by an older vigil read the same', () => {
    const store = memoryStore();
    store.kv.set('tick.last', { at: 1700000000000, outcome: 'skipped' });
    store.kv.set('notify.desktop.unavailable', 'no session');
    store.kv.set('agent.cancel.act_1', null);
    expect(stored(store, 'tick.last')).toBe('{"at":1700000000000,"outcome":"skipped"}');
    expect(stored(store, 'notify.desktop.unavailable')).toBe('"no session"');
    expect(stored(store, 'agent.cancel.act_1')).toBe('null');

    // A row written by an older vigil, straight into the table.
    store.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run('memory.search.log', '{"date":"2026-01-03","offset":512}');
    const mark = store.kv.get('memory.search.log');
    expect(mark).toEqual({ date: '2026-01-03', offset: 512 });
    expect(mark?.offset).toBe(512);
  });

  it('counts with increment, only on counter keys', () => {
    const store = memoryStore();
    expect(store.kv.increment('approvals.version')).toBe(1);
    expect(store.kv.increment('approvals.version')).toBe(2);
    expect(stored(store, 'approvals.version')).toBe('2');
  });

  it('does not compile a key nobody declared, nor a value of the wrong type', () => {
    const store = memoryStore();
    // @ts-expect-error: not a key of src/store/kv-keys.ts
    expect(store.kv.get('tick.lats')).toBeUndefined();
    // @ts-expect-error: tick.last holds { at, outcome }, not a number
    store.kv.set('tick.last', 5);
    // @ts-expect-error: dream.state is not a counter
    expect(() => store.kv.increment('dream.state')).not.toThrow();
  });
});
