import path from 'node:path';
import { LAUNCHD_LABEL } from './locations.js';
import type { Plan, Step } from './plan.js';
import { xmlEscape } from './quote.js';
import { fillTemplate, readTemplate } from './templates.js';

export interface AgentInputs {
  node: string;
  entry: string;
  home: string;
  pathEnv: string;
  logDir: string;
}

export function renderLaunchAgent(inputs: AgentInputs): string {
  return fillTemplate(readTemplate(`launchd/${LAUNCHD_LABEL}.plist`), {
    LABEL: xmlEscape(LAUNCHD_LABEL),
    NODE: xmlEscape(inputs.node),
    ENTRY: xmlEscape(inputs.entry),
    PATH: xmlEscape(inputs.pathEnv),
    VIGIL_HOME: xmlEscape(inputs.home),
    LOG_DIR: xmlEscape(inputs.logDir),
  });
}

export interface DarwinInstallInputs {
  plistFile: string;
  plist: string;
  logDir: string;
  /** `gui/<uid>`: the logged-in user's launchd domain. */
  domain: string;
  /** A loaded agent must be booted out before the new definition can be bootstrapped. */
  replacing: boolean;
}

export function darwinInstallPlan(inputs: DarwinInstallInputs): Plan {
  const steps: Step[] = [
    { kind: 'mkdir', path: path.dirname(inputs.plistFile) },
    { kind: 'mkdir', path: inputs.logDir },
  ];
  if (inputs.replacing) steps.push({ kind: 'run', argv: ['launchctl', 'bootout', `${inputs.domain}/${LAUNCHD_LABEL}`], mayFail: true });
  steps.push({ kind: 'write', path: inputs.plistFile, content: inputs.plist, mode: 0o644 });
  steps.push({ kind: 'run', argv: ['launchctl', 'bootstrap', inputs.domain, inputs.plistFile] });
  return { title: `vigil install: LaunchAgent ${inputs.plistFile}`, steps, notes: [] };
}

export function darwinUninstallPlan(plistFile: string, domain: string): Plan {
  return {
    title: `vigil uninstall: LaunchAgent ${plistFile}`,
    steps: [
      { kind: 'run', argv: ['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`], mayFail: true },
      { kind: 'remove', path: plistFile },
    ],
    notes: [],
  };
}
