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

/** VmRSS and its private part RssAnon (heap, stacks); the rest is mostly pages of the node binary and libraries. */
export function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const total = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    const anon = /^RssAnon:\s+(\d+)\s+kB/m.exec(status);
    return { total: total ? Number(total[1]) : 0, anon: anon ? Number(anon[1]) : 0 }; // zombies have neither
  } catch {
    return { total: 0, anon: 0 };
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
  let anon = 0;
  let ticks = 0;
  for (const p of tree) {
    const r = rssKiB(p.pid);
    rss += r.total;
    anon += r.anon;
    ticks += p.utime + p.stime + p.cutime + p.cstime;
  }
  return { at: performance.now(), rssKiB: rss, anonKiB: anon, ticks, pids: tree.map((p) => p.pid) };
}

/**
 * Whole-machine CPU from /proc/stat, ticks summed over all cores: `busy` is what
 * processes ran (user, nice, system), `irq` the interrupt and softirq time (loopback
 * networking lands here, charged to no process), `steal` what the hypervisor took.
 */
export function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]; // "cpu  user nice system idle iowait irq softirq steal …"
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { at: performance.now(), busy: user + nice + system, irq: irq + softirq, steal, idle: idle + iowait };
}

/** CPU ticks (utime + stime) of every live process, pid → { ticks, name }. */
export function ticksByProcess() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    out.set(Number(name), { ticks: Number(f[11]) + Number(f[12]), name: comm });
  }
  return out;
}

/** A short description of a process: its command line, trimmed. */
export function describeProcess(pid) {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return args.map((a) => a.replace(/^.*\/node_modules\//, '…/').replace(/^\/work\/main\//, '')).join(' ').slice(0, 80);
  } catch {
    return '';
  }
}

/**
 * The processes, outside `exclude`, that used the most CPU between two
 * `ticksByProcess()` readings (processes born in between count from zero).
 */
export function topOthers(before, after, exclude, n = 3) {
  const rows = [];
  for (const [pid, a] of after) {
    if (exclude.has(pid)) continue;
    const d = a.ticks - (before.get(pid)?.ticks ?? 0);
    if (d > 0) rows.push({ pid, ticks: d, name: a.name });
  }
  return rows.sort((x, y) => y.ticks - x.ticks).slice(0, n).map((r) => ({ ...r, cpuS: r.ticks / CLK_TCK, cmd: describeProcess(r.pid) || r.name }));
}

/** CPU ticks per thread of one process: tid → { name, ticks } (main thread: tid = pid). */
export function threadTicks(pid) {
  const out = new Map();
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the thread ended between listing and reading
    }
  }
  return out;
}

/** Busiest threads of a process over a window, as % of one core, main thread first. */
export function threadCpu(pid, before, after, seconds) {
  const rows = [];
  for (const [tid, a] of after) {
    const b = before.get(tid);
    const pct = ((a.ticks - (b?.ticks ?? 0)) / CLK_TCK / seconds) * 100;
    rows.push({ tid, name: a.name, main: tid === pid, pct });
  }
  return rows.sort((x, y) => Number(y.main) - Number(x.main) || y.pct - x.pct);
}
