import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/backend.js';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { packagesOf, tracePackages } from '../helpers/packages.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

/**
 * Issue 22: "idle, vigil never loads its HTTP framework" and "one process while idle"
 * were only measured by `npm run bench -- idle`. A preload (package-trace.mjs) writes
 * each package the real daemon resolves; the negative check is read after events the
 * daemon answered (/healthz, after its start-up work), and the same trace shows fastify once a
 * page needs it — so an empty trace is not a trace that cannot see. A webhook delivery is
 * answered on Node's own server (issue 18) and loads no framework either.
 */
const daemons: RunningDaemon[] = [];
/** What opens the home's store: a team node's is PostgreSQL's driver. */
const STORE_DRIVER = onPostgres() ? 'pg' : 'better-sqlite3';
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

/** Every process whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // The fields after the command's closing parenthesis: state, then the parent's pid.
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe.runIf(process.platform === 'linux')('an idle daemon', () => {
  it('has not loaded fastify or ICU date formatting and runs as one process; a webhook and the CLI load neither, the first page loads fastify', async () => {
    const home = makeHome();
    const { trace, env } = tracePackages(home);
    const daemon = await startDaemon(home, env);
    daemons.push(daemon);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);

    const idle = packagesOf(trace, daemon.pid);
    // The trace sees the daemon's packages (its store's driver opens the store at start: pg on a team node).
    expect(idle).toContain(STORE_DRIVER);
    expect(idle).not.toContain('fastify');
    expect(childrenOf(daemon.pid)).toEqual([]);
    // No Intl date formatting in the system's own zone: croner reads Date's own fields, and
    // so do the owner's profile and local time (ICU's tables, ~8 MB of idle RSS).
    expect(idle).not.toContain('intl:DateTimeFormat');

    const ping = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }), { event: 'ping', deliveryId: '00000000-0002' });
    expect(ping.status).toBe(202);
    expect(packagesOf(trace, daemon.pid)).not.toContain('fastify');
    expect(packagesOf(trace, daemon.pid)).not.toContain('intl:DateTimeFormat');
    // The trace sees Intl where it is used: a plain `new Intl.DateTimeFormat()`.
    const control = spawnSync(process.execPath, ['-e', 'new Intl.DateTimeFormat().format(0)'], { env: { ...process.env, ...env } });
    // The CLI's questions are answered on Node's own server too (src/daemon/cli-api-front.ts).
    for (const args of [['status'], ['approvals'], ['memory', 'search', 'design']]) {
      const asked = runCli(home, args);
      expect(asked.status, `vigil ${args.join(' ')}: ${asked.stderr}`).toBe(0);
    }
    expect(packagesOf(trace, daemon.pid)).toContain('helmet');
    expect(packagesOf(trace, daemon.pid)).not.toContain('fastify');
    expect(packagesOf(trace, control.pid!)).toContain('intl:DateTimeFormat');
    expect((await fetch(`${daemon.url}/login`)).status).toBe(200);
    await waitFor(() => packagesOf(trace, daemon.pid).includes('fastify'), 5000, 'fastify in the trace');
  }, 40_000);

  it("loads no undici, in the daemon or the CLI that talks to it: vigil's HTTP is node:http, whose ESM import would load it (issue 18)", async () => {
    const home = makeHome();
    const { trace, env: preload } = tracePackages(home);
    // The trace can see it: a plain ESM import of node:http is traced with undici.
    const control = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('node:http')"], { env: { ...process.env, ...preload }, encoding: 'utf8' });
    expect(packagesOf(trace, control.pid!)).toContain('node:undici');

    const daemon = await startDaemon(home, preload);
    daemons.push(daemon);
    const ping = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }), { event: 'ping', deliveryId: '00000000-0003' });
    expect(ping.status).toBe(202);
    const status = runCli(home, ['status'], preload);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('running');
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(packagesOf(trace, status.pid!)).not.toContain('node:undici');
    expect(packagesOf(trace, daemon.pid)).toEqual(expect.arrayContaining([STORE_DRIVER]));
    expect(packagesOf(trace, daemon.pid)).not.toContain('node:undici');
  }, 40_000);
});
