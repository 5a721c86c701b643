import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { readDaemonInfo } from '../home/index.js';
import { verifyLogDir } from '../logs/index.js';
import { withStoreReader } from '../store/index.js';
import { ago, fail, needsConfig, ok, warn, type Check, type DoctorState } from './doctor.js';
import { checkTeamDatabase, checkTeamLogs, checkTeamWebhooks } from './checks-team.js';
import { errorText } from '../errors.js';

export const checkPort: Check = async ({ paths }, state) => {
  const config = needsConfig('port', state);
  if ('name' in config) return config;
  const { host, port } = config.http;
  const daemon = readDaemonInfo(paths.daemon);
  if (daemon) return ok('port', `${daemon.url} is this home's running vigil (pid ${daemon.pid})`);
  if (port === 0) return ok('port', `${host}: port 0, the system picks a free one at start`);
  const problem = await tryListen(host, port);
  if (!problem) return ok('port', `${host}:${port} is free`);
  if (problem === 'EADDRINUSE') {
    return fail('port', `${host}:${port} is taken by another program`, 'stop it, or set http.port in config.json (or VIGIL_PORT)');
  }
  return fail('port', `${host}:${port} cannot be bound (${problem})`, 'set http.host / http.port in config.json (or VIGIL_HOST / VIGIL_PORT)');
};

/** undefined when the address can be bound; else the error code. */
function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export const checkDatabase: Check = ({ paths }, state) => {
  // A team's home: the team's PostgreSQL database, not vigil.db (checks-team.ts).
  if (state.config?.store.url) return checkTeamDatabase(state.config.store.url, state);
  if (state.storeUnreadable) return warn('database', 'not checked: this Node.js cannot open it (see the node line)');
  if (!fs.existsSync(paths.db)) return ok('database', 'not created yet (vigil start creates it)');
  const recover = `stop vigil, keep a copy of ${paths.db}, then: sqlite3 ${paths.db} .recover | sqlite3 vigil-recovered.db`;
  let problems: string[];
  try {
    // Read-only: a doctor never migrates, repairs or takes the write lock.
    problems = withStoreReader(paths.db, (reader) => reader.quickCheck());
  } catch (err) {
    return fail('database', `${paths.db} cannot be read: ${errorText(err)}`, recover);
  }
  if (problems.length === 1 && problems[0] === 'ok') {
    const mb = (fs.statSync(paths.db).size / 1048576).toFixed(1);
    return ok('database', `${paths.db}: PRAGMA quick_check ok (${mb} MB)`);
  }
  return fail('database', `quick_check: ${problems.slice(0, 2).join('; ')}`, recover);
};

export const checkLogs: Check = ({ paths }, state) => {
  // A node writes no daily files: every node's chain is in the team's database.
  if (state.config?.store.url) return checkTeamLogs(state);
  const results = fs.existsSync(paths.logs) ? verifyLogDir(paths.logs) : [];
  if (results.length === 0) return ok('logs', 'no daily logs yet');
  const bad = results.find((r) => !r.ok);
  if (bad) {
    const file = path.basename(bad.file);
    const where = bad.firstBad ? ` line ${bad.firstBad.line}: ${bad.firstBad.reason}` : '';
    // There is nothing to repair: a broken chain is evidence that the file was changed.
    return fail('logs', `${file} does not verify —${where}`, `vigil log verify --date ${file.replace(/\.jsonl$/, '')} for details; keep the file as it is`);
  }
  const entries = results.reduce((n, r) => n + r.entries, 0);
  return ok('logs', `${results.length} daily log${results.length > 1 ? 's' : ''} verify (${entries} entries)`);
};

export const checkWebhooks: Check = (input, state) => {
  const { paths, now } = input;
  const fix = webhookAdvice(state.config);
  if (state.config?.store.url) return checkTeamWebhooks(input, state, fix);
  if (state.storeUnreadable) return warn('webhooks', 'not checked: this Node.js cannot open the database (see the node line)');
  if (!fs.existsSync(paths.db)) return warn('webhooks', 'no delivery received yet', fix);
  const last = withStoreReader(paths.db, (reader) => reader.lastDelivery());
  if (!last) return warn('webhooks', 'no delivery received yet', fix);
  return ok('webhooks', `last delivery ${ago(now - last.at)} (${last.kind}${last.id ? `, ${last.id}` : ''})`);
};

/**
 * How deliveries can reach this vigil. Listening on loopback only, no host GitHub can
 * reach has the port open: a smee channel relays them (init makes one); a proxy already
 * set just needs its webhook on GitHub.
 */
function webhookAdvice(config: DoctorState['config']): string {
  if (!config) return 'point a GitHub webhook at /webhooks/github (README: "Point GitHub at it")';
  if (config.github.webhookProxyUrl) return `point a GitHub webhook at your smee channel (github.webhookProxyUrl); GitHub's ping arrives at once`;
  const { host, port } = config.http;
  if (isLoopback(host)) {
    return `vigil listens on ${host} only, which GitHub cannot reach: run vigil init --webhook-proxy new for a smee.io channel, then point a GitHub webhook at it`;
  }
  return `point a GitHub webhook at http://<this host's public name>:${port}/webhooks/github (README: "Point GitHub at it"); GitHub's ping arrives at once`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
