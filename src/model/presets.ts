import type { ToolChoiceStep } from './ladder.js';

/**
 * What vigil knows of an OpenAI-compatible server before its first answer, chosen from
 * `model.baseURL` (issue 23). Each entry follows the server's own documentation or a
 * cited bug; a server not listed gets the portable defaults, and the tool-choice ladder
 * still learns from every refusal, so a wrong guess costs one request at most.
 */
export interface ServerPreset {
  /** For `vigil doctor --model` and logs. */
  name: string;
  /** The tool-choice ladder's first step (`model.toolChoice` overrides it). */
  firstStep: ToolChoiceStep;
  /** Streamed requests ask for the usage chunk with `stream_options` (Mistral refuses the field with 422). */
  streamOptions: boolean;
  /** Tool messages carry the function's `name` (Gemini refuses one without it; OpenAI's own API has no such field). */
  toolMessageName: boolean;
  /**
   * Tool schemas go out in the portable dialect (src/model/portable-schema.ts): no
   * `additionalProperties`, `const`, `default`, `$schema`, unions flattened. Only OpenAI's
   * own API is known to take the full schema (Gemini refuses `additionalProperties` and `const`).
   */
  portableSchemas: boolean;
}

interface PresetRule extends ServerPreset {
  matches: (url: URL) => boolean;
  /** Only for these models of the server. */
  models?: RegExp;
}

const host = (suffix: string) => (url: URL) => url.hostname === suffix || url.hostname.endsWith(`.${suffix}`);
const port = (number: string) => (url: URL) => url.port === number;

/** The portable defaults: the strongest choice first, every field a strict server may want. */
const GENERIC: ServerPreset = { name: 'generic', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true };

/** First match wins: hosted APIs by host name, local servers by their default port. */
const RULES: readonly PresetRule[] = [
  { ...GENERIC, name: 'openai', toolMessageName: false, portableSchemas: false, matches: host('api.openai.com') },
  // Thinking models refuse any forced tool choice with 400; the chat model takes the named form.
  { ...GENERIC, name: 'deepseek', firstStep: 'auto', matches: host('deepseek.com'), models: /reasoner/i },
  { ...GENERIC, name: 'deepseek', matches: host('deepseek.com') },
  // 422 "body.stream_options: Extra inputs are not permitted".
  { ...GENERIC, name: 'mistral', streamOptions: false, matches: host('mistral.ai') },
  // Empty tool-call ids, and a tool message without `name` is refused.
  { ...GENERIC, name: 'gemini', matches: host('generativelanguage.googleapis.com') },
  { ...GENERIC, name: 'openrouter', matches: host('openrouter.ai') },
  // Sporadic 400 tool_use_failed with `failed_generation` (recovered from the text).
  { ...GENERIC, name: 'groq', matches: host('groq.com') },
  { ...GENERIC, name: 'together', matches: (url) => host('together.xyz')(url) || host('together.ai')(url) },
  // Accepts a named choice and ignores it; the answer is read from the text when its parser misses.
  { ...GENERIC, name: 'ollama', matches: port('11434') },
  // 400 "Invalid tool_choice type: 'object'" (lmstudio-bug-tracker #670).
  { ...GENERIC, name: 'lmstudio', firstStep: 'required', matches: port('1234') },
  // Downgrades a named choice to auto without a word (llama.cpp #26535); "required" is honoured.
  { ...GENERIC, name: 'llama-server', firstStep: 'required', matches: port('8080') },
  // Named function calling through guided decoding.
  { ...GENERIC, name: 'vllm', matches: port('8000') },
];

export const PRESET_NAMES = ['generic', ...new Set(RULES.map((r) => r.name))] as const;

/**
 * The preset for this endpoint and model; `server` (`model.server`) names one outright,
 * for a server behind a proxy or on another port.
 */
export function presetFor(baseURL: string, model: string, server?: string): ServerPreset {
  if (server === 'generic') return GENERIC;
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return GENERIC;
  }
  const rule = RULES.find((r) => (server ? r.name === server : r.matches(url)) && (!r.models || r.models.test(model)));
  if (!rule) return GENERIC;
  const { name, firstStep, streamOptions, toolMessageName, portableSchemas } = rule;
  return { name, firstStep, streamOptions, toolMessageName, portableSchemas };
}
