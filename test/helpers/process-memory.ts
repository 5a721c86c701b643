/**
 * What a process holds, read from /proc (Linux): its environment, and whether a string is
 * anywhere in its memory. The tests that a daemon or a node never holds the GitHub token
 * while its worker writes with it (issues 14 and 19) use both.
 */
import fs from 'node:fs';

/** The process's environment, as the kernel shows it. */
export function environ(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
}

/**
 * Whether `needle` is anywhere in the process's writable or anonymous memory (its heap,
 * V8's heap, stacks, buffers), as bytes or as UTF-16. Linux, with the right to read
 * /proc/<pid>/mem (root, or a parent under ptrace_scope 1).
 */
export function memoryHolds(pid: number, needle: string): boolean {
  const forms = [Buffer.from(needle, 'latin1'), Buffer.from(needle, 'utf16le')];
  const overlap = forms[1]!.length;
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  try {
    for (const line of maps) {
      const [range, perms, , , , name = ''] = line.trim().split(/\s+/);
      if (!perms?.startsWith('r')) continue;
      // Code and data of files on disk (node, libc) cannot hold what the process read at run time, unless writable.
      if (name && !name.startsWith('[') && !perms.includes('w')) continue;
      if (['[vvar]', '[vsyscall]', '[vdso]', '[vvar_vclock]'].includes(name)) continue;
      const [start, end] = range!.split('-').map((h) => parseInt(h, 16)) as [number, number];
      for (let at = start; at < end; at += chunk.length - overlap) {
        const length = Math.min(chunk.length, end - at);
        let read: number;
        try {
          read = fs.readSync(fd, chunk, 0, length, at);
        } catch {
          break; // A mapping that went away or cannot be read.
        }
        const view = chunk.subarray(0, read);
        if (forms.some((form) => view.includes(form))) return true;
        if (read < length) break;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return false;
}

/** Reading another process's memory needs Linux and root (or a parent under ptrace_scope 1). */
export const canScan = process.platform === 'linux' && process.getuid?.() === 0;
