import { MIN_SECRET_LENGTH, secretForms } from './forms.js';

export const REDACTED = '[redacted]';

/** Replaces every secret, in each of its forms, with `[redacted]`. */
export type Redact = (text: string) => string;

/** What every exit asks of the secrets vigil holds. */
export interface SecretMask {
  /** How many values (not forms) it holds. */
  readonly size: number;
  redact: Redact;
  /** The same over every string and key inside a JSON-like value, as a copy (the value itself when there is nothing to mask). */
  redactValue<T>(value: T): T;
  /** Whether any secret, in any form, appears in the value (as text, or anywhere in it as JSON). */
  carries(value: unknown): boolean;
  /**
   * Where to cut `text` at `at` or just after, so that no secret straddles the cut: the
   * kept part can then be redacted alone, and a 24 MB text costs what its first
   * kilobytes cost, never half a secret at the end.
   */
  safeCut(text: string, at: number): number;
}

const MAX_DEPTH = 32;

/**
 * A mask over `values`. Deterministic, so a redacted prompt prefix still caches.
 * Longest form first, so a secret that contains another is replaced whole.
 */
export function makeSecretMask(values: Iterable<string>): SecretMask {
  const unique = new Set<string>();
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) unique.add(value);
  const forms = [...new Set([...unique].flatMap(secretForms))].sort((a, b) => b.length - a.length);
  const shortest = forms.length ? forms[forms.length - 1]!.length : Infinity;
  const redact: Redact = (text) => {
    // Stryker disable next-line ConditionalExpression: a fast path, equivalent (no form fits in a shorter text; docs/guarantees.md)
    if (text.length < shortest) return text;
    let out = text;
    // Every log line and prompt passes here: look before splitting, which allocates even
    // when the form is absent (and then gives the text back whole: the look is equivalent).
    // Stryker disable next-line ConditionalExpression: a fast path, equivalent (docs/guarantees.md)
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
  const found = (text: string) => forms.some((form) => text.includes(form));
  return {
    size: unique.size,
    redact,
    redactValue: (value) => (forms.length ? (deepRedact(value, redact, 0) as typeof value) : value),
    carries: (value) => {
      // A string as it is (JSON would escape it once more: a twice-escaped secret would be missed).
      if (typeof value === 'string') return found(value);
      // Anything else as JSON text, which holds each string JSON-escaped, and the keys: both
      // forms are looked for. undefined has no JSON text; null's, "null", is shorter than any secret.
      // Stryker disable next-line StringLiteral: undefined's text, equivalent to any other that holds no secret (docs/guarantees.md)
      return found(JSON.stringify(value) ?? '');
    },
    safeCut: (text, at) => {
      let end = at;
      // Until no form moves it (one may move it into another); past the text's end none can.
      for (let moved = true; moved; ) {
        moved = false;
        for (const form of forms) {
          // Only an occurrence that starts before the cut and ends after it matters: look in
          // that window alone. One found in it starts before the cut (it fits in the window).
          const from = Math.max(0, end - form.length + 1);
          const i = text.slice(from, end + form.length - 1).indexOf(form);
          if (i !== -1) {
            end = from + i + form.length;
            moved = true;
          }
        }
      }
      return Math.min(end, text.length);
    },
  };
}

/** `makeRedactor(values)`: the text redactor of a mask over `values`. */
export function makeRedactor(values: readonly string[]): Redact {
  return makeSecretMask(values).redact;
}

export function deepRedact(value: unknown, redact: Redact, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => deepRedact(v, redact, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) out[redact(key)] = deepRedact(v, redact, depth + 1);
  return out;
}

/** Both masks as one: what either finds is redacted, carried, and never cut through. */
export function combineMasks(first: SecretMask, second: SecretMask): SecretMask {
  return {
    size: first.size + second.size,
    redact: (text) => second.redact(first.redact(text)),
    redactValue: (value) => second.redactValue(first.redactValue(value)),
    carries: (value) => first.carries(value) || second.carries(value),
    safeCut: (text, at) => {
      // Each may move the cut past a secret the other then straddles: until neither moves it.
      let end = at;
      for (let before = -1; before !== end; ) {
        before = end;
        end = second.safeCut(text, first.safeCut(text, end));
      }
      return end;
    },
  };
}
