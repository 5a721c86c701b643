/**
 * vigil's one glob, for the permission rules, the rules provider, the webhook filter,
 * `model.skipEvents`, the watched repositories and the config's own checks: `*` is any
 * run of characters, everything else is literal. `*` alone matches any value, line
 * breaks too; inside a longer pattern it stops at a line break (a title is one line).
 *
 * Patterns come from the owner's config, a few dozen, and the webhook filter matches
 * them for every delivery: each is compiled once (the cache is bounded, so a config
 * reloaded many times over cannot grow it without end).
 */
const MAX_COMPILED = 1000;
const compiled = new Map<string, RegExp>();

export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}
