import fs from 'node:fs';
import type { CliContext } from './context.js';

/**
 * `store.url` (or DATABASE_URL): whether this home's log and memory live in a team's
 * database rather than in its files. A SQLite home (no `store` in config.json, no
 * DATABASE_URL) is told so without loading the config's schema, so the commands that
 * read the home's files stay as light as they were. A config that does not load leaves
 * the files: the log is how one finds out why.
 */
export async function teamStoreUrl(ctx: CliContext): Promise<string | undefined> {
  if (!ctx.env.DATABASE_URL?.trim()) {
    try {
      const raw = JSON.parse(fs.readFileSync(ctx.paths.config, 'utf8')) as { store?: { url?: unknown } } | null;
      if (raw?.store?.url === undefined) return undefined;
    } catch {
      return undefined;
    }
  }
  const { loadConfig } = await import('../config/index.js');
  try {
    return loadConfig(ctx.paths.config, ctx.env).store.url;
  } catch {
    return undefined;
  }
}
