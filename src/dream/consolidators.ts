import type { ModelConfig } from '../config/index.js';
import type { Consolidator } from './consolidator.js';
import { ModelConsolidator, type CompleteJson } from './model-consolidator.js';
import { RulesConsolidator } from './rules-consolidator.js';

/**
 * The consolidator for the configured model: with a JSON completion from a
 * model-backed provider, the model proposes the operations; otherwise (the offline
 * `rules` provider, or a provider that offers none) the deterministic pass runs.
 */
export function consolidatorFor(model: Readonly<ModelConfig>, complete?: CompleteJson): Consolidator {
  if (model.provider !== 'rules' && complete) return new ModelConsolidator(complete);
  return new RulesConsolidator();
}
