import { loadConfig } from '../config/index.js';
import type { CliContext } from './context.js';

/** The home's config.json, parsed and frozen: only the commands that read it load the schema (src/cli/context.ts stays light). */
export function loadHomeConfig(ctx: CliContext) {
  return loadConfig(ctx.paths.config, ctx.env);
}
