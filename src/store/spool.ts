import fs from 'node:fs';
import path from 'node:path';
import { errorText, VigilError } from '../errors.js';
import { REAL_DISK, type SpoolDisk } from './spool-disk.js';
import { encodedSize, encodeInto, parseSpoolRef, readRecord, spoolRef, type ScannedRecord, type SpoolWrite } from './spool-record.js';
import { SpoolReaders } from './spool-readers.js';

export { REAL_DISK, type SpoolDisk } from './spool-disk.js';
export { parseSpoolRef, type ScannedRecord, type SpoolRecord, type SpoolWrite } from './spool-record.js';

/**
 * The delivery spool: webhook bodies, appended to segment files and made durable
 * (fdatasync) a batch at a time; the inbox row of a delivery holds only its place
 * here (`payload_ref`). An 11 KB body costs ~70 µs as an SQLite row (overflow pages
 * through the WAL) and 15–20 µs as an append, and the body is written once and read
 * once or twice in its life — so it does not belong in a B-tree. (The record's bytes:
 * spool-record.ts.) A crash mid-append leaves a torn record at the end of the newest segment; it was never acknowledged,
 * and a scan stops there. Each writer (one per daemon run) starts a new segment, so
 * appends never follow a torn tail.
 */

/** A new segment once the current one passes this size. */
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const SEGMENT_RE = /^(\d{6,})\.spool$/;

export interface SpoolOptions {
  segmentBytes?: number;
  /** fdatasync every append before it returns (default): an acknowledged delivery survives power loss. */
  sync?: boolean;
  /** The writes and data syncs (default: the real ones); a test counts and holds them. */
  disk?: SpoolDisk;
}

interface Writer {
  segment: number;
  fd: number;
  size: number;
  /** fdatasync calls running on this fd: it is closed only when none is. */
  syncing: number;
  retired: boolean;
}

export class Spool {
  private writer: Writer | undefined;
  private readonly readers: SpoolReaders;
  private readonly segmentBytes: number;
  private readonly sync: boolean;
  private readonly disk: SpoolDisk;

  constructor(
    readonly dir: string,
    options: SpoolOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.sync = options.sync ?? true;
    this.disk = options.disk ?? REAL_DISK;
    this.readers = new SpoolReaders(this.disk, (segment) => this.segmentPath(segment));
  }

  /**
   * Append the records in one write and make them durable; returns their refs in
   * order. Throws when the disk refuses: the caller must not acknowledge them.
   */
  append(records: readonly SpoolWrite[]): string[] {
    const refs = this.write(records);
    if (this.sync) this.syncOwedNow();
    return refs;
  }

  /**
   * Append the records in one write, not yet durable: `durable()` says when they are.
   * Lets a caller prepare the next batch while the disk syncs this one.
   */
  write(records: readonly SpoolWrite[]): string[] {
    if (records.length === 0) return [];
    const writer = this.writerFor();
    // One buffer for the batch, each record encoded in place: no copy to join them.
    const sizes = records.map(encodedSize);
    const bytes = Buffer.allocUnsafe(sizes.reduce((sum, size) => sum + size.total, 0));
    const refs: string[] = [];
    let at = 0;
    records.forEach((record, i) => {
      refs.push(spoolRef(writer.segment, writer.size + at));
      encodeInto(bytes, at, record, sizes[i]!);
      at += sizes[i]!.total;
    });
    const offset = writer.size + at;
    this.guard(writer, () => this.disk.write(writer.fd, bytes, writer.size));
    writer.size = offset;
    this.written++;
    this.owed.add(writer);
    return refs;
  }

