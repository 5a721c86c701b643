import type { SpoolDisk } from './spool-disk.js';

/** Read handles kept open; the CLI or the worker reads one or two segments at a time. */
const MAX_OPEN_READERS = 4;

/**
 * The spool's read handles, one per segment, the four most recently used kept open:
 * reading a delivery's body should not cost an open and a close, and a daemon that
 * ran for months should not hold a handle on every segment it ever read.
 */
export class SpoolReaders {
  private readonly open = new Map<number, number>();

  constructor(
    private readonly disk: SpoolDisk,
    private readonly pathOf: (segment: number) => string,
  ) {}

  /** The segment's read handle; undefined when the segment is gone. */
  get(segment: number): number | undefined {
    let fd = this.open.get(segment);
    if (fd !== undefined) {
      // Most recently used last, so the oldest handle is the one closed.
      this.open.delete(segment);
      this.open.set(segment, fd);
      return fd;
    }
    try {
      fd = this.disk.open(this.pathOf(segment), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    this.open.set(segment, fd);
    if (this.open.size > MAX_OPEN_READERS) this.close(this.open.keys().next().value!);
    return fd;
  }

  close(segment: number): void {
    const fd = this.open.get(segment);
    if (fd === undefined) return;
    this.open.delete(segment);
    this.disk.close(fd);
  }

  closeAll(): void {
    for (const segment of [...this.open.keys()]) this.close(segment);
  }
}
