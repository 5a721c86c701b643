/**
 * Fault injection for crash tests (after etcd's gofail): `VIGIL_FAILPOINTS` names a
 * point and a delay, e.g. `decide.delay=3000,exec.delay=3000`, so a test can kill -9 a
 * process while it is inside that step. `name=ms*n` delays only the first n passes: a
 * test that needs one window in a loop does not wait the same delay on every later turn.
 * Unset in normal use; read once.
 */
interface Point {
  ms: number;
  /** Passes still delayed (Infinity without `*n`). */
  left: number;
}

const points = parse(process.env.VIGIL_FAILPOINTS ?? '');

function parse(spec: string): Map<string, Point> {
  const map = new Map<string, Point>();
  for (const part of spec.split(',')) {
    const [name, value] = part.split('=');
    const [ms, times] = (value ?? '').split('*');
    const left = times === undefined ? Infinity : Number(times);
    if (name && ms && Number.isFinite(Number(ms)) && (left === Infinity || Number.isInteger(left))) map.set(name.trim(), { ms: Number(ms), left });
  }
  return map;
}

/**
 * The dream's points (issue 5) sit between its writes, so a crash test can kill it
 * after some topic files and before the index, or inside one atomic write.
 */
export type FailpointName =
  | 'decide.delay'
  | 'exec.delay'
  | 'exec.after_effect'
  | 'dream.delay'
  | 'dream.topic_written'
  | 'dream.before_index'
  | 'dream.before_commit'
  | 'memory.before_rename'
  /** A team's memory write (src/store/pg/memory.ts): a file's new version inserted, the transaction not committed. */
  | 'memory.pg_file_written'
  /** Webhook intake: a group's bodies are in the spool, its inbox rows not yet committed. */
  | 'intake.spooled'
  /** The missed-delivery sweep: one redelivery asked of GitHub and remembered, the next not yet asked. */
  | 'redelivery.after_request'
  /** An agent task: its branch pushed, its draft pull request not yet opened (src/agent/takeover.ts). */
  | 'agent.after_push';

/**
 * `exec.delay` waits before an action's effect; `exec.after_effect` after it and before
 * its result is recorded — the window the exactly-once markers exist for (issue 3).
 */
export async function failpoint(name: FailpointName): Promise<void> {
  const point = points.get(name);
  if (!point?.ms || point.left <= 0) return;
  point.left--;
  await new Promise((resolve) => setTimeout(resolve, point.ms));
}
