import { probeConfiguredDecision, type DecisionProbe } from '../model/index.js';
import { errorText } from '../errors.js';
import { fail, modelSecrets, needsConfig, ok, warn, type Check, type CheckResult } from './doctor.js';

/**
 * `vigil doctor --model` (issue 23): whether decisions will work before the first event
 * fails — one tiny forced-decide request, streamed when the config streams.
 */
export const checkDecision: Check = async ({ paths, env }, state) => {
  const config = needsConfig('decide', state);
  if ('name' in config) return config;
  if (config.model.provider === 'rules') return ok('decide', 'rules provider: no model to ask');
  const secrets = modelSecrets(paths, env);
  try {
    return describeProbe(await probeConfiguredDecision(config.model, { secrets, env }));
  } catch (err) {
    return fail('decide', errorText(err), 'fix the model section of config.json');
  }
};

export function describeProbe(probe: DecisionProbe): CheckResult {
  const how = [probe.preset ? `${probe.preset} preset` : '', probe.streamed ? 'streamed' : '', probe.step ? `tool_choice "${probe.step}"` : ''].filter(Boolean).join(', ');
  const cost = `${probe.tokens} tokens`;
  if (probe.rejected) return fail('decide', `the server rejected a parameter (${how}): ${probe.rejected}`, 'apply the fix named above');
  if (!probe.ok) return fail('decide', `${probe.error ?? 'the decide answer did not validate'} (${how}; ${cost})`, 'pick a model with function calling, or set model.toolChoice / model.server');
  if (probe.recovered) return warn('decide', `no tool call came back, but the reply's text held a valid decide answer, recovered (${how}; ${cost})`);
  return ok('decide', `a decide call came back and validates (${how}; ${cost})`);
}
