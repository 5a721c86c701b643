import fs from 'node:fs';
import { errorText, VigilError } from '../errors.js';
import { parseConfig } from './load.js';
import type { PermissionRule } from './schema.js';

/** Where the file a rewrite replaced is kept, beside config.json (docs/contract.md). */
export function previousConfigPath(file: string): string {
  return `${file}.prev`;
}

/**
 * Rewrites config.json through `edit`, as it is on disk now (whatever the owner changed
 * by hand since the daemon loaded it stays). The result must pass the daemon's own
 * schema before a byte is written; the file it replaces is kept as `config.json.prev`;
 * the new one arrives whole (a temporary file renamed over it). Throws VIGIL_ERR_CONFIG_JSON
 * for a file that does not parse and VIGIL_ERR_CONFIG for a result the schema refuses:
 * either way the file is left as it was.
 */
export function rewriteConfigFile(
  file: string,
  edit: (raw: Record<string, unknown>) => Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const text = fs.readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new VigilError('VIGIL_ERR_CONFIG_JSON', `${file}: ${errorText(err)} (fix it by hand first; nothing was changed)`, { cause: err });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new VigilError('VIGIL_ERR_CONFIG', `${file}: not a JSON object`);
  const before = raw as Record<string, unknown>;
  const after = edit(structuredClone(before));
  parseConfig(after, {});
  const mode = fs.statSync(file).mode & 0o777;
  fs.writeFileSync(previousConfigPath(file), text, { mode });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(after, null, 2) + '\n', { mode });
  fs.renameSync(tmp, file);
  return { before, after };
}

/**
 * `raw` with `rule` first in `permissions.rules` (first match wins, so the rule the owner
 * accepted is the one that applies); unchanged when an identical rule is already there.
 */
export function withPermissionRule(raw: Record<string, unknown>, rule: PermissionRule): Record<string, unknown> {
  const permissions = raw.permissions;
  if (permissions !== undefined && (permissions === null || typeof permissions !== 'object' || Array.isArray(permissions))) {
    throw new VigilError('VIGIL_ERR_CONFIG', 'permissions: not an object with keys');
  }
  const current = (permissions ?? {}) as Record<string, unknown>;
  const rules = current.rules ?? [];
  if (!Array.isArray(rules)) throw new VigilError('VIGIL_ERR_CONFIG', 'permissions.rules: not a list');
  const same = (r: unknown) => {
    const o = r as Partial<PermissionRule> | null;
    return o !== null && typeof o === 'object' && o.action === rule.action && o.repo === rule.repo && o.decision === rule.decision;
  };
  if (rules.some(same)) return raw;
  return { ...raw, permissions: { ...current, rules: [rule, ...rules] } };
}
