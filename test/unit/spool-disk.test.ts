import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REAL_DISK, Spool, type SpoolDisk, type SpoolRecord } from '../../src/store/spool.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

/**
 * The spool's durability through its disk seam (SpoolDisk): a SIGKILL keeps written
 * pages, so only the calls themselves show that an append was synced before it
 * returned, that `durable()` waits for a sync that began after the write, and that a
 * segment a write or a sync failed on is never appended to again.
 */
const tempDir = useTempDir('vigil-spool-disk-');
const spools: Spool[] = [];
const disks: CountingDisk[] = [];
afterEach(() => {
  for (const spool of spools.splice(0)) spool.close();
  // Every fd a spool opened is closed by the time it is: none leaks, none is closed twice.
  for (const disk of disks.splice(0)) {
    expect(disk.openNow(), 'fds left open after close()').toEqual([]);
    expect(disk.doubleCloses).toBe(0);
  }
});

/** The real disk, each call recorded with its file; fdatasyncs can be held, and a write or a sync made to fail. */
class CountingDisk implements SpoolDisk {
  readonly calls: string[] = [];
  hold = false;
  failWrite: NodeJS.ErrnoException | undefined;
  failSync: NodeJS.ErrnoException | undefined;
  failSyncSync: NodeJS.ErrnoException | undefined;
  private readonly held: (() => void)[] = [];

  write(fd: number, bytes: Buffer, position: number): void {
    this.calls.push(`write ${segmentOf(fd)}@${position}`);
    const failure = this.failWrite;
    this.failWrite = undefined;
    if (failure) throw failure;
    REAL_DISK.write(fd, bytes, position);
  }
  fdatasync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.calls.push(`fdatasync ${segmentOf(fd)}`);
    const go = () => {
      const failure = this.failSync;
      this.failSync = undefined;
      if (failure) setImmediate(() => done(failure));
      else
        REAL_DISK.fdatasync(fd, (err) => {
          done(err);
          for (const wake of this.syncWaiters.splice(0)) wake();
        });
    };
    if (this.hold) this.held.push(go);
    else go();
  }
  fdatasyncSync(fd: number): void {
    this.calls.push(`fdatasyncSync ${segmentOf(fd)}`);
    const failure = this.failSyncSync;
    this.failSyncSync = undefined;
    if (failure) throw failure;
    REAL_DISK.fdatasyncSync(fd);
  }
  /** The directory's syncs wait here while set; `failDir` fails the next one. */
  holdDir = false;
  failDir: NodeJS.ErrnoException | undefined;
  private readonly heldDir: (() => void)[] = [];
  syncDir(dir: string, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.calls.push(`syncDir ${path.basename(dir)}`);
    const go = () => {
      const failure = this.failDir;
      this.failDir = undefined;
      if (failure) setImmediate(() => done(failure));
      else REAL_DISK.syncDir(dir, done);
    };
    if (this.holdDir) this.heldDir.push(go);
    else go();
  }
  releaseDir(): void {
    this.heldDir.shift()?.();
  }
  syncDirSync(dir: string): void {
    this.calls.push(`syncDirSync ${path.basename(dir)}`);
    REAL_DISK.syncDirSync(dir);
  }
  /** Each open, as `open 000001 wx`, and each close, as `close 000001`, in order. */
  readonly handles: string[] = [];
  doubleCloses = 0;
  private readonly fds = new Map<number, string>();
  /** The next open of this segment (its name, e.g. `000002`) for reading throws this. */
  failReadOpen: { segment: string; error: NodeJS.ErrnoException } | undefined;
  open(file: string, flags: 'wx' | 'r'): number {
    const failure = this.failReadOpen;
    if (failure && flags === 'r' && path.basename(file, '.spool') === failure.segment) {
      this.failReadOpen = undefined;
      throw failure.error;
    }
    const fd = REAL_DISK.open(file, flags);
    const segment = path.basename(file, '.spool');
    this.fds.set(fd, segment);
    this.handles.push(`open ${segment} ${flags}`);
    return fd;
  }
  close(fd: number): void {
    const segment = this.fds.get(fd);
    if (segment === undefined) this.doubleCloses++;
    this.fds.delete(fd);
    this.handles.push(`close ${segment ?? `fd${fd}`}`);
    REAL_DISK.close(fd);
  }
  /** The segments with an fd open now, in the order opened. */
  openNow(): string[] {
    return [...this.fds.values()];
  }
  private readonly syncWaiters: (() => void)[] = [];
  /** Resolves when the next real fdatasync has called back. */
  nextSyncDone(): Promise<void> {
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }
  releaseOne(): void {
    this.held.shift()?.();
  }
  get waiting(): number {
    return this.held.length;
  }
}

