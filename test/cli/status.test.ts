import { afterEach, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, type RunningDaemon } from '../helpers/home.js';

// `vigil status` reads for a person by default and for a machine with --json; with no
// daemon it still reports what the store knows, and exits 69 (README, exit codes).

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/;

it('no daemon: a readable summary that says so, and exit 69; --json too', () => {
  const home = makeHome();
  const plain = runCli(home, ['status']);
  expect(plain.status, plain.stderr).toBe(69);
  expect(plain.stdout).toContain('vigil is not running');
  expect(plain.stdout).toMatch(/waiting +0 events to decide · no approvals/);
  expect(plain.stdout).toMatch(/last tick +none yet/);
  expect(plain.stdout).toMatch(/last dream +none yet/);
  expect(plain.stdout).toMatch(/today +0 model calls/);
  expect(plain.stdout.trim().startsWith('{')).toBe(false);
  expect(plain.stderr).toContain('VIGIL_ERR_NOT_RUNNING');

  const json = runCli(home, ['status', '--json']);
  expect(json.status).toBe(69);
  expect(JSON.parse(json.stdout)).toMatchObject({ status: 'stopped', queueDepth: 0, lastDream: null });
});

it('a running daemon: what runs, since when, the URL; --json times carry the local offset; exit 0', async () => {
  const home = makeHome();
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  expect(runCli(home, ['tick']).status).toBe(0);

  const json = runCli(home, ['status', '--json']);
  expect(json.status, json.stderr).toBe(0);
  const report = JSON.parse(json.stdout) as { status: string; startedAt: string; nextTick: string | null };
  expect(report.status).toBe('running');
  expect(report.startedAt).toMatch(ISO_WITH_OFFSET);

  const plain = runCli(home, ['status']);
  expect(plain.status, plain.stderr).toBe(0);
  expect(plain.stdout).toMatch(new RegExp(`^vigil is running \\(pid ${daemon.pid}, .*\\) ${daemon.url.replace(/[.]/g, '\\.')}`));
  expect(plain.stdout).toMatch(/mode +\w+ · model: rules \(offline\)/);
  expect(plain.stdout).toMatch(/worker +\w+/);
  expect(plain.stdout).toMatch(/reaches you nobody: no channel configured/);
  expect(plain.stdout).toMatch(/refused +no webhook delivery in the last hour/);
  expect(plain.stdout).not.toMatch(/\{"/);
  // Not a terminal: no colour.
  expect(plain.stdout.includes('\x1b')).toBe(false);
});
