/**
 * Tool inputs found in a model's text instead of its tool calls. Several
 * OpenAI-compatible servers (Ollama when its template parser misses, llama-server
 * downgrading a named choice to `auto`, Groq's `failed_generation`) hand the call back
 * as text: bare JSON, a code fence, `<tool_call>` tags, `<function=NAME>` tags, or a
 * `{"name": NAME, "arguments": …}` wrapper, often after a `<think>` block. These are
 * only candidates: the caller validates each with its own schema, and the text is the
 * model's own (the prompt fences third-party data), so nothing here is trusted more
 * than a real tool call.
 */

/** Text past this size is not searched: a decision fits well within it. */
const MAX_TEXT_CHARS = 200_000;
const MAX_CANDIDATES = 20;

/** The JSON values in `text` that may be `toolName`'s input, most explicit first. */
export function toolInputCandidates(text: string, toolName: string): unknown[] {
  if (!text) return [];
  const visible = stripThinking(text.slice(0, MAX_TEXT_CHARS));
  const pieces = [
    ...tagged(visible, /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g),
    ...functionTags(visible, toolName),
    ...tagged(visible, /```[a-zA-Z]*\s*\n?([\s\S]*?)```/g),
    visible.trim(),
    ...balancedObjects(visible),
  ];
  const found: unknown[] = [];
  const seen = new Set<string>();
  for (const piece of pieces) {
    const value = parse(piece);
    if (value === undefined) continue;
    const input = unwrap(value, toolName);
    if (input === undefined) continue;
    const key = JSON.stringify(input);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(input);
    if (found.length >= MAX_CANDIDATES) break;
  }
  return found;
}

/** The first candidate `accepts` takes, or undefined. */
export function recoverToolInput(text: string, toolName: string, accepts: (input: unknown) => boolean): unknown {
  return toolInputCandidates(text, toolName).find(accepts);
}

/** Reasoning models think aloud before answering; an unclosed block runs to the end. */
function stripThinking(text: string): string {
  return text.replace(/<think(?:ing)?>[\s\S]*?(?:<\/think(?:ing)?>|$)/g, ' ');
}

function tagged(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1] ?? '');
}

/** Llama-style `<function=decide>{…}</function>` (what Groq's `failed_generation` often holds). */
function functionTags(text: string, toolName: string): string[] {
  return [...text.matchAll(/<function=([\w.-]+)>([\s\S]*?)(?:<\/function>|$)/g)].filter((m) => m[1] === toolName).map((m) => m[2] ?? '');
}

/** Every top-level `{…}` span, braces balanced outside strings: JSON inside prose. */
function balancedObjects(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

function parse(piece: string): unknown {
  const trimmed = piece.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `{"name": tool, "arguments": …}` / `"parameters"` (arguments possibly a JSON string),
 * OpenAI's `{"type":"function","function":{…}}`, a one-element list of those, or the bare
 * input. A wrapper naming another tool is not this tool's input.
 */
function unwrap(value: unknown, toolName: string): unknown {
  if (Array.isArray(value)) return value.length === 1 ? unwrap(value[0], toolName) : undefined;
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (record.type === 'function' && record.function && typeof record.function === 'object') return unwrap(record.function, toolName);
  if (typeof record.name === 'string' && ('arguments' in record || 'parameters' in record)) {
    if (record.name !== toolName) return undefined;
    const args = record.arguments ?? record.parameters;
    return typeof args === 'string' ? parse(args) : args;
  }
  return record;
}
