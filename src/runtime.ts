import v8 from 'node:v8';

/**
 * The Node.js lines vigil runs on. better-sqlite3 13 (Node-API) needs 22 and crashes
 * Node 20 with a segmentation fault on the first open; better-sqlite3 12, which ran on
 * 20, aborts Node 24 in a Statement finalizer (issue 24). So 22 is the floor, and every
 * command that touches the store refuses to start below it instead of crashing.
 */
export const MIN_NODE_MAJOR = 22;

/** The fix a person on an older Node reads, in doctor and in the refusal. */
export const NODE_FIX = `install Node.js 22 or 24 (LTS) and run vigil with it (a service: vigil install again, it records that node's path)`;

/** undefined when `version` (e.g. process.versions.node, "24.21.0") is supported; else why not. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return `Node.js v${version.replace(/^v/, '')} is too old: vigil needs ${MIN_NODE_MAJOR} or newer`;
}

/**
 * A daemon's young generation capped at 1 MB a semi-space. V8 lets it grow to 16–32 MB
 * under a burst of allocation and an idle process keeps those pages: up to ~15 MB of
 * a daemon's idle RSS (issue 18). Most of what a delivery or a decision allocates dies
 * young either way; scavenging 1 MB takes well under a millisecond. Set before the
 * daemon's modules load (src/cli/young-generation.ts), through V8's own flag.
 */
export function capYoungGeneration(): void {
  // Once the heap is set up, V8 keeps the maximum it started with: what holds the young
  // generation at its initial 1 MB is a growth factor of 1 — in 21 bursts of 24; V8 grew
  // the other 3 to 5–9 MB, against 32–110 MB uncapped (test/runtime/young-generation.test.ts).
  v8.setFlagsFromString('--max-semi-space-size=1');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
