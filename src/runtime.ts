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