  /**
   * Resolves once everything written before the call is on disk. Concurrent callers
   * share fdatasync calls (group commit): one sync covers every write before it began.
   */
  durable(): Promise<void> {
    if (!this.sync || this.synced >= this.written) return Promise.resolve();
    const target = this.written;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ target, resolve, reject });
      this.startSync();
    });
  }

  private written = 0;
  private synced = 0;
  private syncRunning = false;
  private waiting: { target: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Segments written since their last sync: the current one, and one just left behind. */
  private readonly owed = new Set<Writer>();
  /** A segment was created: its name is durable only once the directory is synced. */
  private dirOwed = false;

  /**
   * One round syncs every segment owed (and the directory after a new segment), on
   * the libuv pool: rotating to a new segment never blocks the caller's event loop.
   */
  private startSync(): void {
    if (this.syncRunning || this.waiting.length === 0) return;
    const covers = this.written;
    const targets = [...this.owed];
    const dir = this.dirOwed;
    this.owed.clear();
    this.dirOwed = false;
    this.syncRunning = true;
    let left = targets.length + (dir ? 1 : 0);
    let failure: Error | undefined;
    const done = (err: Error | null, what: string) => {
      if (err && !failure) failure = new VigilError('VIGIL_ERR_SPOOL', `${what}: ${err.message}`, { cause: err });
      if (--left > 0) return;
      this.syncRunning = false;
      const waiting = this.waiting;
      if (failure) {
        // After a failed fdatasync the kernel may have dropped the pages and a later
        // sync "succeed" over the hole: never append to that segment again.
        this.closeWriter();
        this.waiting = [];
        for (const w of waiting) w.reject(failure);
      } else {
        this.synced = Math.max(this.synced, covers);
        this.waiting = waiting.filter((w) => w.target > this.synced);
        for (const w of waiting) if (w.target <= this.synced) w.resolve();
      }
      this.startSync();
    };
    if (left === 0) {
      left = 1;
      done(null, this.dir);
      return;
    }
    for (const writer of targets) {
      writer.syncing++;
      this.disk.fdatasync(writer.fd, (err) => {
        writer.syncing--;
        this.closeIfDone(writer);
        done(err, this.segmentPath(writer.segment));
      });
    }
    if (dir) this.disk.syncDir(this.dir, (err) => done(err, this.dir));
  }

  /** Synchronously, what `append` and `close` need: every owed segment and the directory. */
  private syncOwedNow(): void {
    for (const writer of [...this.owed]) {
      this.guard(writer, () => this.disk.fdatasyncSync(writer.fd));
      this.owed.delete(writer);
      this.closeIfDone(writer);
    }
    if (this.dirOwed) this.disk.syncDirSync(this.dir);
    this.dirOwed = false;
    this.synced = this.written;
  }

  /** A retired segment's fd closes once nothing is owed on it and no sync uses it. */
  private closeIfDone(writer: Writer): void {
    if (writer.retired && writer.syncing === 0 && !this.owed.has(writer) && writer.fd >= 0) {
      this.disk.close(writer.fd);
      writer.fd = -1;
    }
  }

  /** A failed write or sync may leave a partial record at the end: never append after it. */
  private guard(writer: Writer, io: () => void): void {
    try {
      io();
    } catch (err) {
      this.closeWriter();
      throw new VigilError('VIGIL_ERR_SPOOL', `${this.segmentPath(writer.segment)}: ${errorText(err)}`, { cause: err });
    }
  }

  /** The payload text at `ref`. */
  read(ref: string): string {
    return this.readAt(ref).body;
  }

  readAt(ref: string): ScannedRecord {
    const { segment, offset } = parseSpoolRef(ref);
    const fd = this.readers.get(segment);
    const record = fd === undefined ? undefined : readRecord(fd, offset, fileSize(fd));
    if (!record || record === 'torn') {
      throw new VigilError('VIGIL_ERR_SPOOL', `${this.segmentPath(segment)}: no intact record at offset ${offset}`);
    }
    return { ...record.record, ref };
  }

  /**
   * Every intact record after the one at `afterRef` (from the first segment when
   * undefined), in append order. A segment's scan stops at a torn or corrupt record;
   * `torn` lists where, so the daemon can cut them off.
   */
  scanAfter(afterRef: string | undefined): { records: ScannedRecord[]; torn: { segment: number; validBytes: number }[] } {
    const records: ScannedRecord[] = [];
    const torn: { segment: number; validBytes: number }[] = [];
    let from = afterRef ? parseSpoolRef(afterRef) : undefined;
    for (const segment of this.segments()) {
      if (from && segment < from.segment) continue;
      const fd = this.readers.get(segment);
      if (fd === undefined) continue;
      const size = fileSize(fd);
      // The record at `afterRef` is the one already indexed: skip it, in its own segment
      // only — when that segment is gone, the next one's first record is new.
      let skipFirst = from !== undefined && segment === from.segment;
      let offset = skipFirst ? from!.offset : 0;
      from = undefined;
      while (offset < size) {
        const found = readRecord(fd, offset, size);
        if (found === undefined || found === 'torn') {
          torn.push({ segment, validBytes: offset });
          break;
        }
        if (skipFirst) skipFirst = false;
        else records.push({ ...found.record, ref: spoolRef(segment, offset) });
        offset = found.end;
      }
    }
    return { records, torn };
  }

  /** Cut a torn tail off (at daemon start, before any writer exists). */
  truncate(segment: number, validBytes: number): void {
    this.readers.close(segment);
    fs.truncateSync(this.segmentPath(segment), validBytes);
  }

  /** The segment new appends go to, if this handle has opened one: never removed. */
  writingSegment(): number | undefined {
    return this.writer?.segment;
  }

  /**
   * Delete a whole segment (retention, src/store/retention.ts): the caller has checked
   * that no inbox row points into it. Returns the bytes freed; the writer's segment is refused.
   */
  removeSegment(segment: number): number {
    if (this.writer?.segment === segment) throw new VigilError('VIGIL_ERR_SPOOL', `${this.segmentPath(segment)} is being written`);
    this.readers.close(segment);
    const file = this.segmentPath(segment);
    let bytes = 0;
    try {
      bytes = fs.statSync(file).size;
      fs.unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return bytes;
  }

  /** Segment numbers, ascending. */
  segments(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .map((name) => SEGMENT_RE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  close(): void {
    if (this.sync) {
      try {
        this.syncOwedNow();
      } catch {
        // Nothing waits on these writes any more: the next start scans what is there.
      }
    }
    const left = [...this.owed];
    this.owed.clear();
    this.closeWriter();
    for (const writer of left) this.closeIfDone(writer);
    this.readers.closeAll();
  }

  private writerFor(): Writer {
    if (this.writer && this.writer.size < this.segmentBytes) return this.writer;
    this.closeWriter();
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const segment = (this.segments().at(-1) ?? 0) + 1;
    // 'wx': a segment is only ever created, never reopened for appending.
    const fd = this.disk.open(this.segmentPath(segment), 'wx');
    if (this.sync) this.dirOwed = true;
    this.writer = { segment, fd, size: 0, syncing: 0, retired: false };
    return this.writer;
  }

  /** Leave the current segment; what it still owes is synced with the next round. */
  private closeWriter(): void {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    writer.retired = true;
    if (!this.sync) this.owed.delete(writer);
    this.closeIfDone(writer);
    this.readers.close(writer.segment);
  }

  private segmentPath(segment: number): string {
    return path.join(this.dir, `${String(segment).padStart(6, '0')}.spool`);
  }
}

function fileSize(fd: number): number {
  return fs.fstatSync(fd).size;
}
