import type { DecisionRule, ModelConfig } from '../config/index.js';
import { VigilError } from '../errors.js';
import type { ModelProvider } from './decision.js';
import { RulesProvider } from './rules.js';

export * from './decision.js';
export { RulesProvider } from './rules.js';
export { fillTemplate, getPath } from './template.js';

/** Pick the provider the config names. Model-backed providers land with issue 4. */
export function createProvider(model: Readonly<ModelConfig>, rules: readonly DecisionRule[]): ModelProvider {
  if (model.provider === 'rules') return new RulesProvider(rules);
  throw new VigilError(
    'VIGIL_ERR_CONFIG',
    `model.provider: "${model.provider}" is not available in this version of vigil; use "rules"`,
  );
}
