import { createOplog, prettyDestination, type Oplog } from '../daemon/index.js';
import { VigilError } from '../errors.js';
import { paintFor } from '../for-people.js';
import type { CliContext } from './context.js';

export type LogFormat = 'pretty' | 'json';

/**
 * `vigil start`'s stdout: readable lines for a person at a terminal, JSON lines for
 * journald, launchd's log file, a pipe — or whatever `--log-format` says.
 */
export function chooseLogFormat(flag: string | undefined, stdout: { isTTY?: boolean }): LogFormat {
  if (flag === undefined) return stdout.isTTY ? 'pretty' : 'json';
  if (flag === 'pretty' || flag === 'json') return flag;
  throw new VigilError('VIGIL_ERR_USAGE', `--log-format ${flag}: use pretty or json`);
}

export function startOplog(ctx: CliContext, format: LogFormat): Oplog {
  if (format === 'json') return createOplog();
  return createOplog({ destination: prettyDestination({ paint: paintFor(process.stdout, ctx.env), now: Date.now }) });
}

/**
 * Where to look once the daemon runs, and how to get in. The token itself is never
 * printed (a terminal's scrollback, a screen share): where it is, and how to read it.
 */
export function startBanner(ctx: CliContext, url: string): string[] {
  const paint = paintFor(process.stdout, ctx.env);
  const row = (label: string, text: string) => `  ${paint('dim', label.padEnd(10))} ${text}`;
  return [
    '',
    `${paint('bold', 'vigil is running')} on ${ctx.paths.home}`,
    row('dashboard', paint('cyan', url)),
    row('log in', `with the dashboardToken in ${ctx.paths.secrets}`),
    row('status', 'vigil status   ·   stop: Ctrl-C or vigil stop'),
    '',
  ];
}
