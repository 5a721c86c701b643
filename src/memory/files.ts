import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { nodeMemoryFs, type MemoryFs } from './fs.js';
import { HISTORY_DIR } from './names.js';

/** Older versions than this many per file are dropped. */
const KEEP_VERSIONS = 50;
const VERSION_NAME = /^\d{8}T\d{9}Z(-\d+)?$/;

export interface FileVersion {
  version: string;
  /** When it was replaced (ms since the epoch). */
  replacedAt: number;
  bytes: number;
}

/**
 * The memory folder's files, written only through here: every write is atomic and the
 * version it replaces is kept first, so `vigil memory history` can show and restore it.
 * Paths are relative to the memory folder and already checked (see resolveMemoryPath).
 */
export class MemoryFiles {
  constructor(
    readonly root: string,
    readonly fsx: MemoryFs = nodeMemoryFs,
    private readonly clock: Clock = systemClock,
  ) {}

  abs(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  read(rel: string): string | undefined {
    return this.fsx.read(this.abs(rel))?.toString('utf8');
  }

  /** Write `content`; false when the file already held exactly that. */
  async write(rel: string, content: string): Promise<boolean> {
    const previous = this.read(rel);
    if (previous === content) return false;
    if (previous !== undefined) await this.keepVersion(rel, previous);
    await writeFileAtomic(this.fsx, this.abs(rel), content);
    return true;
  }

  /** Delete a file, keeping its last version; false when there was none. */
  async remove(rel: string): Promise<boolean> {
    const previous = this.read(rel);
    if (previous === undefined) return false;
    await this.keepVersion(rel, previous);
    this.fsx.unlink(this.abs(rel));
    this.fsx.fsyncDir(path.dirname(this.abs(rel)));
    return true;
  }

  /** Versions of one file, newest first. */
  versions(rel: string): FileVersion[] {
    const dir = this.historyDir(rel);
    return this.fsx
      .list(dir)
      .filter((e) => e.isFile() && VERSION_NAME.test(e.name))
      .map((e) => ({
        version: e.name,
        replacedAt: parseVersion(e.name),
        bytes: this.fsx.lstat(path.join(dir, e.name))?.size ?? 0,
      }))
      .sort((a, b) => b.version.localeCompare(a.version));
  }

  /** Every file that has versions, as memory-relative paths. */
  filesWithHistory(): string[] {
    const found: string[] = [];
    const walk = (dir: string, rel: string[]) => {
      const entries = this.fsx.list(dir);
      if (entries.some((e) => e.isFile() && VERSION_NAME.test(e.name))) found.push(rel.join('/'));
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), [...rel, e.name]);
    };
    walk(path.join(this.root, HISTORY_DIR), []);
    return found.filter(Boolean).sort();
  }

  readVersion(rel: string, version: string): string {
    const content = VERSION_NAME.test(version) ? this.fsx.read(path.join(this.historyDir(rel), version)) : undefined;
    if (content === undefined) throw new VigilError('VIGIL_ERR_MEMORY_VERSION', `${rel} has no version ${version}`);
    return content.toString('utf8');
  }

  /** Put an old version back; what it replaces becomes a version itself, so a restore can be undone. */
  async restore(rel: string, version: string): Promise<void> {
    await this.write(rel, this.readVersion(rel, version));
  }

  private historyDir(rel: string): string {
    return path.join(this.root, HISTORY_DIR, ...rel.split('/'));
  }

  private async keepVersion(rel: string, content: string): Promise<void> {
    const dir = this.historyDir(rel);
    const stamp = new Date(this.clock.now()).toISOString().replace(/[-:.]/g, '');
    const taken = new Set(this.fsx.list(dir).map((e) => e.name));
    let name = stamp;
    for (let n = 2; taken.has(name); n++) name = `${stamp}-${n}`;
    await writeFileAtomic(this.fsx, path.join(dir, name), content);
    const old = this.versions(rel).slice(KEEP_VERSIONS);
    for (const v of old) this.fsx.unlink(path.join(dir, v.version));
  }
}

function parseVersion(name: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(name);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) : 0;
}
