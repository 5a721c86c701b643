import fs from 'node:fs';

/**
 * The filesystem as memory sees it (docs/architecture.md, conventions: "the memory filesystem" sits behind a
 * small interface). Only the calls the write discipline needs, at the level where a
 * crash can strike: a test injects a layer that fails a write halfway through.
 */
export interface MemoryFs {
  /** The file's bytes, or undefined when it does not exist. */
  read(file: string): Buffer | undefined;
  /** Create a new file exclusively; fails if it exists. */
  openNew(file: string): number;
  /** Write some of `data` at the file position; returns how many bytes went out. */
  write(fd: number, data: Buffer, offset: number): number;
  fsync(fd: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
  mkdirp(dir: string): void;
  /** Remove an empty directory. */
  rmdir(dir: string): void;
  /** Make a rename durable: fsync the directory that holds it (a no-op where unsupported). */
  fsyncDir(dir: string): void;
  list(dir: string): fs.Dirent[];
  lstat(file: string): fs.Stats | undefined;
  realpath(file: string): string;
}

function missing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export const nodeMemoryFs: MemoryFs = {
  read(file) {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  openNew: (file) => fs.openSync(file, 'wx', 0o600),
  write: (fd, data, offset) => fs.writeSync(fd, data, offset, data.length - offset),
  fsync: (fd) => fs.fsyncSync(fd),
  close: (fd) => fs.closeSync(fd),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (file) => fs.rmSync(file, { force: true }),
  mkdirp: (dir) => void fs.mkdirSync(dir, { recursive: true, mode: 0o700 }),
  rmdir: (dir) => fs.rmdirSync(dir),
  fsyncDir(dir) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch {
      // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  list(dir) {
    try {
      return fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
  },
  lstat(file) {
    try {
      return fs.lstatSync(file);
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  },
  realpath: (file) => fs.realpathSync(file),
};
