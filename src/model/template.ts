/** Read `a.b.0.c` from an object; undefined when any step is missing. */
export function getPath(root: unknown, dotted: string): unknown {
  let value: unknown = root;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([\w.-]+)\s*\}\}$/;

/**
 * Fill `{{payload.path}}` placeholders from the event. A string that is exactly one
 * placeholder takes the value with its type (so `"{{payload.issue.number}}"` stays a
 * number); inside longer text a missing value becomes the empty string.
 */
export function fillTemplate(template: unknown, scope: unknown): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return getPath(scope, whole[1]!) ?? '';
    return template.replace(PLACEHOLDER, (_, path: string) => stringify(getPath(scope, path)));
  }
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, scope));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, scope)]));
  }
  return template;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
