import { initHome, isInitialised, loadConfig } from '../../config/index.js';
import { systemClock } from '../../clock.js';
import { Daemon } from '../../daemon/index.js';
import type { CliContext } from '../context.js';

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
export async function startCommand(ctx: CliContext): Promise<void> {
  if (!isInitialised(ctx.paths.home)) await initCommand(ctx);
  const daemon = new Daemon({ home: ctx.paths.home, clock: systemClock, env: ctx.env, print: ctx.out });
  let started = false;
  // Signals are ours before the daemon publishes its address: a SIGHUP that arrives
  // during start must not kill the process (the default action).
  const stopped = new Promise<void>((resolve) => {
    const onStop = (signal: NodeJS.Signals) => {
      ctx.out(`vigil: ${signal}, draining`);
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
      (ok) => ctx.out(ok ? 'vigil: config reloaded' : 'vigil: new config refused, the old one stays (see `vigil log`)'),
      () => undefined,
    );
  });
  await daemon.start();
  started = true;
  ctx.out(`vigil ${daemon.url} (home ${ctx.paths.home}, pid ${process.pid})`);
  await stopped;
}
