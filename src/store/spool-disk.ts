import fs from 'node:fs';

/**
 * The disk calls the durability promise rests on — "a 202 survives the machine losing
 * power" — behind one seam: a SIGKILL keeps written pages, so only counting these calls
 * shows that each acknowledged group was synced, and that its answer waited for it.
 */
export interface SpoolDisk {
  /** Write all of `bytes` at `position`. */
  write(fd: number, bytes: Buffer, position: number): void;
  fdatasync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void;
  fdatasyncSync(fd: number): void;
  /** fsync the spool's directory: a new segment's name is durable only then. */
  syncDir(dir: string, done: (err: NodeJS.ErrnoException | null) => void): void;
  syncDirSync(dir: string): void;
  /** Open a segment: `wx` creates one to append to (never reopened), `r` reads one. */
  open(file: string, flags: 'wx' | 'r'): number;
  /** Each fd the spool opened is closed once: a retired segment, a reader past the four kept, all at close(). */
  close(fd: number): void;
}

export const REAL_DISK: SpoolDisk = {
  write: writeAll,
  fdatasync: (fd, done) => fs.fdatasync(fd, done),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  syncDir: (dir, done) =>
    fs.open(dir, 'r', (err, fd) => {
      if (err) return done(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => done(syncErr)));
    }),
  syncDirSync,
  open: (file, flags) => fs.openSync(file, flags, 0o600),
  close: (fd) => fs.closeSync(fd),
};

function writeAll(fd: number, bytes: Buffer, position: number): void {
  let written = 0;
  while (written < bytes.length) {
    written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

/** A new file's name is durable only once its directory is synced. */
function syncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
