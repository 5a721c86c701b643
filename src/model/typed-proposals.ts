import { z } from 'zod';
import { ACTION_SCHEMAS, type ActionName } from '../policy/index.js';
import { DecisionInput, PROPOSALS_DESCRIPTION, ProposalInput } from './decision.js';

/**
 * The `decide` answer with typed proposals: one branch per catalog action, `action` a
 * constant and `params` that action's own zod schema from the policy's catalog. The
 * model is shown this union (decide-tool.ts) and a remote model's answer is checked
 * against it (remote.ts), so `github.label` with `number: "1"` is sent back in the
 * repair round instead of being denied at the gate.
 */

const { rationale } = ProposalInput.shape;

function branch<A extends ActionName>(action: A) {
  return z.object({ action: z.literal(action), params: ACTION_SCHEMAS[action], rationale }).strict();
}

type Branch = ReturnType<typeof branch<ActionName>>;
// The catalog's order, so the generated schema's bytes follow the catalog and nothing else.
const branches = (Object.keys(ACTION_SCHEMAS) as ActionName[]).map((action) => branch(action));

/** One branch per catalog action, chosen by `action`. */
export const CatalogProposal = z.discriminatedUnion('action', branches as [Branch, Branch, ...Branch[]]);

/** The names the union has a branch for. */
export function hasBranch(action: string): boolean {
  return CatalogProposal.optionsMap.has(action);
}

/**
 * A proposal as a remote model's answer must give it: the shape every provider shares,
 * and for a catalog action its branch of the union. An action outside the catalog has
 * no branch and is let through as today: the gate denies it, and the log keeps what the
 * model wanted. Each error names the action and the field.
 */
export const TypedProposal = ProposalInput.superRefine((proposal, ctx) => {
  if (!hasBranch(proposal.action)) return;
  const parsed = CatalogProposal.safeParse(proposal);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: issue.path, message: `${issue.message} (${proposal.action})` });
  }
});

/** What the model is shown: the `decide` input with the union as its proposals' items. */
export const DecideToolInput = DecisionInput.extend({
  proposals: z.array(CatalogProposal).default([]).describe(PROPOSALS_DESCRIPTION),
});

/** What a remote model's `decide` answer is checked against (remote.ts). */
export const DecideAnswer = DecisionInput.extend({
  proposals: z.array(TypedProposal).default([]).describe(PROPOSALS_DESCRIPTION),
});
