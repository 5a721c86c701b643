import os from 'node:os';
import { initHome, loadConfig } from '../../config/index.js';
import { isInitialised } from '../../home/index.js';
import { systemClock } from '../../clock.js';
import { Daemon, TeamDaemon } from '../../daemon/index.js';
import { EXIT, VigilError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { chooseLogFormat, startBanner, startOplog } from '../start-output.js';

export async function initCommand(ctx: CliContext): Promise<void> {
  const { paths, created } = await initHome(ctx.paths.home);
  loadConfig(paths.config, ctx.env);
  if (created.length === 0) ctx.out(`vigil home ${paths.home} is already initialised (config schema refreshed)`);
  else for (const file of created) ctx.out(`created ${file}`);
  ctx.out(`config:  ${paths.config}`);
  ctx.out(`secrets: ${paths.secrets} (mode 0600: webhook secret, dashboard token, VAPID keys)`);
  ctx.out('next:    vigil start');
}

/** Runs in the foreground until SIGTERM/SIGINT; SIGHUP reloads the config. */
export async function startCommand(ctx: CliContext, opts: { logFormat?: string; node?: string } = {}): Promise<void> {
  const format = chooseLogFormat(opts.logFormat, process.stdout);
  // The worker writes to the same stdout: it prints in the same format (src/exec/worker-main.ts).
  ctx.env.VIGIL_LOG_FORMAT = format;
  const oplog = startOplog(ctx, format);
  if (!isInitialised(ctx.paths.home)) {
    const { created } = await initHome(ctx.paths.home);
    oplog.info('home initialised', { home: ctx.paths.home, created });
  }
  // `store.url` (or DATABASE_URL) makes this process one node of a team's vigil (issue 19).
  const team = Boolean(loadConfig(ctx.paths.config, ctx.env).store.url);
  if (opts.node !== undefined && !team) throw new VigilError('VIGIL_ERR_USAGE', '--node names a node of a team on PostgreSQL: set store.url (or DATABASE_URL) first');
  const daemon = team
    ? new TeamDaemon({ home: ctx.paths.home, clock: systemClock, env: ctx.env, oplog, node: opts.node ?? os.hostname() })
    : new Daemon({ home: ctx.paths.home, clock: systemClock, env: ctx.env, oplog });
  // What no timer or loop caught is a bug or a failure vigil cannot reason about: log it
  // (stdout always, the daily log if it can) and exit 70 (EX_SOFTWARE), which the systemd
  // unit and the LaunchAgent restart. Carrying on would run with unknown state (issue 12).
  const crash = (err: unknown) => {
    try {
      oplog.error('vigil crashed', { error: err instanceof Error ? err : String(err), exitCode: EXIT.software });
      daemon.recordCrash(err, EXIT.software);
    } finally {
      process.exit(EXIT.software);
    }
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  let started = false;
  let stopping = false;
  // Signals are ours before the daemon publishes its address: a SIGHUP that arrives
  // during start must not kill the process (the default action).
  const stopped = new Promise<void>((resolve) => {
    const onStop = (signal: NodeJS.Signals) => {
      stopping = true;
      oplog.info('draining', { signal });
      // The promise of the public contract: gone within 10 s, whatever hangs.
      setTimeout(() => process.exit(0), 9500).unref();
      daemon.stop(signal).then(resolve, resolve);
    };
    process.once('SIGTERM', onStop);
    process.once('SIGINT', onStop);
  });
  process.on('SIGHUP', () => {
    if (!started) return;
    daemon.reload().then(
      (ok) => (ok ? oplog.info('config reloaded') : oplog.warn('new config refused, the old one stays (see `vigil log`)')),
      () => undefined,
    );
  });
  try {
    await daemon.start();
  } catch (err) {
    // Asked to stop while starting: the stop tore down what start was still building.
    if (!stopping) throw err;
  }
  started = true;
  oplog.info('vigil started', { url: daemon.url, home: ctx.paths.home });
  if (format === 'pretty') for (const line of startBanner(ctx, daemon.url)) ctx.out(line);
  await stopped;
  oplog.info('vigil stopped');
  // Drained, logged, database closed: a handle some library leaked must not hold the
  // process until the 10 s deadline (or systemd's SIGKILL).
  process.exit(0);
}
