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
  'agent.task',
] as const;

export type KnownActionName = (typeof ACTION_NAMES)[number];
