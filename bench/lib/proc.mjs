// Linux /proc readers for process-tree RSS and CPU time. Nothing else is portable
// enough to give per-tree figures without extra dependencies, so the benches are
// Linux-only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for the utime/stime fields; 100 on nearly every Linux. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and ')',
 * so the numeric fields are taken from after the *last* ')'.
 */
function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between listing and reading
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state); field N is f[N - 3].
  return {
    pid,
    state: f[0],
    ppid: Number(f[1]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    cutime: Number(f[13]),
    cstime: Number(f[14]),
  };
}

/** Every live process as pid → stat. */
function allStats() {
  const stats = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) stats.set(s.pid, s);
  }
  return stats;
}

/**
 * The root and all its live descendants. Found by scanning every ppid, because
 * /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN, which is often off.
 */
export function processTree(rootPid) {
  const stats = allStats();
  const kids = new Map();
  for (const s of stats.values()) {
    if (!kids.has(s.ppid)) kids.set(s.ppid, []);
    kids.get(s.ppid).push(s);
  }
  const root = stats.get(rootPid);
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(kids.get(tree[i].pid) ?? []));
  return tree;
}

function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0; // zombies have no VmRSS
  } catch {
    return 0;
  }
}

/**
 * One snapshot of a tree: RSS summed over its processes, and CPU ticks consumed so
 * far. Ticks include cutime/cstime, so a child that ran and was reaped between two
 * snapshots still counts (its time moves into its parent's c-fields when waited for).
 * Descendants that daemonise away from the tree are not seen; vigil does not do that.
 */
export function snapshot(rootPid) {
  const tree = processTree(rootPid);
  let rss = 0;
  let ticks = 0;
  for (const p of tree) {
    rss += rssKiB(p.pid);
    ticks += p.utime + p.stime + p.cutime + p.cstime;
  }
  return { at: performance.now(), rssKiB: rss, ticks, pids: tree.map((p) => p.pid) };
}
