import { z } from 'zod';
import type { KnownActionName } from '../action-names.js';
import { repoName } from '../config/index.js';

/**
 * Layer 1 of the permissions: the action catalog. An action that is not here, or
 * whose params fail its schema, is rejected before anything else looks at it.
 */

/** "owner/repo", never "." or "..": a pattern like `octo/*` must not match `octo/..`. */
const repo = repoName;

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
  'agent.task': 'agent.task {repo, instructions, branch?} — do work in a worktree, ending as a draft pull request',
};

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
