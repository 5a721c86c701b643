import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { seedLog } from '../helpers/home-log.js';
import { BIN, cliEnv, killDaemons, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { packagesOf, tracePackages } from '../helpers/packages.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

/**
 * Issue 18: `vigil memory search` while the daemon runs is answered by the daemon, from
 * its open store — the CLI loads neither the store nor SQLite — with the same hits as a
 * search in the CLI's own process. When the daemon cannot answer whole (its index had
 * more to catch up than one request may spend on its loop), the CLI searches itself.
 */
const daemons: RunningDaemon[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  removeHomes();
});

const issue = (title: string) => JSON.stringify({ action: 'opened', issue: { number: 7, title, body: 'It happens on every second run.' }, repository: { full_name: 'octo/app' } });

describe('vigil memory search with a daemon running', () => {
  it('is answered by the daemon, without SQLite in the CLI, with the hits the CLI finds itself', async () => {
    const home = makeHome();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const sent = await postDelivery(daemon.url, webhookSecret(home), issue('Walrus tokenizer crashes on emoji'), { event: 'issues', deliveryId: crypto.randomUUID() });
    expect(sent.status).toBe(202);
    // The logs' words are the owner's: without the token or a session, nothing is searched.
    const anonymous = await fetch(`${daemon.url}/api/memory/search?q=walrus`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('Walrus');
    const { trace, env } = tracePackages(home);
    const viaDaemon = await waitFor(() => {
      const run = runCli(home, ['memory', 'search', 'walrus', 'emoji', '--json'], env);
      expect(run.status).toBe(0);
      const hits = JSON.parse(run.stdout) as { ref: string; kind: string; snippet: string }[];
      return hits.length > 0 ? { hits: hits as { ref: string; kind: string; snippet: string }[], pid: run.pid! } : undefined;
    }, 10_000, 'the delivery in the daemon-answered search');
    expect(viaDaemon.hits).toContainEqual(expect.objectContaining({ kind: 'github.issues.opened', ref: expect.stringMatching(/^event \d+$/) }));
    // Nor the config's schema: a command that only asks the daemon reads the home, not zod (src/home).
    expect(packagesOf(trace, viaDaemon.pid)).not.toContain('better-sqlite3');
    expect(packagesOf(trace, viaDaemon.pid)).not.toContain('zod');

    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const alone = runCli(home, ['memory', 'search', 'walrus', 'emoji', '--json'], env);
    expect(alone.status).toBe(0);
    expect(packagesOf(trace, alone.pid!)).toContain('better-sqlite3');
    expect(packagesOf(trace, alone.pid!)).toContain('zod');
    // The same hits in the same order (bm25's scores move with the index's size: the stop added entries).
    const found = (hits: { ref: string; kind: string; snippet: string }[]) => hits.map(({ ref, kind, snippet }) => ({ ref, kind, snippet }));
    expect(found(JSON.parse(alone.stdout))).toEqual(found(viaDaemon.hits));
  }, 40_000);

  it('searches in its own process when the daemon answers that its index is behind', async () => {
    const home = makeHome();
    // A first search in-process builds the index; then the log gets an entry the index lacks.
    expect(runCli(home, ['memory', 'search', 'anything']).status).toBe(0);
    // The daemon's API, faked: the CLI must not take a partial answer for the whole one.
    const asked: string[] = [];
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits: [], complete: false }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    // The home's log on either backend (a day's file, or a chain of the team's database).
    await seedLog(home, (dir) => {
      const log = new DailyLog({ dir, clock: systemClock });
      log.append({ type: 'decision.made', summary: 'the narwhal migration is done', act: false });
      log.close();
    });
    fs.writeFileSync(
      path.join(home, 'daemon.json'),
      JSON.stringify({ pid: process.pid, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, startedAt: new Date().toISOString(), version: 'test' }),
    );
    // Not spawnSync: this process answers as the daemon meanwhile.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'memory', 'search', 'narwhal', '--json'], { env: cliEnv(home, { VIGIL_PORT: undefined }), timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.status, run.stderr).toBe(0);
    expect(asked).toEqual(['/api/memory/search?q=narwhal&limit=20']);
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ kind: 'decision.made', snippet: expect.stringContaining('[narwhal]') })]);
  }, 30_000);
});
