/**
 * A task claimed again after the worker running it died (a team's node, issue 19): the
 * earlier run may have pushed its branch before it died, and running the agent again
 * would replace that work and fight its branch. So a run that may follow another looks
 * at the remote first (`git ls-remote`): when `vigil/<action id>` is there, the agent is
 * not run again — the draft pull request is opened from that branch, or the one the
 * earlier run opened is found by its marker (openDraftPullOnce).
 *
 * The mark (the action's `effect_mark` on a team) is written before the push, and only
 * while the worker still holds the action: a worker that lost its lease cannot push over
 * the one that holds it now; and the mark carries what the pull request's body says (the
 * summary, the files), which the remote branch alone does not.
 */

/** What a run writes before its push. */
export interface PushMark {
  commit: string;
  files: string[];
  summary: string;
}

export interface TaskTakeover {
  /** Whether another run of this action may have come first (its claim is not the first). */
  earlier: boolean;
  /** The mark an earlier run left, or undefined. */
  read(): Promise<unknown>;
  /** Written before the push; throws when this worker no longer holds the action (then nothing is pushed). */
  write(mark: PushMark): Promise<void>;
}

/** The mark as an earlier run wrote it, or undefined for anything else (another effect's mark, none). */
export function pushMarkOf(value: unknown): PushMark | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.commit !== 'string' || typeof m.summary !== 'string' || !Array.isArray(m.files)) return undefined;
  if (!m.files.every((f) => typeof f === 'string')) return undefined;
  return { commit: m.commit, files: m.files as string[], summary: m.summary };
}
