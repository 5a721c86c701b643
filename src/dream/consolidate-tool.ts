import type { JsonCompletion, JsonTool } from '../model/index.js';
import type { CompleteJson } from './model-consolidator.js';
import { OperationBatch } from './operations.js';

/** The forced tool a model consolidates through: its input schema is the operations' zod schema. */
export const CONSOLIDATE_TOOL: JsonTool = Object.freeze({
  name: 'consolidate',
  description:
    'Propose the memory operations (ADD / UPDATE / DELETE / KEEP) for the numbered facts and observations. ' +
    'They are validated as a whole before any is applied.',
  schema: OperationBatch,
});

/** A provider's JSON completion as the model consolidator asks for it: every prompt through the consolidate tool. */
export function consolidationCompletion(complete: JsonCompletion): CompleteJson {
  return (prompt) => complete({ system: prompt.system, user: prompt.user, tool: CONSOLIDATE_TOOL });
}
