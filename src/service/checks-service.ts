import { fail, ok, warn, type Check } from './doctor.js';
import { lingerFix, lingerState } from './linger.js';
import { findInstalled, serviceActivity, type InstalledService } from './state.js';

function installedHere(home: string, installed: InstalledService[]): InstalledService | undefined {
  return installed.find((s) => s.home === home) ?? installed[0];
}

const startCommand: Record<InstalledService['kind'], string> = {
  user: 'systemctl --user restart vigil.service; journalctl --user -u vigil -e says why it stopped',
  system: 'sudo systemctl restart vigil.service; journalctl -u vigil -e says why it stopped',
  launchd: 'vigil install (loads it again); ~/Library/Logs/vigil/vigil.err.log says why it stopped',
};

/**
 * A home that never asked for a service is healthy: running vigil in a terminal is a
 * choice, so "not installed" is information, not a warning. An installed service that
 * does not run is a failure: the owner relies on it.
 */
export const checkService: Check = ({ host, paths }) => {
  const installed = findInstalled(host);
  if (installed.length === 0) return ok('service', 'not installed (vigil install to add it)');
  const service = installedHere(paths.home, installed)!;
  const label = `${service.kind === 'launchd' ? 'LaunchAgent' : `systemd ${service.kind} unit`} ${service.file}`;
  if (service.home && service.home !== paths.home) return ok('service', `${label} runs another home (${service.home}), not this one`);
  const activity = serviceActivity(host, service);
  if (activity.state === 'active') return ok('service', `${label}: running`);
  if (activity.state === 'unknown') return warn('service', `${label}: cannot ask the service manager (${activity.detail})`);
  return fail('service', `${label} is installed but ${activity.detail}`, startCommand[service.kind]);
};

/** A user unit stops at logout unless the user lingers; nothing else needs it. */
export const checkLinger: Check = ({ host }) => {
  if (host.platform !== 'linux') return ok('linger', 'not needed on this platform');
  if (!findInstalled(host).some((s) => s.kind === 'user')) return ok('linger', 'not needed (no systemd user unit)');
  const state = lingerState(host, host.username);
  if (state === 'yes') return ok('linger', `on for ${host.username}: the user unit runs after logout`);
  const detail = state === 'no' ? `off for ${host.username}: the user unit stops when you log out` : 'unknown: logind did not answer';
  return warn('linger', detail, lingerFix(host.username));
};
