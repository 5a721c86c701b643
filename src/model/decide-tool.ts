import { DECIDE_TOOL_NAME } from './decision.js';
import { DecideToolInput } from './typed-proposals.js';

/** The forced tool, provider-neutral: each transport wraps it in its own API's shape. */
export interface DecideTool {
  name: string;
  description: string;
  /**
   * JSON Schema generated from `DecideToolInput`: the proposals are a union with one
   * branch per catalog action, the same union the answer is checked against.
   */
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
    const schema = zodToJsonSchema(DecideToolInput, { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>;
    delete schema.$schema;
    return Object.freeze({ name: DECIDE_TOOL_NAME, description: DESCRIPTION, inputSchema: schema });
  });
  return cached;
}
