import type { z } from 'zod';

/**
 * A read-only tool a decision may call before it calls `decide` (issue 14): it looks
 * at a watched clone's committed files, at GitHub through the worker's read channel,
 * at vigil's memory or at what vigil did before. Nothing here writes anything.
 *
 * A tool's answer is text made from third-party bytes: the toolbox (toolbox.ts) caps
 * it, redacts it and fences it before the model sees it, and logs `decision.tool`
 * with the name, the arguments, the size and the time — never the content.
 */
export interface InvestigationTool<Input = unknown> {
  /** `repo_read`, `github_thread` … (docs/contract.md lists them). */
  name: string;
  /** What the model reads to choose the tool: what it returns, and when it helps. */
  description: string;
  /** Checked on arrival; its JSON Schema is what the model is shown. */
  input: z.ZodType<Input>;
  /**
   * The answer as text. A refusal or a failure is a thrown Error (a VigilError with
   * its code where one fits): the model gets its message as a tool error and the
   * decision goes on.
   */
  run(input: Input, context: ToolContext): Promise<string>;
}

export interface ToolContext {
  /** Aborted when the decision's time budget runs out or vigil stops. */
  signal: AbortSignal;
}

/** A helper for a typed tool in a list of tools of any input. */
export function tool<Input>(definition: InvestigationTool<Input>): InvestigationTool {
  return definition as unknown as InvestigationTool;
}
