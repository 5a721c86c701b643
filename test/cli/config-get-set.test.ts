import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const readConfig = (home: string) => JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8')) as Record<string, Record<string, unknown>>;

it('get reads the value in effect, defaults included; an unset key exits 1', () => {
  const home = makeHome();
  const get = runCli(home, ['config', 'get', 'permissions.mode']);
  expect(get.status, get.stderr).toBe(0);
  expect(get.stdout.trim()).toMatch(/^\w+$/);
  const json = runCli(home, ['config', 'get', 'github.coalesceSeconds', '--json']);
  expect(json.stdout.trim()).toBe('0');
  const missing = runCli(home, ['config', 'get', 'notify.nothing']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('VIGIL_ERR_CONFIG_UNSET');
});

it('set writes a checked value (JSON when it parses, else a string) and keeps the previous file', () => {
  const home = makeHome();
  const before = fs.readFileSync(path.join(home, 'config.json'), 'utf8');
  const set = runCli(home, ['config', 'set', 'tick.activeHours', '08:00-22:00']);
  expect(set.status, set.stderr).toBe(0);
  expect(readConfig(home).tick!.activeHours).toBe('08:00-22:00');
  expect(fs.readFileSync(path.join(home, 'config.json.prev'), 'utf8')).toBe(before);
  expect(set.stdout).toContain('no daemon runs');

  expect(runCli(home, ['config', 'set', 'dream.idleMinutes', '45']).status).toBe(0);
  expect(readConfig(home).dream!.idleMinutes).toBe(45);
  expect(runCli(home, ['config', 'get', 'dream.idleMinutes']).stdout.trim()).toBe('45');
  expect(runCli(home, ['config', 'set', 'github.repos', '["octo/*"]']).status).toBe(0);
  expect(readConfig(home).github!.repos).toEqual(['octo/*']);
});

it('a value the schema refuses exits 78 naming the key, and nothing is written', () => {
  const home = makeHome();
  const before = fs.readFileSync(path.join(home, 'config.json'), 'utf8');
  const bad = runCli(home, ['config', 'set', 'tick.timezone', 'Mars/Olympus']);
  expect(bad.status).toBe(78);
  expect(bad.stderr).toContain('tick.timezone');
  const unknown = runCli(home, ['config', 'set', 'tick.shedule', '* * * * *']);
  expect(unknown.status).toBe(78);
  expect(unknown.stderr).toContain('tick.shedule');
  const proto = runCli(home, ['config', 'set', '__proto__.polluted', 'true']);
  expect(proto.status).toBe(2);
  expect(fs.readFileSync(path.join(home, 'config.json'), 'utf8')).toBe(before);
  expect(fs.existsSync(path.join(home, 'config.json.prev'))).toBe(false);
});

it('a running daemon is sent SIGHUP and reloads the new config', async () => {
  const home = makeHome();
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const set = runCli(home, ['config', 'set', 'dream.idleMinutes', '50']);
  expect(set.status, set.stderr).toBe(0);
  expect(set.stdout).toContain(`sent SIGHUP to vigil pid ${daemon.pid}`);
  await waitFor(() => logEntries(home).some((e) => e.type === 'config.reloaded'), 15_000, 'config.reloaded');
  await waitFor(() => daemon.output().includes('"msg":"config reloaded"'), 5_000, 'the oplog line: ' + JSON.stringify(daemon.output()) + String(daemon.proc.exitCode));
});
