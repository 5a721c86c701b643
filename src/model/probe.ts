import type { ModelConfig } from '../config/index.js';
import { errorText } from '../errors.js';
import { decideTool } from './decide-tool.js';
import { DECIDE_TOOL_NAME } from './decision.js';
import { OpenAITransport } from './openai.js';
import { recoverToolInput } from './recover.js';
import type { ModelCallError, Transport, TurnResult } from './transport.js';
import { DecideAnswer } from './typed-proposals.js';

/** What one tiny forced-`decide` request taught about the configured server (`vigil doctor --model`). */
export interface DecisionProbe {
  /** A decision would work: a call (or text holding one) came back and validates. */
  ok: boolean;
  /** openai: the tool-choice step that brought the call, and the preset assumed. */
  step?: string;
  preset?: string;
  /** The answer came as a tool call (not recovered from text). */
  called: boolean;
  /** The answer was found in the reply's text (logged `decision.recovered` in the daemon). */
  recovered: boolean;
  valid: boolean;
  /** The server's refusal of a parameter, with the fix (a configuration error). */
  rejected?: string;
  error?: string;
  tokens: number;
  streamed: boolean;
}

const PROMPT = {
  system: 'You are a health check. Call the decide tool.',
  stable: 'Nothing happened. Answer with act false, the summary "ok", and no proposals.',
  dynamic: 'Decide now.',
};

/** Steps the ladder may take before it reaches its floor: one request more than the steps below named. */
const MAX_REQUESTS = 3;

/**
 * Sends the real decide tool with a tiny prompt through the transport the daemon would
 * build (its preset, ladder, streaming and extraBody), once per ladder step at most.
 */
export async function probeDecision(model: Readonly<ModelConfig>, transport: Transport, modelName: string, timeoutMs: number): Promise<DecisionProbe> {
  const tool = await decideTool();
  const ladder = transport instanceof OpenAITransport ? transport : undefined;
  const base = { streamed: model.stream, ...(ladder ? { preset: ladder.preset(modelName).name } : {}) };
  let tokens = 0;
  let last: TurnResult | undefined;
  let step: string | undefined;
  for (let i = 0; i < MAX_REQUESTS; i++) {
    step = ladder?.toolChoiceStep(modelName);
    try {
      await transport.ready();
      last = await transport.send({ model: modelName, maxTokens: Math.max(256, model.maxTokens), prompt: PROMPT, tool, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const failure = err as ModelCallError;
      const result = { ...base, ok: false, called: false, recovered: false, valid: false, tokens };
      return failure.code === 'VIGIL_ERR_MODEL_CONFIG' ? { ...result, rejected: failure.detail } : { ...result, error: errorText(err) };
    }
    const { usage } = last;
    tokens += usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;
    if (last.input !== undefined) {
      // A refusal naming tool_choice steps down inside the transport: the step that worked is where the ladder stays.
      const worked = ladder?.toolChoiceStep(modelName);
      const valid = DecideAnswer.safeParse(last.input).success;
      // A call cut short at the cap does not validate: say which key lets it finish.
      const cut = !valid && last.truncated ? { error: outputCap(model) } : {};
      return { ...base, ok: valid, called: true, recovered: false, valid, tokens, ...(worked ? { step: worked } : {}), ...cut };
    }
    const found = recoverToolInput(last.text, DECIDE_TOOL_NAME, (candidate) => DecideAnswer.safeParse(candidate).success);
    if (found !== undefined) return { ...base, ok: true, called: false, recovered: true, valid: true, tokens, ...(step ? { step } : {}) };
    // No call: the ladder stepped down (openai); the Anthropic transport has no other step.
    if (!ladder || ladder.toolChoiceStep(modelName) === step) break;
  }
  const why = last?.truncated ? outputCap(model) : 'no decide call in the reply';
  return { ...base, ok: false, called: false, recovered: false, valid: false, tokens, error: why };
}

function outputCap(model: Readonly<ModelConfig>): string {
  return `the answer stopped at the output cap (model.maxTokens = ${model.maxTokens})`;
}
