import path from 'node:path';
import { homeDir, type ServiceHost } from './host.js';

export type ServiceMode = 'user' | 'system';

export const UNIT_NAME = 'vigil.service';
export const LAUNCHD_LABEL = 'dev.vigil';
/** Where systemd looks for system units written by an administrator. */
export const SYSTEM_UNIT_DIR = '/etc/systemd/system';

/** `$XDG_CONFIG_HOME/systemd/user/vigil.service` (default `~/.config/…`): systemd's own search path. */
export function userUnitPath(host: ServiceHost): string {
  const config = host.env.XDG_CONFIG_HOME?.trim() || path.join(homeDir(host), '.config');
  return path.join(config, 'systemd', 'user', UNIT_NAME);
}

export function systemUnitPath(): string {
  return path.join(SYSTEM_UNIT_DIR, UNIT_NAME);
}

export function unitPath(host: ServiceHost, mode: ServiceMode): string {
  return mode === 'user' ? userUnitPath(host) : systemUnitPath();
}

export function launchAgentPath(host: ServiceHost): string {
  return path.join(homeDir(host), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

/** stdout and stderr of the LaunchAgent: macOS keeps per-user logs here. */
export function launchdLogDir(host: ServiceHost): string {
  return path.join(homeDir(host), 'Library', 'Logs', 'vigil');
}

/** `systemctl` or `systemctl --user`. */
export function systemctl(mode: ServiceMode, ...args: string[]): string[] {
  return mode === 'user' ? ['systemctl', '--user', ...args] : ['systemctl', ...args];
}

export function launchdDomain(host: ServiceHost): string {
  return `gui/${host.uid}`;
}
