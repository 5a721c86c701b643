import { DECIDE_TOOL_NAME, DecisionInput } from './decision.js';

/** The forced tool, provider-neutral: each transport wraps it in its own API's shape. */
export interface DecideTool {
  name: string;
  description: string;
  /** JSON Schema generated from `DecisionInput`, so the model and the validator agree. */
  inputSchema: Record<string, unknown>;
}

const DESCRIPTION =
  'Record your decision about the event: whether anything deserves action, a short summary, ' +
  'and the actions you propose from the catalog (the owner\'s policy decides what runs).';

let cached: Promise<DecideTool> | undefined;

/**
 * zod-to-json-schema is loaded on the first model call, never on the idle path. The
 * result is made once and frozen: the tool is part of the cached prompt prefix, so its
 * bytes must not change from one call to the next.
 */
export function decideTool(): Promise<DecideTool> {
  cached ??= import('zod-to-json-schema').then(({ zodToJsonSchema }) => {
    const schema = zodToJsonSchema(DecisionInput, { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>;
    delete schema.$schema;
    return Object.freeze({ name: DECIDE_TOOL_NAME, description: DESCRIPTION, inputSchema: schema });
  });
  return cached;
}
