import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { probeModel } from '../../src/service/checks-reach.js';
import { BIN, cliEnv, logEntries, makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { homeStoreUrl, onPostgres, sqliteOnly } from '../helpers/backend.js';
import { editLog } from '../helpers/home-log.js';
import { writeConfig } from '../helpers/home.js';
import { removeTempDirs, tempDir } from './helpers.js';

const daemons: RunningDaemon[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const s of servers.splice(0)) s.close();
  removeHomes();
  removeTempDirs();
});

function dashboardToken(home: string): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
}

/** A browser's push keys (RFC 8291): a P-256 public point and a 16-byte auth secret. */
function pushKeys(): { p256dh: string; auth: string } {
  const ecdh = crypto.createECDH('prime256v1');
  return { p256dh: ecdh.generateKeys().toString('base64url'), auth: crypto.randomBytes(16).toString('base64url') };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `vigil doctor` on a machine without a service: HOME and XDG_CONFIG_HOME point at an empty temp dir. */
function doctor(home: string, extra: NodeJS.ProcessEnv = {}) {
  const machine = tempDir('vigil-machine-');
  const env = cliEnv(home, { HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config'), ...extra });
  const res = spawnSync(process.execPath, [BIN, 'doctor'], { env, encoding: 'utf8', timeout: 30_000 });
  const lines = res.stdout.split('\n').filter((l) => /^(ok|warn|fail) /.test(l));
  return { ...res, lines, line: (name: string) => lines.find((l) => l.split(/ +/)[1] === name) ?? '' };
}

const CHECKS = ['node', 'home', 'secrets', 'config', 'port', 'database', 'size', 'logs', 'webhooks', 'github', 'rejected', 'model', 'notify.push', 'sandbox', 'service', 'linger'];

/** How doctor lays out a line: status, the check's name in a column, the detail. */
const row = (status: string, name: string, detail: string) => `${status.padEnd(4)}  ${name.padEnd(15)} ${detail}`;

describe('vigil doctor', () => {
  it('on a healthy home that GitHub reaches prints one ok line per check, running and stopped', async () => {
    const home = makeHome();
    const port = await freePort();
    const daemon = await startDaemon(home, { VIGIL_PORT: String(port) });
    daemons.push(daemon);
    // GitHub's first delivery to a new webhook is a ping.
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const ping = await postDelivery(daemon.url, webhookSecret(home), body, { event: 'ping', deliveryId: '00000000-0001' });
    expect(ping.status).toBe(202);
    await waitFor(() => logEntries(home).some((e) => e.type === 'event.received'), 5000, 'the ping to be logged');
    // The owner's phone is subscribed to web push (the dashboard's Push page does this).
    const subscribed = await fetch(`${daemon.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dashboardToken(home)}` },
      body: JSON.stringify({ endpoint: 'https://push.example.test/send/owner-phone', keys: pushKeys() }),
    });
    expect(subscribed.status).toBe(201);

    const running = doctor(home, { VIGIL_PORT: String(port) });
    expect(running.status, running.stdout + running.stderr).toBe(0);
    expect(running.lines.map((l) => l.split(/ +/)[1])).toEqual(CHECKS);
    expect(running.lines.filter((l) => !l.startsWith('ok ')), running.stdout).toEqual([]);
    expect(running.line('port')).toContain(`(pid ${daemon.pid})`);
    expect(running.line('webhooks')).toMatch(/last delivery \d+ s ago \(github\.ping, 00000000-0001\)/);
    expect(running.line('notify.push')).toContain('1 subscribed browser');
    // The home's size, by part (issue 18); a team's is its database's, by part, and the home's own files.
    expect(running.line('size')).toMatch(
      onPostgres()
        ? /^ok +size +the team's database [\d.]+ MB \(inbox [\d.]+ KB, log [\d.]+ KB, memory [\d.]+ KB\), this home [\d.]+ KB; handled events kept 90 days, logs always$/
        : /^ok +size +[\d.]+ KB in all — vigil\.db [\d.]+ KB, spool [\d.]+ (B|KB), logs [\d.]+ (B|KB), memory [\d.]+ (B|KB); handled events kept 90 days, logs always$/,
    );
    if (onPostgres()) {
      // What the store-reading checks read on a team: its database, and this home's node's delivery.
      expect(running.line('database')).toMatch(/^ok +database +the team's PostgreSQL [\d.]+ at [^ ]+\/home_\w+: reachable, migrated \((\d+) of \1 migrations\)$/);
      expect(running.line('webhooks')).toMatch(/\) at this home's node [\w.-]+$/);
      expect(running.line('notify.push')).toContain("in the team's database");
    }
    expect(running.stdout).toContain(`${CHECKS.length} ok, 0 warn, 0 fail`);

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const stopped = doctor(home, { VIGIL_PORT: String(port) });
    expect(stopped.status, stopped.stdout).toBe(0);
    expect(stopped.lines.filter((l) => !l.startsWith('ok ')), stopped.stdout).toEqual([]);
    expect(stopped.line('port')).toContain(`127.0.0.1:${port} is free`);
    expect(stopped.line('logs')).toMatch(onPostgres() ? /^ok +logs +\d+ chains? verify in the team's database \(1 node, \d+ entries\)$/ : /daily logs? verify/);
    if (onPostgres()) expect(stopped.line('webhooks')).toMatch(/\(github\.ping, 00000000-0001\) at node [\w.-]+; no node runs on this home$/);
  });

  it('secrets.json readable by everyone: fail, the exact chmod, exit 1', () => {
    const home = makeHome();
    const secrets = path.join(home, 'secrets.json');
    fs.chmodSync(secrets, 0o644);
    const res = doctor(home);
    expect(res.status).toBe(1);
    expect(res.line('secrets')).toBe(
      row('fail', 'secrets', `${secrets} is mode 0644: everyone on this machine can read the webhook secret and tokens → fix: chmod 600 ${secrets}`),
    );
    expect(res.stderr).toContain('[VIGIL_ERR_DOCTOR]');
    // The fix it prints is the fix.
    fs.chmodSync(secrets, 0o600);
    expect(doctor(home).line('secrets')).toMatch(/^ok /);
  });

  it('a world-writable home, a taken port, an edited log and a broken config each fail with their fix', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    daemon.proc.kill('SIGTERM');
    await daemon.exited;
    fs.chmodSync(home, 0o777);
    const blocker = net.createServer().listen(0, '127.0.0.1');
    servers.push(blocker);
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    await editLog(home, '"daemon.started"', '"daemon.startled"');

    const res = doctor(home, { VIGIL_PORT: String(taken) });
    expect(res.status).toBe(1);
    expect(res.line('home')).toBe(row('fail', 'home', `${home} is mode 0777: others can change what vigil reads → fix: chmod 700 ${home}`));
    expect(res.line('port')).toMatch(new RegExp(`^fail +port +127\\.0\\.0\\.1:${taken} is taken by another program → fix: `));
    // A day's file on SQLite; a node's chain of a day in the team's database.
    const chain = onPostgres() ? '[\\w.-]+/\\d{4}-\\d\\d-\\d\\d' : '\\d{4}-\\d\\d-\\d\\d\\.jsonl';
    expect(res.line('logs')).toMatch(new RegExp(`^fail +logs +${chain} does not verify — line 1: .* → fix: vigil log verify --date `));
    fs.chmodSync(home, 0o700);

    fs.writeFileSync(path.join(home, 'config.json'), '{ "tick": { "every": 5 } }');
    const broken = doctor(home);
    expect(broken.line('config')).toMatch(/^fail +config +invalid configuration: tick\.every: unknown key \[VIGIL_ERR_CONFIG\] → fix: edit /);
    // What needs the config says it could not look, rather than guessing.
    expect(broken.line('port')).toMatch(/^warn +port +not checked: config\.json does not load/);
  });

  it.skipIf(sqliteOnly('vigil.db that is not SQLite: a team home has no vigil.db (its unreachable database is the next test)'))('a database that is not SQLite fails the integrity check', () => {
    const home = makeHome();
    fs.writeFileSync(path.join(home, 'vigil.db'), 'this is not a database at all, only text'.repeat(200));
    const res = doctor(home);
    expect(res.status).toBe(1);
    expect(res.line('database')).toMatch(/^fail +database +.*vigil\.db cannot be read: file is not a database → fix: stop vigil, keep a copy/);
  });

  it('desktop notifications without a desktop session are a warning, not a failure', () => {
    const home = makeHome({ notify: { desktop: true } });
    const res = doctor(home, { DISPLAY: '', WAYLAND_DISPLAY: '', DBUS_SESSION_BUS_ADDRESS: '' });
    expect(res.line('notify.desktop')).toMatch(/^warn +notify\.desktop +desktop notifications: no desktop session/);
    expect(res.line('notify.push')).toMatch(/^warn +notify\.push +web push: no browser subscribed → fix: /);
    expect(res.lines.some((l) => l.startsWith('fail'))).toBe(false);
  });
});

describe('vigil doctor on a team home (issue 19)', () => {
  it.runIf(onPostgres())("a team database that cannot be reached fails with its fix, never shows the URL's password, and the checks that read it stand aside", async () => {
    const home = makeHome();
    const url = new URL(homeStoreUrl(home)!);
    url.port = String(await freePort());
    url.username = 'vigil';
    url.password = 'pw-never-printed';
    writeConfig(home, { store: { url: url.toString() } });
    const res = doctor(home);
    expect(res.status, res.stdout).toBe(1);
    expect(res.line('database')).toMatch(
      new RegExp(`^fail +database +the team's PostgreSQL database at 127\\.0\\.0\\.1:${url.port}/home_\\w+ cannot be reached: .*ECONNREFUSED.* → fix: check that PostgreSQL runs at 127\\.0\\.0\\.1:${url.port}/home_\\w+ and takes the login in store\\.url`),
    );
    for (const name of ['size', 'logs', 'webhooks', 'notify.push']) {
      expect(res.line(name)).toMatch(new RegExp(`^warn +${name.replace('.', '\\.')} +not checked: the team's database cannot be reached \\(see the database line\\)$`));
    }
    expect(res.stdout + res.stderr).not.toContain('pw-never-printed');
  });

  it.runIf(onPostgres())('a team database no node has started on: reachable, not migrated yet, and empty rather than failing', () => {
    const home = makeHome();
    const res = doctor(home);
    expect(res.line('database')).toMatch(/^ok +database +the team's PostgreSQL [\d.]+ at [^ ]+: reachable; no node has started on it yet \(vigil start migrates it\)$/);
    expect(res.line('logs')).toMatch(/^ok +logs +no node's log in the team's database yet$/);
    expect(res.line('webhooks')).toMatch(/^warn +webhooks +no delivery received yet by any node of the team → fix: /);
    expect(res.line('notify.push')).toMatch(/^warn +notify\.push +web push: no browser subscribed/);
    // Read only: the doctor migrated nothing.
    expect(doctor(home).line('database')).toContain('no node has started on it yet');
  });
});

describe('the model reachability probe', () => {
  async function fakeModelServer(status: number): Promise<{ url: string; requests: http.IncomingHttpHeaders[] }> {
    const requests: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      requests.push({ ...req.headers, path: req.url });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"data":[]}');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests };
  }

  it('anthropic: lists models with the key; a refused key and an unreachable endpoint fail', async () => {
    const api = await fakeModelServer(200);
    const model = parseConfig({ model: { provider: 'anthropic', model: 'claude-x' } }).model;
    const env = { ANTHROPIC_BASE_URL: api.url };
    const okResult = await probeModel(model, { anthropicApiKey: 'sk-test-key-123' }, env);
    expect(okResult).toMatchObject({ status: 'ok', detail: `anthropic (claude-x): ${api.url} answers` });
    expect(api.requests[0]).toMatchObject({ path: '/v1/models?limit=1', 'x-api-key': 'sk-test-key-123' });

    const refused = await fakeModelServer(401);
    expect(await probeModel(model, { anthropicApiKey: 'sk-bad' }, { ANTHROPIC_BASE_URL: refused.url })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('refused the API key (HTTP 401)'),
    });
    expect(await probeModel(model, {}, env)).toMatchObject({ status: 'fail', detail: expect.stringContaining('no API key') });
    const gone = `http://127.0.0.1:${await freePort()}`;
    expect(await probeModel(model, { anthropicApiKey: 'sk-x' }, { ANTHROPIC_BASE_URL: gone })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is unreachable (ECONNREFUSED)'),
    });
  });

  it('openai-compatible: a local server without a key is reachable at baseURL/models', async () => {
    const api = await fakeModelServer(200);
    const model = parseConfig({ model: { provider: 'openai', model: 'llama3.1', baseURL: `${api.url}/v1` } }).model;
    expect(await probeModel(model, {}, {})).toMatchObject({ status: 'ok' });
    expect(api.requests[0]).toMatchObject({ path: '/v1/models' });
    expect(api.requests[0]!.authorization).toBeUndefined();
  });
});
