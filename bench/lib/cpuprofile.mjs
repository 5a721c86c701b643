// Summarise a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function
// and self time per package, optionally restricted to a window of the monotonic clock
// (V8's profile timestamps and process.hrtime are both CLOCK_MONOTONIC on Linux, so a
// window measured in another process lines up).
//
//   node bench/lib/cpuprofile.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Short, stable name for where a function lives: package, vigil's dist path, or node internals. */
export function locationOf(url) {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = path.indexOf('/dist/');
  if (dist >= 0) return `vigil:${path.slice(dist + 6)}`;
  if (path.startsWith('node:')) return path;
  return path.split('/').slice(-2).join('/');
}

function keyOf(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name; // (program), (garbage collector), (idle), native
  const file = frame.url.replace(/^file:\/\//, '').split('/').slice(-1)[0];
  return `${name} ${locationOf(frame.url)}${locationOf(frame.url).endsWith(file) ? '' : `/${file}`}:${frame.lineNumber + 1}`;
}

/**
 * @param profile parsed .cpuprofile
 * @param window optional { fromUs, toUs } on the monotonic clock (µs)
 */
export function summariseProfile(profile, window) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map(); // key → µs
  const incl = new Map(); // key → µs
  const pkgSelf = new Map();
  let total = 0;
  let t = profile.startTime;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    // A sample stands for the time until the next one.
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    if (dt <= 0) continue;
    total += dt;
    const node = byId.get(samples[i]);
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const pkg = node.callFrame.url ? locationOf(node.callFrame.url) : node.callFrame.functionName || '(native)';
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + dt);
    }
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([key, us]) => ({ key, ms: us / 1000, pct: (us / total) * 100 }));
  return {
    totalMs: total / 1000,
    profileStartUs: profile.startTime,
    profileEndUs: profile.endTime,
    self: sorted(self),
    inclusive: sorted(incl).filter((e) => e.key !== '(root)'),
    packages: sorted(pkgSelf),
  };
}

export function printSummary(s, top = 25) {
  const line = (e) => `  ${e.pct.toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(7)} ms  ${e.key}`;
  console.log(`profile: ${s.totalMs.toFixed(0)} ms of samples`);
  console.log(`\ntop ${top} self time (function):`);
  for (const e of s.self.slice(0, top)) console.log(line(e));
  console.log(`\nself time by package / file:`);
  for (const e of s.packages.slice(0, 15)) console.log(line(e));
  console.log(`\ntop ${top} inclusive time (function and everything it called):`);
  for (const e of s.inclusive.slice(0, top)) console.log(line(e));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const i = process.argv.indexOf('--top');
  if (!file) {
    console.error('usage: node bench/lib/cpuprofile.mjs FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  printSummary(summariseProfile(JSON.parse(readFileSync(file, 'utf8'))), i > 0 ? Number(process.argv[i + 1]) : 25);
}
