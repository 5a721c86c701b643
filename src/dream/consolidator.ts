import type { Observation, WorkingMemory } from './working-memory.js';

export interface ConsolidationContext {
  /** The dream's local date, YYYY-MM-DD. */
  today: string;
}

export interface ConsolidationResult {
  /** Model tokens spent (input + output); 0 for the rules pass. */
  modelTokens: number;
}

/**
 * The consolidate phase behind the smallest interface the dream needs (docs/architecture.md, conventions):
 * turn what was observed since the last dream into changes of the working memory.
 * `RulesConsolidator` is the deterministic pass; `ModelConsolidator` asks a model for
 * ADD / UPDATE / DELETE / KEEP operations and validates them before applying any.
 */
export interface Consolidator {
  readonly name: string;
  consolidate(memory: WorkingMemory, observations: readonly Observation[], context: ConsolidationContext): Promise<ConsolidationResult>;
}
