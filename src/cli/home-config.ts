import { loadConfig } from '../config/index.js';
import type { CliContext } from './context.js';

/** The home's config.json, parsed and frozen: only the commands that read it load the schema (src/cli/context.ts stays light). */
export function loadHomeConfig(ctx: CliContext) {
  return loadConfig(ctx.paths.config, ctx.env);
}

/**
 * `store.url` (or DATABASE_URL): the home's log and memory live in a team's database, not
 * in its files. A config that does not load leaves the files: the log is how one finds out why.
 */
export function teamStoreUrl(ctx: CliContext): string | undefined {
  try {
    return loadConfig(ctx.paths.config, ctx.env).store.url;
  } catch {
    return undefined;
  }
}
