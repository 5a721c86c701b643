import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import { type ServiceHost } from './host.js';
import { darwinInstallPlan, darwinUninstallPlan, renderLaunchAgent } from './launchd.js';
import { lingerFix, lingerState } from './linger.js';
import { launchAgentPath, launchdDomain, launchdLogDir, unitPath, type ServiceMode } from './locations.js';
import type { Plan } from './plan.js';
import { findInstalled } from './state.js';
import { linuxInstallPlan, linuxUninstallPlan, renderSystemdUnit } from './systemd.js';

export interface InstallRequest {
  /** Linux only; user by default. */
  mode?: ServiceMode;
  /** The VIGIL_HOME the service runs on. */
  home: string;
  /** Watched clones (config `repos[].path`): a system unit may write there too. */
  repoPaths?: readonly string[];
}

export function installPlan(host: ServiceHost, request: InstallRequest): Plan {
  if (host.platform === 'linux') return linuxPlan(host, request.mode ?? 'user', request);
  if (host.platform === 'darwin') {
    if (request.mode === 'system') {
      throw new VigilError('VIGIL_ERR_SERVICE', 'on macOS vigil runs as a LaunchAgent of your user; --system is for Linux');
    }
    return darwinPlan(host, request.home);
  }
  throw new VigilError('VIGIL_ERR_SERVICE', `${host.platform}: vigil install knows systemd (Linux) and launchd (macOS)`);
}

/** The account a system unit runs as: whoever ran sudo, else whoever runs this. */
export function serviceUser(host: ServiceHost, mode: ServiceMode): string {
  return (mode === 'system' && host.env.SUDO_USER?.trim()) || host.username;
}

function linuxPlan(host: ServiceHost, mode: ServiceMode, request: InstallRequest): Plan {
  const user = serviceUser(host, mode);
  const unitFile = unitPath(host, mode);
  const unit = renderSystemdUnit({
    mode,
    node: host.execPath,
    entry: host.entry,
    home: request.home,
    pathEnv: servicePath(host),
    user,
    extraWritable: request.repoPaths ?? [],
  });
  const createHome = mode === 'system' && !fs.existsSync(request.home);
  const plan = linuxInstallPlan({
    mode,
    unitFile,
    unit,
    replacing: fs.existsSync(unitFile),
    ...(createHome ? { createHomeFor: { home: request.home, user } } : {}),
  });
  if (mode === 'user') {
    const linger = lingerState(host, user);
    if (linger !== 'yes') {
      const state = linger === 'no' ? 'off' : 'unknown (logind did not answer)';
      plan.notes.push(`linger is ${state} for ${user}: a user service stops when you log out. Keep it running with: ${lingerFix(user)}`);
    }
  }
  return plan;
}

function darwinPlan(host: ServiceHost, home: string): Plan {
  const plistFile = launchAgentPath(host);
  const logDir = launchdLogDir(host);
  const plist = renderLaunchAgent({ node: host.execPath, entry: host.entry, home, pathEnv: servicePath(host), logDir });
  const plan = darwinInstallPlan({ plistFile, plist, logDir, domain: launchdDomain(host), replacing: fs.existsSync(plistFile) });
  plan.notes.push(`output goes to ${path.join(logDir, 'vigil.log')}`);
  return plan;
}

/** The installer's PATH, with node's own directory first so that npm and npx resolve too. */
export function servicePath(host: ServiceHost): string {
  const dirs = (host.env.PATH?.trim() || '/usr/local/bin:/usr/bin:/bin').split(path.delimiter).filter(Boolean);
  const nodeDir = path.dirname(host.execPath);
  return [...new Set([nodeDir, ...dirs])].join(path.delimiter);
}

/** undefined when there is nothing to uninstall. */
export function uninstallPlan(host: ServiceHost, mode: ServiceMode | undefined): Plan | undefined {
  const installed = findInstalled(host).filter((s) => mode === undefined || s.kind === mode);
  if (installed.length === 0) return undefined;
  if (installed.length > 1) {
    throw new VigilError('VIGIL_ERR_SERVICE', 'both a user and a system unit are installed: say --user or --system');
  }
  const service = installed[0]!;
  if (service.kind === 'launchd') return darwinUninstallPlan(service.file, launchdDomain(host));
  return linuxUninstallPlan(service.kind, service.file);
}

/** Where `vigil uninstall` looked, for the message when nothing is there. */
export function serviceFiles(host: ServiceHost): string[] {
  if (host.platform === 'darwin') return [launchAgentPath(host)];
  return [unitPath(host, 'user'), unitPath(host, 'system')];
}

/** The home of `sudo vigil install --system` is the sudoer's, not root's. */
export function homeOfUser(user: string, passwd = '/etc/passwd'): string | undefined {
  try {
    const line = fs
      .readFileSync(passwd, 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === user);
    return line?.split(':')[5] || undefined;
  } catch {
    return undefined;
  }
}
