import fs from 'node:fs';
import path from 'node:path';
import { useTempDir as tempDirs } from '../helpers/temp-dirs.js';
import { nodeMemoryFs, type MemoryFs } from '../../src/memory/index.js';

/** A fresh temp dir per call, removed after each test. */
export const useTempDirs = (prefix = 'vigil-memory-'): (() => string) => tempDirs(prefix);

/** Every file under `dir` (hidden ones included) with its content, as relative paths. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out[r] = fs.readFileSync(path.join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

/**
 * The real filesystem, except that the `failOnWrite`-th write call (1-based) writes
 * half of what it was given and then throws, like a disk that filled up or a process
 * that died mid-write. Every other call goes to node:fs unchanged.
 */
export class FailingFs implements MemoryFs {
  writes = 0;
  constructor(private readonly failOnWrite: number) {}
  read = nodeMemoryFs.read;
  openNew = nodeMemoryFs.openNew;
  write(fd: number, data: Buffer, offset: number): number {
    this.writes++;
    if (this.writes === this.failOnWrite) {
      const half = Math.max(1, Math.floor((data.length - offset) / 2));
      fs.writeSync(fd, data, offset, half);
      throw Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
    }
    return nodeMemoryFs.write(fd, data, offset);
  }
  fsync = nodeMemoryFs.fsync;
  close = nodeMemoryFs.close;
  rename = nodeMemoryFs.rename;
  unlink = nodeMemoryFs.unlink;
  mkdirp = nodeMemoryFs.mkdirp;
  rmdir = nodeMemoryFs.rmdir;
  fsyncDir = nodeMemoryFs.fsyncDir;
  list = nodeMemoryFs.list;
  lstat = nodeMemoryFs.lstat;
  realpath = nodeMemoryFs.realpath;
}
