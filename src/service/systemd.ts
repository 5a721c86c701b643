import { VigilError } from '../errors.js';
import { systemctl, UNIT_NAME, type ServiceMode } from './locations.js';
import type { Plan, Step } from './plan.js';
import { systemdEnvironment, systemdWord } from './quote.js';
import { fillTemplate, readTemplate } from './templates.js';

export interface UnitInputs {
  mode: ServiceMode;
  /** Absolute paths: a unit has no shell to find them with. */
  node: string;
  entry: string;
  home: string;
  /** PATH for what vigil runs (git, agent commands): the installer's own. */
  pathEnv: string;
  /** System mode: the account the daemon runs as. */
  user?: string;
  /** System mode: clones vigil may write to besides its home (config `repos[].path`). */
  extraWritable?: readonly string[];
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

export function renderSystemdUnit(inputs: UnitInputs): string {
  const values: Record<string, string> = {
    NODE: systemdWord(inputs.node),
    ENTRY: systemdWord(inputs.entry),
    ENV_VIGIL_HOME: systemdEnvironment('VIGIL_HOME', inputs.home),
    ENV_PATH: systemdEnvironment('PATH', inputs.pathEnv),
  };
  if (inputs.mode === 'system') {
    if (!inputs.user || !USER_NAME.test(inputs.user)) {
      throw new VigilError('VIGIL_ERR_SERVICE', `"${inputs.user ?? ''}" is not a user name a system unit can run as`);
    }
    values.USER = inputs.user;
    // "-" makes a path that no longer exists harmless instead of a failed start.
    const writable = [inputs.home, ...(inputs.extraWritable ?? []).map((p) => `-${p}`)];
    values.READ_WRITE_PATHS = writable.map(systemdWord).join(' ');
  }
  return fillTemplate(readTemplate(`systemd/${inputs.mode}/vigil.service`), values);
}

export interface LinuxInstallInputs {
  mode: ServiceMode;
  unitFile: string;
  unit: string;
  /** Replacing a unit restarts the running service so that it runs the new one. */
  replacing: boolean;
  /** System mode: ProtectSystem=strict needs the home to exist, owned by the service's user. */
  createHomeFor?: { home: string; user: string };
}

export function linuxInstallPlan(inputs: LinuxInstallInputs): Plan {
  const { mode } = inputs;
  const steps: Step[] = [];
  if (inputs.createHomeFor) {
    const { home, user } = inputs.createHomeFor;
    steps.push({ kind: 'run', argv: ['install', '-d', '-m', '700', '-o', user, home] });
  }
  steps.push({ kind: 'write', path: inputs.unitFile, content: inputs.unit, mode: 0o644 });
  steps.push({ kind: 'run', argv: systemctl(mode, 'daemon-reload') });
  if (inputs.replacing) {
    steps.push({ kind: 'run', argv: systemctl(mode, 'enable', UNIT_NAME) });
    steps.push({ kind: 'run', argv: systemctl(mode, 'restart', UNIT_NAME) });
  } else {
    steps.push({ kind: 'run', argv: systemctl(mode, 'enable', '--now', UNIT_NAME) });
  }
  return { title: `vigil install --${mode}: systemd ${mode} unit ${inputs.unitFile}`, steps, notes: [], needsRoot: mode === 'system' };
}

export function linuxUninstallPlan(mode: ServiceMode, unitFile: string): Plan {
  return {
    title: `vigil uninstall: systemd ${mode} unit ${unitFile}`,
    steps: [
      { kind: 'run', argv: systemctl(mode, 'disable', '--now', UNIT_NAME), mayFail: true },
      { kind: 'remove', path: unitFile },
      { kind: 'run', argv: systemctl(mode, 'daemon-reload'), mayFail: true },
    ],
    notes: [],
    needsRoot: mode === 'system',
  };
}
