import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installPlan, systemHost } from '../../src/service/index.js';
import { findInstalled } from '../../src/service/state.js';
import { renderSystemdUnit, type UnitInputs } from '../../src/service/systemd.js';
import { BIN } from '../helpers/home.js';
import { fakeHost, parseUnit, removeTempDirs, systemdVerify, tempDir } from './helpers.js';

afterEach(() => removeTempDirs());

/** Real paths of this machine: verify checks that ExecStart's binary exists. */
function inputs(mode: 'user' | 'system', overrides: Partial<UnitInputs> = {}): UnitInputs {
  return {
    mode,
    node: process.execPath,
    entry: BIN,
    home: path.join(tempDir(), 'home'),
    pathEnv: '/usr/local/bin:/usr/bin:/bin',
    user: 'root',
    ...overrides,
  };
}

describe('systemd units', () => {
  it('the user unit passes `systemd-analyze --user verify` and holds the restart policy and the home', () => {
    const input = inputs('user');
    const unit = renderSystemdUnit(input);
    const verified = systemdVerify(unit, 'user');
    expect(verified.complaints).toEqual([]);
    expect(verified.status).toBe(0);

    const { Unit, Service, Install } = parseUnit(unit);
    expect(Unit).toMatchObject({ StartLimitIntervalSec: ['300'], StartLimitBurst: ['5'] });
    expect(Service).toMatchObject({ Restart: ['on-failure'], RestartSec: ['5'], RestartPreventExitStatus: ['78'] });
    expect(Service!.ExecStart).toEqual([`${process.execPath} ${BIN} start`]);
    expect(path.isAbsolute(process.execPath) && path.isAbsolute(BIN)).toBe(true);
    expect(Service!.Environment).toContain(`"VIGIL_HOME=${input.home}"`);
    expect(Service!.Environment).toContain(`"PATH=${input.pathEnv}"`);
    expect(Service!.User).toBeUndefined();
    expect(Install).toEqual({ WantedBy: ['default.target'] });
  });

  it('the system unit passes `systemd-analyze verify` and is confined to its home', () => {
    const input = inputs('system', { extraWritable: ['/srv/clones/app'] });
    const unit = renderSystemdUnit(input);
    const verified = systemdVerify(unit, 'system');
    expect(verified.complaints).toEqual([]);
    expect(verified.status).toBe(0);

    const { Unit, Service, Install } = parseUnit(unit);
    expect(Unit).toMatchObject({ StartLimitIntervalSec: ['300'], StartLimitBurst: ['5'] });
    expect(Service).toMatchObject({
      User: ['root'],
      ProtectSystem: ['strict'],
      ReadWritePaths: [`${input.home} -/srv/clones/app`],
      NoNewPrivileges: ['yes'],
      PrivateTmp: ['yes'],
      Restart: ['on-failure'],
      RestartSec: ['5'],
      RestartPreventExitStatus: ['78'],
      KillMode: ['mixed'],
    });
    expect(Service!.Environment).toContain(`"VIGIL_HOME=${input.home}"`);
    expect(Install).toEqual({ WantedBy: ['multi-user.target'] });
  });

  it('paths with spaces, quotes and % still verify, and the home reads back exactly', () => {
    const home = path.join(tempDir(), 'my "vigil" 100% home');
    for (const mode of ['user', 'system'] as const) {
      const unit = renderSystemdUnit(inputs(mode, { home }));
      const verified = systemdVerify(unit, mode);
      expect(verified.complaints, mode).toEqual([]);
      expect(verified.status, mode).toBe(0);
    }
    // The doctor finds an installed unit's home by reading it back.
    const host = fakeHost({ env: { HOME: tempDir(), XDG_CONFIG_HOME: tempDir() } });
    const file = path.join(host.env.XDG_CONFIG_HOME!, 'systemd/user/vigil.service');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, renderSystemdUnit(inputs('user', { home })));
    expect(findInstalled(host)).toEqual([{ kind: 'user', file, home }]);
  });

  it('verify is a real check: a unit whose node does not exist is refused', () => {
    const unit = renderSystemdUnit(inputs('user', { node: '/nonexistent/bin/node' }));
    const verified = systemdVerify(unit, 'user');
    expect(verified.complaints.join('\n')).toMatch(/nonexistent\/bin\/node/);
  });

  it('a system unit refuses a user name systemd would not take', () => {
    expect(() => renderSystemdUnit(inputs('system', { user: 'no body' }))).toThrow(/not a user name/);
  });

  it('the unit this machine would install names this node and this dist/cli/main.js', () => {
    const host = { ...systemHost({ ...process.env, HOME: tempDir(), XDG_CONFIG_HOME: tempDir() }), platform: 'linux' as const };
    const plan = installPlan(host, { mode: 'user', home: '/srv/vigil' });
    const write = plan.steps.find((s) => s.kind === 'write');
    if (write?.kind !== 'write') throw new Error('no unit in the plan');
    expect(parseUnit(write.content).Service!.ExecStart).toEqual([`${process.execPath} ${BIN} start`]);
    expect(fs.existsSync(BIN)).toBe(true);
  });
});