/** The segment file an fd is open on (its name without `.spool`), read back through /dev/fd. */
function segmentOf(fd: number): string {
  try {
    return path.basename(fs.readlinkSync(`/dev/fd/${fd}`), '.spool');
  } catch {
    // No /dev/fd links (macOS lists fds but not their targets): the fd number then.
    return `fd${fd}`;
  }
}

function record(n: number): SpoolRecord {
  return { deliveryId: `d-${n}`, event: 'issues', receivedAt: 1_700_000_000_000 + n, body: JSON.stringify({ n }) };
}

function open(options: { sync?: boolean; segmentBytes?: number } = {}): { spool: Spool; disk: CountingDisk; dir: string } {
  const disk = new CountingDisk();
  const dir = path.join(tempDir(), 'spool');
  const spool = new Spool(dir, { ...options, disk });
  spools.push(spool);
  disks.push(disk);
  return { spool, disk, dir };
}

/** Whether the promise has settled, after the callbacks already queued have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

const ENOSPC = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
const EIO = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });

describe('Spool.append: one write and one fdatasync before it returns', () => {
  it('syncs each append on its own segment, the batch in one write', () => {
    const { spool, disk } = open();
    spool.append([record(1), record(2)]);
    const [ref] = spool.append([record(3)]);
    // The segment is new with the first append: its name is made durable with it, once.
    expect(disk.calls).toEqual(['write 000001@0', 'fdatasyncSync 000001', 'syncDirSync spool', `write 000001@${ref!.split(':')[1]}`, 'fdatasyncSync 000001']);
  });

  it('appends nothing, and syncs nothing, for an empty batch', () => {
    const { spool, disk, dir } = open();
    expect(spool.append([])).toEqual([]);
    expect(disk.calls).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('with sync off, writes and never syncs: durable() resolves at once', async () => {
    const { spool, disk } = open({ sync: false });
    spool.append([record(1)]);
    spool.write([record(2)]);
    await spool.durable();
    spool.close();
    expect(disk.calls).toEqual(['write 000001@0', expect.stringMatching(/^write 000001@\d+$/)]);
  });

  it('close() syncs what write() left owed', () => {
    const { spool, disk } = open();
    spool.write([record(1)]);
    expect(disk.calls).toEqual(['write 000001@0']);
    spool.close();
    expect(disk.calls).toEqual(['write 000001@0', 'fdatasyncSync 000001', 'syncDirSync spool']);
  });
});

describe('Spool.durable: group commit over fdatasync', () => {
  it('waits for a sync that began after its write: a write during a running sync needs the next one', async () => {
    const { spool, disk } = open();
    disk.hold = true;
    spool.write([record(1)]);
    const first = spool.durable();
    expect(disk.calls).toEqual(['write 000001@0', 'fdatasync 000001', 'syncDir spool']);
    spool.write([record(2)]);
    const second = spool.durable();
    const alsoSecond = spool.durable();
    // One sync at a time: the second waits for the first to end.
    expect(disk.waiting).toBe(1);
    expect(await settled(first)).toBe(false);

    disk.releaseOne();
    await first;
    // The first sync began before record 2 was written: it does not cover it.
    expect(await settled(second)).toBe(false);
    expect(disk.calls.filter((c) => c.startsWith('fdatasync'))).toEqual(['fdatasync 000001', 'fdatasync 000001']);
    disk.releaseOne();
    await Promise.all([second, alsoSecond]);
    // Everything written is synced: no third call.
    await spool.durable();
    expect(disk.calls.filter((c) => c.startsWith('fdatasync'))).toHaveLength(2);
  });

  it('resolves at once, with no sync, when nothing was written since the last one', async () => {
    const { spool, disk } = open();
    await spool.durable();
    expect(disk.calls).toEqual([]);
    spool.append([record(1)]);
    await spool.durable();
    expect(disk.calls).toEqual(['write 000001@0', 'fdatasyncSync 000001', 'syncDirSync spool']);
  });

  it('a failed fdatasync rejects every waiter with VIGIL_ERR_SPOOL, and the segment is never appended to again', async () => {
    const { spool, disk, dir } = open();
    disk.hold = true;
    disk.failSync = EIO();
    spool.write([record(1)]);
    const first = spool.durable();
    const second = spool.durable();
    disk.releaseOne();
    for (const waiter of [first, second]) await expect(waiter).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL', message: expect.stringContaining('EIO') });
    // Its pages may be gone with a later sync "succeeding" over the hole: a new segment.
    disk.hold = false;
    const [ref] = spool.write([record(2)]);
    await spool.durable();
    expect(ref).toBe('2:0');
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.spool', '000002.spool']);
    expect(spool.read(ref!)).toBe(record(2).body);
  });

  it('a rotation syncs the segment left behind and the new one in one round', async () => {
    const { spool, disk } = open({ segmentBytes: 40 });
    disk.hold = true;
    spool.write([record(1)]);
    spool.write([record(2)]); // segment 1 passed 40 bytes: record 2 goes to segment 2
    const both = spool.durable();
    // One round: both segments and, for the new segment's name, the directory.
    expect(disk.calls).toEqual(['write 000001@0', 'write 000002@0', 'fdatasync 000001', 'fdatasync 000002', 'syncDir spool']);
    disk.releaseOne();
    expect(await settled(both)).toBe(false);
    disk.releaseOne();
    await both;
  });
});

describe("Spool.durable: a new segment's name is durable before the answer", () => {
  it('waits for the directory sync after a new segment, and syncs the directory once per segment', async () => {
    const { spool, disk } = open();
    disk.holdDir = true;
    spool.write([record(1)]);
    const synced = disk.nextSyncDone();
    const first = spool.durable();
    // The segment's bytes are synced; its name is not yet: a power loss could drop the file.
    await synced;
    expect(await settled(first)).toBe(false);
    disk.releaseDir();
    await first;
    spool.write([record(2)]);
    await spool.durable();
    expect(disk.calls).toEqual(['write 000001@0', 'fdatasync 000001', 'syncDir spool', expect.stringMatching(/^write 000001@\d+$/), 'fdatasync 000001']);
  });

  it('a failed directory sync rejects the waiters with VIGIL_ERR_SPOOL naming the directory', async () => {
    const { spool, disk, dir } = open();
    disk.failDir = EIO();
    spool.write([record(1)]);
    await expect(spool.durable()).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL', message: expect.stringContaining(`${dir}: EIO`) });
  });
});

describe('Spool: a failed write or sync is never answered, and never appended after', () => {
  it('a write the disk refuses throws VIGIL_ERR_SPOOL, and the next write starts a new segment', () => {
    const { spool, disk, dir } = open();
    spool.append([record(1)]);
    disk.failWrite = ENOSPC();
    const err = vigilErrorOf(() => spool.append([record(2)]), 'VIGIL_ERR_SPOOL');
    expect(err.message).toMatch(/000001\.spool: .*ENOSPC/);
    expect(spool.append([record(3)])).toEqual(['2:0']);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.spool', '000002.spool']);
    expect(spool.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual(['d-1', 'd-3']);
  });

  it('an fdatasync that throws during append throws VIGIL_ERR_SPOOL, and the next append starts a new segment', () => {
    const { spool, disk } = open();
    disk.failSyncSync = EIO();
    expect(vigilErrorOf(() => spool.append([record(1)]), 'VIGIL_ERR_SPOOL').message).toMatch(/000001\.spool: .*EIO/);
    expect(spool.append([record(2)])).toEqual(['2:0']);
  });

  it('close() after a failed sync leaves the files readable by the next handle', () => {
    const { spool, disk, dir } = open();
    spool.write([record(1)]);
    disk.failSyncSync = EIO();
    spool.close();
    const next = new Spool(dir);
    spools.push(next);
    expect(next.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual(['d-1']);
  });
});

describe('Spool: its file handles, through the seam', () => {
  it("a retired segment's fd closes once its last sync is done, never while one runs on it", async () => {
    const { spool, disk } = open({ segmentBytes: 40 });
    disk.hold = true;
    spool.write([record(1)]);
    const first = spool.durable();
    // Segment 1 is left while its sync runs: its fd stays open for that sync.
    spool.write([record(2)]);
    expect(disk.openNow()).toEqual(['000001', '000002']);
    disk.releaseOne();
    await first;
    // Its sync is done and it owes nothing more (record 2 went to segment 2): closed, once.
    expect(disk.openNow()).toEqual(['000002']);
    expect(disk.handles).toEqual(['open 000001 wx', 'open 000002 wx', 'close 000001']);
    disk.hold = false;
    await spool.durable();
    // The writer's own fd stays open after its sync: it is still appended to.
    expect(disk.openNow()).toEqual(['000002']);
    spool.append([record(3)]);
    expect(disk.handles.slice(3)).toEqual(['close 000002', 'open 000003 wx']);
  });

  it('a segment left with writes not yet synced keeps its fd until the round that syncs them', async () => {
    const { spool, disk } = open({ segmentBytes: 40 });
    disk.hold = true;
    spool.write([record(1)]);
    spool.write([record(2)]); // rotates: segment 1 is retired, owing record 1
    expect(disk.openNow()).toEqual(['000001', '000002']);
    const both = spool.durable();
    disk.releaseOne();
    disk.releaseOne();
    await both;
    expect(disk.openNow()).toEqual(['000002']);
  });

  it('a segment left behind keeps no handle: its reader closes with its writer', () => {
    const { spool, disk } = open({ segmentBytes: 40 });
    const [ref] = spool.append([record(1)]);
    expect(spool.read(ref!)).toBe(record(1).body);
    expect(disk.openNow()).toEqual(['000001', '000001']);
    spool.append([record(2)]);
    expect(disk.openNow()).toEqual(['000002']);
  });

  it('keeps four readers open, closing the least recently used', () => {
    const { spool, disk } = open({ segmentBytes: 1 });
    const refs = [1, 2, 3, 4, 5, 6].map((n) => spool.append([record(n)])[0]!);
    const reads = () => disk.handles.filter((h) => h.endsWith(' r'));
    for (const ref of refs.slice(0, 4)) spool.read(ref);
    expect(reads()).toEqual(['open 000001 r', 'open 000002 r', 'open 000003 r', 'open 000004 r']);
    // Segment 1 read again (no new open) is the most recent now: a fifth reader closes segment 2.
    expect(spool.read(refs[0]!)).toBe(record(1).body);
    spool.read(refs[4]!);
    expect(reads()).toHaveLength(5);
    expect(disk.handles.at(-1)).toBe('close 000002');
    spool.read(refs[0]!);
    expect(reads()).toHaveLength(5);
    spool.read(refs[1]!);
    expect(reads().at(-1)).toBe('open 000002 r');
    expect(disk.handles.at(-1)).toBe('close 000003');
    // Four readers and the writer's own fd.
    expect(disk.openNow().filter((s) => s !== '000006')).toHaveLength(4);
  });

  it('close() releases every reader and the writer; truncate and removeSegment release theirs first', () => {
    const { spool, disk, dir } = open({ segmentBytes: 1 });
    const refs = [1, 2, 3].map((n) => spool.append([record(n)])[0]!);
    for (const ref of refs) spool.read(ref);
    spool.removeSegment(1);
    expect(disk.handles.at(-1)).toBe('close 000001');
    spool.truncate(2, 0);
    expect(disk.handles.at(-1)).toBe('close 000002');
    expect(fs.statSync(path.join(dir, '000002.spool')).size).toBe(0);
    spool.close();
    expect(disk.openNow()).toEqual([]);
  });
});

describe('REAL_DISK: the real calls behind the seam', () => {
  it("syncs a directory, and passes on the error of one it cannot open", async () => {
    const dir = tempDir();
    const sync = (d: string) => new Promise<NodeJS.ErrnoException | null>((resolve) => REAL_DISK.syncDir(d, resolve));
    expect(await sync(dir)).toBeNull();
    expect(await sync(path.join(dir, 'missing'))).toMatchObject({ code: 'ENOENT' });
    expect(() => REAL_DISK.syncDirSync(path.join(dir, 'missing'))).toThrow(/ENOENT/);
    REAL_DISK.syncDirSync(dir);
  });

  it('writes all the bytes at the position, and opens a segment only once to create it', () => {
    const file = path.join(tempDir(), '000001.spool');
    const fd = REAL_DISK.open(file, 'wx');
    REAL_DISK.write(fd, Buffer.from('hello world'), 0);
    REAL_DISK.write(fd, Buffer.from('WORLD'), 6);
    REAL_DISK.close(fd);
    expect(fs.readFileSync(file, 'utf8')).toBe('hello WORLD');
    expect(() => REAL_DISK.open(file, 'wx')).toThrow(/EEXIST/);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });
});

describe('Spool: segments listed, removed and read at their edges', () => {
  it('lists ten and more segments in numeric order, and scans them so', () => {
    const { spool } = open({ segmentBytes: 1 });
    for (let n = 1; n <= 11; n++) spool.append([record(n)]);
    expect(spool.segments()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(spool.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => `d-${n}`));
  });

  it('a segment already gone is removed as 0 bytes; reading into it is VIGIL_ERR_SPOOL', () => {
    const { spool, dir } = open({ segmentBytes: 1 });
    const [ref] = spool.append([record(1)]);
    spool.append([record(2)]);
    fs.unlinkSync(path.join(dir, '000001.spool'));
    expect(spool.removeSegment(1)).toBe(0);
    // Any other failure to remove one is not swallowed.
    fs.mkdirSync(path.join(dir, '000009.spool'));
    expect(() => spool.removeSegment(9)).toThrow();
    expect(vigilErrorOf(() => spool.read(ref!), 'VIGIL_ERR_SPOOL').message).toContain('no intact record at offset 0');
  });

  it('scans from the record after a ref, and from the next segment\'s first when the ref\'s segment is gone', () => {
    const { spool } = open({ segmentBytes: 1 });
    const refs = [1, 2, 3].map((n) => spool.append([record(n)])[0]!);
    const ids = (after: string | undefined) => spool.scanAfter(after).records.map((r) => r.deliveryId);
    expect(ids(refs[0])).toEqual(['d-2', 'd-3']);
    expect(ids(refs[2])).toEqual([]);
    spool.removeSegment(2);
    // The delivery in segment 3 was never indexed: skipping it would lose it.
    expect(ids(refs[1])).toEqual(['d-3']);
  });

  it('passes over a segment gone between the listing and its open; any other failure to open one is thrown', () => {
    const { spool, disk } = open({ segmentBytes: 1 });
    const refs = [1, 2, 3].map((n) => spool.append([record(n)])[0]!);
    spool.close();
    disk.failReadOpen = { segment: '000002', error: Object.assign(new Error('ENOENT: no such file or directory, open'), { code: 'ENOENT' }) };
    expect(spool.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual(['d-1', 'd-3']);
    spool.close(); // its readers too: the next read opens segment 1 again
    disk.failReadOpen = { segment: '000001', error: Object.assign(new Error('EMFILE: too many open files, open'), { code: 'EMFILE' }) };
    expect(() => spool.read(refs[0]!)).toThrow(/EMFILE/);
    expect(spool.read(refs[0]!)).toBe(record(1).body);
  });

  it('lists segments by number, not by name, and no spool folder as none; another listing error is thrown', () => {
    const { spool, dir } = open();
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['1000001', '999999', '9999999', '1000000']) fs.writeFileSync(path.join(dir, `${name}.spool`), '');
    fs.writeFileSync(path.join(dir, 'notes.txt'), '');
    expect(spool.segments()).toEqual([999999, 1000000, 1000001, 9999999]);
    fs.rmSync(dir, { recursive: true });
    expect(spool.segments()).toEqual([]);
    fs.writeFileSync(dir, 'a file where the folder was');
    expect(() => spool.segments()).toThrow(/ENOTDIR/);
  });

  it('with sync off, a segment left behind closes its fd at once', () => {
    const { spool, disk } = open({ sync: false, segmentBytes: 1 });
    spool.append([record(1)]);
    spool.append([record(2)]);
    expect(disk.openNow()).toEqual(['000002']);
  });

  it('a segment exactly segmentBytes long is full: the next append starts a new one', () => {
    const probe = open();
    probe.spool.append([record(1)]);
    const size = fs.statSync(path.join(probe.dir, '000001.spool')).size;
    const { spool } = open({ segmentBytes: size });
    spool.append([record(1)]);
    expect(spool.append([record(2)])).toEqual(['2:0']);
  });

  it('durable() after a failed round, with nothing written since, resolves without a sync', async () => {
    const { spool, disk } = open();
    disk.failSync = EIO();
    spool.write([record(1)]);
    await expect(spool.durable()).rejects.toMatchObject({ code: 'VIGIL_ERR_SPOOL' });
    const syncs = disk.calls.filter((c) => c.startsWith('fdatasync')).length;
    await spool.durable();
    expect(disk.calls.filter((c) => c.startsWith('fdatasync'))).toHaveLength(syncs);
  });
});
