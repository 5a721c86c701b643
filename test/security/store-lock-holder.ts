import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../helpers/home.js';

export interface LockHolder {
  proc: ChildProcess;
  /** Resolves with the time (ms since the epoch) the lock was let go. */
  released: Promise<number>;
}

/**
 * A second process with its own SQLite connection: BEGIN IMMEDIATE (the write lock),
 * holds it `ms` — blocked in Atomics.wait, as a busy process would be — then COMMIT.
 * Resolves once the lock is held.
 */
export function holdWriteLock(db: string, ms: number, live: ChildProcess[]): Promise<LockHolder> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 5000');
    db.prepare('BEGIN IMMEDIATE').run();
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));
    db.prepare('COMMIT').run();
    process.stdout.write('released ' + Date.now() + '\\n');
    db.close();`;
  const proc = spawn(process.execPath, ['-e', script, db, String(ms)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  live.push(proc);
  let out = '';
  let onReleased: (at: number) => void = () => undefined;
  const released = new Promise<number>((resolve) => (onReleased = resolve));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) resolve({ proc, released });
      const at = /released (\d+)/.exec(out);
      if (at) onReleased(Number(at[1]));
    });
    proc.once('exit', (code) => {
      if (!out.includes('locked')) reject(new Error(`the lock holder exited with ${code}`));
    });
  });
}
