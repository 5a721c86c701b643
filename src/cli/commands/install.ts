import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/index.js';
import { homePaths, isInitialised, readDaemonInfo } from '../../home/index.js';
import { VigilError } from '../../errors.js';
import {
  describePlan,
  executePlan,
  homeOfUser,
  installPlan,
  serviceFiles,
  systemHost,
  uninstallPlan,
  type ServiceHost,
  type ServiceMode,
} from '../../service/index.js';
import type { CliContext } from '../context.js';

export interface ServiceOptions {
  user?: boolean;
  system?: boolean;
  dryRun?: boolean;
}

function modeOf(opts: ServiceOptions): ServiceMode | undefined {
  if (opts.user && opts.system) throw new VigilError('VIGIL_ERR_USAGE', '--user or --system, not both');
  return opts.system ? 'system' : opts.user ? 'user' : undefined;
}

/** `sudo vigil install --system` means the sudoer's home, not root's, unless VIGIL_HOME says otherwise. */
function serviceHome(ctx: CliContext, mode: ServiceMode | undefined): string {
  const sudoUser = ctx.env.SUDO_USER?.trim();
  if (mode !== 'system' || ctx.env.VIGIL_HOME?.trim() || !sudoUser) return ctx.paths.home;
  const home = homeOfUser(sudoUser);
  return home ? path.join(home, '.vigil') : ctx.paths.home;
}

/** Watched clones a system unit may write to. A broken config is refused now: the service would exit 78 on it. */
function repoPaths(ctx: CliContext, home: string): string[] {
  if (!isInitialised(home)) return [];
  return loadConfig(homePaths(home).config, ctx.env).repos.flatMap((r) => (r.path ? [path.resolve(r.path)] : []));
}

export async function installCommand(ctx: CliContext, opts: ServiceOptions, host: ServiceHost = systemHost(ctx.env)): Promise<void> {
  const mode = modeOf(opts);
  if (!fs.existsSync(host.entry)) throw new VigilError('VIGIL_ERR_SERVICE', `${host.entry} is missing: run \`npm run build\` first`);
  const home = serviceHome(ctx, mode);
  const plan = installPlan(host, { ...(mode ? { mode } : {}), home, repoPaths: repoPaths(ctx, home) });
  const running = readDaemonInfo(homePaths(home).daemon);
  if (running) {
    plan.notes.push(`vigil pid ${running.pid} runs on ${home} now: unless that is this service, stop it — the service's start is refused while it runs`);
  }
  if (opts.dryRun) {
    for (const line of describePlan(plan, true)) ctx.out(line);
    return;
  }
  executePlan(plan, host, ctx.out);
  ctx.out('vigil doctor checks that it runs');
}

export async function uninstallCommand(ctx: CliContext, opts: ServiceOptions, host: ServiceHost = systemHost(ctx.env)): Promise<void> {
  const mode = modeOf(opts);
  const plan = uninstallPlan(host, mode);
  if (!plan) {
    ctx.out(`no vigil service is installed (looked for ${serviceFiles(host).join(' and ')})`);
    return;
  }
  if (opts.dryRun) {
    for (const line of describePlan(plan, true)) ctx.out(line);
    return;
  }
  executePlan(plan, host, ctx.out);
  ctx.out(`the home is kept: config, secrets, database and logs stay where they are`);
}
