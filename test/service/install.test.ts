import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cliEnv, makeHome, removeHomes } from '../helpers/home.js';
import { executePlan, installPlan } from '../../src/service/index.js';
import { fakeHost, parseUnit, removeTempDirs, systemdVerify, tempDir, treeSnapshot } from './helpers.js';

afterEach(() => {
  removeHomes();
  removeTempDirs();
});

/** A machine of its own: HOME and XDG_CONFIG_HOME in a temp dir, the vigil home inside it. */
function machine(extra: NodeJS.ProcessEnv = {}) {
  const root = tempDir('vigil-machine-');
  const env = { HOME: root, XDG_CONFIG_HOME: path.join(root, '.config'), ...extra };
  const vigil = (home: string, args: string[], more: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { env: cliEnv(home, { ...env, ...more }), encoding: 'utf8', timeout: 20_000 });
  return { root, env, vigil, unitFile: path.join(root, '.config/systemd/user/vigil.service') };
}

/**
 * Stand-ins for systemctl and loginctl on PATH: they record how they were called and
 * answer as told by SHIM_ACTIVE / SHIM_LINGER. This machine runs no systemd to talk to.
 */
function shims(dir: string): { bin: string; calls: () => string[] } {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  fs.mkdirSync(bin);
  const script = (name: string, body: string) => {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`, { mode: 0o755 });
  };
  script('systemctl', 'case "$*" in *is-active*) echo "${SHIM_ACTIVE:-inactive}"; [ "${SHIM_ACTIVE}" = active ];; esac');
  script('loginctl', 'echo "Linger=${SHIM_LINGER:-no}"');
  return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('vigil install', () => {
  it('--user --dry-run prints the unit and the exact commands, and changes nothing', () => {
    const m = machine();
    const home = path.join(m.root, 'vigil-home');
    fs.cpSync(makeHome(), home, { recursive: true });
    const before = treeSnapshot(m.root);

    const res = m.vigil(home, ['install', '--user', '--dry-run']);
    expect(res.status, res.stderr).toBe(0);
    expect(treeSnapshot(m.root)).toEqual(before);
    expect(fs.existsSync(m.unitFile)).toBe(false);

    const out = res.stdout;
    expect(out).toContain(`would write ${m.unitFile} (mode 0644):`);
    const unit = /----- vigil\.service -----\n([\s\S]*?)\n----- end -----/.exec(out)?.[1];
    expect(unit).toBeDefined();
    const { Service, Install } = parseUnit(unit!);
    expect(Service!.ExecStart).toEqual([`${process.execPath} ${BIN} start`]);
    expect(Service!.Environment).toContain(`"VIGIL_HOME=${home}"`);
    expect(Install!.WantedBy).toEqual(['default.target']);
    expect(systemdVerify(unit! + '\n', 'user').complaints).toEqual([]);
    const commands = out.split('\n').filter((l) => l.startsWith('would run: '));
    expect(commands).toEqual(['would run: systemctl --user daemon-reload', 'would run: systemctl --user enable --now vigil.service']);
    expect(out).toMatch(/note: linger is (off|unknown[^\n]*) for \S+: .*loginctl enable-linger \S+/);
  });

  it('--system --dry-run prints a confined system unit and systemctl without --user, and writes nothing to /etc', () => {
    const m = machine();
    const home = makeHome();
    const before = treeSnapshot(m.root);
    const etcUnit = '/etc/systemd/system/vigil.service';
    const existed = fs.existsSync(etcUnit);
    const res = m.vigil(home, ['install', '--system', '--dry-run']);
    expect(res.status, res.stderr).toBe(0);
    expect(treeSnapshot(m.root)).toEqual(before);
    expect(fs.existsSync(etcUnit)).toBe(existed);
    const unit = /----- vigil\.service -----\n([\s\S]*?)\n----- end -----/.exec(res.stdout)![1]!;
    const { Service } = parseUnit(unit);
    expect(Service).toMatchObject({ User: [os.userInfo().username], ProtectSystem: ['strict'], ReadWritePaths: [home], NoNewPrivileges: ['yes'], PrivateTmp: ['yes'] });
    expect(res.stdout).toContain('would run: systemctl daemon-reload\nwould run: systemctl enable --now vigil.service');
  });

  it('a real run writes the unit and runs systemctl; doctor then asks systemd; uninstall undoes it', () => {
    const m = machine();
    const { bin, calls } = shims(m.root);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const home = makeHome();

    const first = m.vigil(home, ['install'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(fs.statSync(m.unitFile).mode & 0o777).toBe(0o644);
    expect(parseUnit(fs.readFileSync(m.unitFile, 'utf8')).Service!.Environment).toContain(`"VIGIL_HOME=${home}"`);
    expect(calls()).toEqual([
      `loginctl show-user ${os.userInfo().username} --property=Linger`,
      'systemctl --user daemon-reload',
      'systemctl --user enable --now vigil.service',
    ]);
    expect(first.stdout).toContain(`Keep it running with: loginctl enable-linger ${os.userInfo().username}`);

    // Installing again replaces the unit and restarts the service onto it.
    const second = m.vigil(home, ['install', '--user'], { ...env, SHIM_LINGER: 'yes' });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('linger');
    expect(calls().slice(-2)).toEqual(['systemctl --user enable vigil.service', 'systemctl --user restart vigil.service']);

    const running = m.vigil(home, ['doctor'], { ...env, SHIM_ACTIVE: 'active', SHIM_LINGER: 'no' });
    expect(running.stdout).toMatch(new RegExp(`^ok +service +systemd user unit ${m.unitFile}: running$`, 'm'));
    expect(running.stdout).toMatch(new RegExp(`^warn +linger .* → fix: loginctl enable-linger ${os.userInfo().username}$`, 'm'));

    const stopped = m.vigil(home, ['doctor'], { ...env, SHIM_ACTIVE: 'failed', SHIM_LINGER: 'yes' });
    expect(stopped.status).toBe(1);
    expect(stopped.stdout).toMatch(/^fail +service +.* is installed but failed → fix: systemctl --user restart vigil.service/m);
    expect(stopped.stdout).toMatch(/^ok +linger +on for /m);

    const removed = m.vigil(home, ['uninstall'], env);
    expect(removed.status, removed.stderr).toBe(0);
    expect(fs.existsSync(m.unitFile)).toBe(false);
    expect(calls().slice(-2)).toEqual(['systemctl --user disable --now vigil.service', 'systemctl --user daemon-reload']);
    expect(fs.existsSync(path.join(home, 'secrets.json'))).toBe(true);
    const again = m.vigil(home, ['uninstall'], env);
    expect(again.stdout).toContain('no vigil service is installed');
  });

  it('refuses a broken config before installing anything: the service would exit 78 and never restart', () => {
    const m = machine();
    const home = makeHome();
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ tick: { every: 5 } }));
    const res = m.vigil(home, ['install', '--user', '--dry-run']);
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('tick.every');
    expect(fs.existsSync(path.join(m.root, '.config'))).toBe(false);
  });

  it('--user and --system together is a usage error', () => {
    const res = machine().vigil(makeHome(), ['install', '--user', '--system', '--dry-run']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--user or --system, not both [VIGIL_ERR_USAGE]');
  });

  it('a system unit is refused to a user who is not root, before anything is written or run', () => {
    const host = fakeHost({ uid: 1000, env: { HOME: tempDir(), PATH: '/usr/bin' } });
    const home = tempDir();
    const plan = installPlan(host, { mode: 'system', home });
    expect(() => executePlan(plan, host, () => undefined)).toThrow(/needs root/);
    expect(host.ran).toEqual([]);
    expect(fs.existsSync('/etc/systemd/system/vigil.service.1000.tmp')).toBe(false);
  });
});
