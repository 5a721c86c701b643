import { z } from 'zod';
import type { KnownActionName } from '../action-names.js';
import { repoName } from '../config/index.js';

/**
 * Layer 1 of the permissions: the action catalog. An action that is not here, or
 * whose params fail its schema, is rejected before anything else looks at it.
 */

/** "owner/repo", never "." or "..": a pattern like `octo/*` must not match `octo/..`. */
const repo = repoName;

/** A GitHub login: letters, digits and single hyphens (a bot's `[bot]` suffix allowed), at most 39 characters before it. */
const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:\[bot\])?$/, 'a GitHub login');

export const ACTION_SCHEMAS = {
  notify: z
    .object({
      title: z.string().min(1).max(200),
      body: z.string().max(4000),
      urgency: z.enum(['low', 'normal', 'high']).optional(),
    })
    .strict(),
  'memory.note': z.object({ text: z.string().min(1).max(4000), topic: z.string().max(80).optional() }).strict(),
  remind: z
    .object({
      at: z.string().datetime({ offset: true }),
      note: z.string().min(1).max(2000),
    })
    .strict(),
  'github.comment': z.object({ repo, number: z.number().int().positive(), body: z.string().min(1).max(60000) }).strict(),
  'github.label': z
    .object({ repo, number: z.number().int().positive(), labels: z.array(z.string().min(1)).min(1).max(20) })
    .strict(),
  'github.create_issue': z.object({ repo, title: z.string().min(1).max(256), body: z.string().max(60000) }).strict(),
  'github.remove_label': z
    .object({ repo, number: z.number().int().positive(), labels: z.array(z.string().min(1)).min(1).max(20) })
    .strict(),
  'github.assign': z.object({ repo, number: z.number().int().positive(), assignees: z.array(login).min(1).max(10) }).strict(),
  'github.request_review': z
    .object({ repo, number: z.number().int().positive(), reviewers: z.array(login).min(1).max(15) })
    .strict(),
  'github.close': z
    .object({ repo, number: z.number().int().positive(), reason: z.enum(['completed', 'not_planned']).optional() })
    .strict(),
  'github.reopen': z.object({ repo, number: z.number().int().positive() }).strict(),
  'github.rerun_failed_jobs': z.object({ repo, runId: z.number().int().positive() }).strict(),
  'github.merge': z
    .object({
      repo,
      number: z.number().int().positive(),
      // The head the owner approves: GitHub refuses the merge if anyone pushed since.
      sha: z.string().regex(/^[0-9a-f]{40}$/, 'the full 40-hex head commit'),
      method: z.enum(['merge', 'squash', 'rebase']).optional(),
    })
    .strict(),
  'agent.task': z
    .object({ repo, instructions: z.string().min(1).max(20000), branch: z.string().optional() })
    .strict(),
} as const satisfies Record<KnownActionName, z.ZodTypeAny>;

export type ActionName = keyof typeof ACTION_SCHEMAS;
export type ActionParams<A extends ActionName> = z.infer<(typeof ACTION_SCHEMAS)[A]>;

/** Whether an action's effect leaves the machine: those ask by default. */
export const ACTION_EFFECT: Record<ActionName, 'local' | 'external'> = {
  notify: 'local',
  'memory.note': 'local',
  remind: 'local',
  'github.comment': 'external',
  'github.label': 'external',
  'github.create_issue': 'external',
  'github.remove_label': 'external',
  'github.assign': 'external',
  'github.request_review': 'external',
  'github.close': 'external',
  'github.reopen': 'external',
  'github.rerun_failed_jobs': 'external',
  'github.merge': 'external',
  'agent.task': 'external',
};

/** One line per action, for prompts and `--help`. */
export const ACTION_SUMMARY: Record<ActionName, string> = {
  notify: 'notify {title, body, urgency?: low|normal|high} — tell the owner something',
  'memory.note': 'memory.note {text, topic?} — remember a fact for later',
  remind: 'remind {at: ISO date-time, note} — wake up at a time with a note',
  'github.comment': 'github.comment {repo, number, body} — comment on an issue or pull request',
  'github.label': 'github.label {repo, number, labels[]} — add labels to an issue or pull request',
  'github.create_issue': 'github.create_issue {repo, title, body} — open an issue',
  'github.remove_label': 'github.remove_label {repo, number, labels[]} — remove labels from an issue or pull request',
  'github.assign': 'github.assign {repo, number, assignees[]} — assign people (logins) to an issue or pull request',
  'github.request_review': 'github.request_review {repo, number, reviewers[]} — ask people (logins) to review a pull request',
  'github.close': 'github.close {repo, number, reason?: completed|not_planned} — close an issue or pull request',
  'github.reopen': 'github.reopen {repo, number} — reopen a closed issue or pull request',
  'github.rerun_failed_jobs': 'github.rerun_failed_jobs {repo, runId} — re-run the failed jobs of a GitHub Actions workflow run',
  'github.merge': 'github.merge {repo, number, sha, method?: merge|squash|rebase} — merge a pull request whose head is sha (always asks unless a rule names github.merge)',
  'agent.task': 'agent.task {repo, instructions, branch?} — do work in a worktree, ending as a draft pull request',
};

/**
 * Actions no wildcard rule may allow: only a rule whose action is exactly this name does.
 * `github.*: allow` in auto mode must not turn into merging pull requests by itself.
 */
export const NAMED_RULE_ONLY: ReadonlySet<ActionName> = new Set<ActionName>(['github.merge']);

export function isActionName(name: string): name is ActionName {
  return Object.prototype.hasOwnProperty.call(ACTION_SCHEMAS, name);
}

export type CatalogCheck =
  | { ok: true; action: ActionName; params: Record<string, unknown> }
  | { ok: false; code: 'VIGIL_ERR_UNKNOWN_ACTION' | 'VIGIL_ERR_ACTION_PARAMS'; reason: string };

export function checkCatalog(action: string, params: unknown): CatalogCheck {
  if (!isActionName(action)) {
    return { ok: false, code: 'VIGIL_ERR_UNKNOWN_ACTION', reason: `"${action}" is not in the action catalog` };
  }
  const parsed = ACTION_SCHEMAS[action].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, code: 'VIGIL_ERR_ACTION_PARAMS', reason: `${action} params: ${where}${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, action, params: parsed.data as Record<string, unknown> };
}
