import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cliEnv, killDaemons, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';

// `vigil start` writes for whoever reads it (issue 16): a person at a terminal gets
// readable lines and a banner with the dashboard URL and where the login token is; a
// pipe (journald, launchd's log file) gets one JSON line each, as before.

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const ESC = '\x1b';

/** `vigil start` inside a pseudo-terminal (util-linux `script`); stopped with SIGTERM once it runs. */
async function startInPty(home: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const command = [process.execPath, BIN, 'start', ...args].map(quote).join(' ');
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { env: cliEnv(home, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    const info = await waitFor(() => {
      try {
        return JSON.parse(fs.readFileSync(path.join(home, 'daemon.json'), 'utf8')) as { pid: number; url: string };
      } catch {
        return undefined;
      }
    }, 20_000, 'daemon.json');
    // The banner in the pretty format, the started line in JSON: either way, running.
    await waitFor(() => out.includes('vigil stop') || out.includes('"msg":"vigil started"'), 10_000, 'the start');
    process.kill(info.pid, 'SIGTERM');
    expect(await exited).toBe(0);
    return { out, url: info.url, lines: out.split(/\r?\n/).filter((l) => l.trim() !== '') };
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

function isJsonLine(line: string): boolean {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}

describe('vigil start output', () => {
  it('on a terminal: readable lines, no JSON, the dashboard URL and where the login token is, in colour', async () => {
    const home = makeHome();
    const { out, url, lines } = await startInPty(home);
    expect(lines.filter(isJsonLine), out).toEqual([]);
    expect(out).toContain(url);
    expect(out).toContain(`dashboardToken in ${path.join(home, 'secrets.json')}`);
    expect(out).toMatch(/\d\d:\d\d:\d\d\D.*INFO.* vigil started/);
    expect(out).toMatch(/INFO.* vigil stopped/);
    expect(out).toContain(ESC);
    // The token itself is never printed.
    const token = (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
    expect(out).not.toContain(token);
  });

  it('NO_COLOR=1 on a terminal: the same readable lines without one escape code', async () => {
    const home = makeHome();
    const { out, url } = await startInPty(home, [], { NO_COLOR: '1' });
    expect(out).toContain(url);
    expect(out).toMatch(/INFO +vigil started/);
    expect(out.includes(ESC), JSON.stringify(out)).toBe(false);
  });

  it('--log-format json on a terminal: every line is JSON', async () => {
    const home = makeHome();
    const { lines, out } = await startInPty(home, ['--log-format', 'json']);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every(isJsonLine), out).toBe(true);
  });

  it('piped: the worker\'s lines are JSON too (a notify it runs prints one)', { timeout: 60_000 }, async () => {
    const home = makeHome({ rules: [{ on: 'tick', propose: { action: 'notify', params: { title: 'tick seen', body: 'by {{payload.trigger}}' } } }] });
    const piped = await startDaemon(home);
    daemons.push(piped);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => piped.output().includes('vigil notify'), 30_000, 'the worker\'s notify line');
    piped.proc.kill('SIGTERM');
    expect((await piped.exited).code).toBe(0);
    const lines = piped.output().split('\n').filter(Boolean);
    expect(lines.every(isJsonLine), piped.output()).toBe(true);
    const workerLine = lines.map((l) => JSON.parse(l) as { msg: string; component?: string }).find((l) => l.msg.includes('vigil notify'));
    expect(workerLine).toMatchObject({ component: 'worker', msg: expect.stringContaining('tick seen') });
  });

  it('piped: every line is JSON; --log-format pretty piped: none is', async () => {
    const home = makeHome();
    const piped = await startDaemon(home);
    daemons.push(piped);
    piped.proc.kill('SIGTERM');
    expect((await piped.exited).code).toBe(0);
    const lines = piped.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every(isJsonLine), piped.output()).toBe(true);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('vigil started');

    const pretty = spawn(process.execPath, [BIN, 'start', '--log-format', 'pretty'], { env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pretty.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => pretty.once('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('vigil stop'), 20_000, 'the banner');
    pretty.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.split('\n').filter(Boolean).filter(isJsonLine)).toEqual([]);
    // Not a terminal: no colour even in the pretty format.
    expect(out.includes(ESC)).toBe(false);
  });

  it('--log-format anything else is a usage error (exit 2)', async () => {
    const home = makeHome();
    const res = spawn(process.execPath, [BIN, 'start', '--log-format', 'xml'], { env: cliEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    res.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => res.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('--log-format xml');
  });
});
