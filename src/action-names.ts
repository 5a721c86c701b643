/**
 * The names of the action catalog (src/policy/catalog.ts), in the kernel so that the
 * config can check a rule's action without reaching up to the policy room. The catalog
 * is typed to have exactly these keys (test/unit/rule-names.test.ts checks both ways).
 */
export const ACTION_NAMES = [
  'notify',
  'memory.note',
  'remind',
  'github.comment',
  'github.label',
  'github.create_issue',
  'github.remove_label',
  'github.assign',
  'github.request_review',
  'github.close',
  'github.reopen',
  'github.rerun_failed_jobs',
  'github.merge',
  'agent.task',
] as const;

export type KnownActionName = (typeof ACTION_NAMES)[number];
