import { homePaths, isInitialised, readDaemonInfo, readDashboardToken, resolveHome, type DaemonInfo, type HomePaths } from '../home/index.js';
import { type ErrorCode, errorText, VigilError } from '../errors.js';
import { requestJson, type JsonAnswer } from './daemon-request.js';

/** What every command starts from: the home, and the daemon running on it if any. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  paths: HomePaths;
  out: (line: string) => void;
}

export function cliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  return { env, paths: homePaths(resolveHome(env)), out: (line) => process.stdout.write(line + '\n') };
}

export function requireHome(ctx: CliContext): void {
  if (!isInitialised(ctx.paths.home)) {
    throw new VigilError('VIGIL_ERR_HOME', `${ctx.paths.home} is not initialised; run \`vigil init\` first`);
  }
}

/** The running daemon's base URL; `VIGIL_HOST` / `VIGIL_PORT` override what it published. */
export function daemonUrl(ctx: CliContext): string | undefined {
  const info: DaemonInfo | undefined = readDaemonInfo(ctx.paths.daemon);
  if (!info) return undefined;
  const host = ctx.env.VIGIL_HOST?.trim() || info.host;
  // Port 0 asked the OS for any port: the published one is the truth then.
  const fromEnv = ctx.env.VIGIL_PORT?.trim();
  const port = fromEnv && fromEnv !== '0' ? fromEnv : String(info.port);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Call the daemon's API with the dashboard token. An error whose code is in `passThrough`
 * is raised again as it was raised in the daemon (the command fails as it would have
 * offline); any other is VIGIL_ERR_DAEMON_HTTP with the route and the status.
 */
export async function callDaemon<T>(
  ctx: CliContext,
  method: 'GET' | 'POST',
  route: string,
  passThrough: readonly ErrorCode[] = [],
  options: { body?: unknown; timeoutMs?: number } = {},
): Promise<T> {
  const url = daemonUrl(ctx);
  if (!url) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}`);
  const token = readDashboardToken(ctx.paths.secrets);
  let res: JsonAnswer;
  try {
    res = await requestJson(url + route, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      timeoutMs: options.timeoutMs ?? 15_000,
    });
  } catch (err) {
    throw new VigilError('VIGIL_ERR_NOT_RUNNING', `${url}: ${errorText(err)}`, { cause: err });
  }
  const body = (res.body ?? {}) as T & { code?: ErrorCode; message?: string };
  if (res.status < 200 || res.status > 299) {
    if (body.code && passThrough.includes(body.code)) {
      // The message arrives with the code's own text in front; the constructor puts it back.
      throw new VigilError(body.code, (body.message ?? '').replace(/^[^:]*: /, ''));
    }
    throw new VigilError('VIGIL_ERR_DAEMON_HTTP', `${method} ${route}: HTTP ${res.status} ${body.message ?? ''}`.trim());
  }
  return body;
}
