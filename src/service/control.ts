import path from 'node:path';
import { VigilError } from '../errors.js';
import type { ServiceHost } from './host.js';
import { launchdDomain, LAUNCHD_LABEL, systemctl, UNIT_NAME } from './locations.js';
import type { Plan } from './plan.js';
import { findInstalled, serviceActivity, type InstalledService } from './state.js';

export type ControlVerb = 'stop' | 'restart';

/**
 * `vigil stop` / `vigil restart` through the service manager, when an installed service
 * runs this home: stopping its process by pid would look like a crash to systemd
 * (`Restart=on-failure` does not restart a clean exit, but `restart` must go through it
 * for the service to own the new process). Undefined when no installed service serves
 * this home, or when it is not running and the verb is `stop`: the caller uses the pid.
 */
export function serviceControlPlan(host: ServiceHost, home: string, verb: ControlVerb, defaultHome: string): Plan | undefined {
  const mine = findInstalled(host).filter((s) => path.resolve(s.home ?? defaultHome) === path.resolve(home));
  if (mine.length === 0) return undefined;
  const active = mine.filter((s) => serviceActivity(host, s).state === 'active');
  if (active.length > 1) throw new VigilError('VIGIL_ERR_SERVICE', 'both a user and a system unit run this home: stop one with systemctl');
  const service = active[0] ?? (verb === 'restart' && mine.length === 1 ? mine[0] : undefined);
  return service ? planFor(host, service, verb) : undefined;
}

function planFor(host: ServiceHost, service: InstalledService, verb: ControlVerb): Plan {
  if (service.kind === 'launchd') {
    const target = `${launchdDomain(host)}/${LAUNCHD_LABEL}`;
    // The agent is not restarted after a clean exit (KeepAlive SuccessfulExit=false): SIGTERM stops it.
    const argv = verb === 'stop' ? ['launchctl', 'kill', 'SIGTERM', target] : ['launchctl', 'kickstart', '-k', target];
    return { title: `${verb} the LaunchAgent ${LAUNCHD_LABEL}`, steps: [{ kind: 'run', argv }], notes: [] };
  }
  return {
    title: `${verb} the systemd ${service.kind} unit ${UNIT_NAME}`,
    steps: [{ kind: 'run', argv: systemctl(service.kind, verb, UNIT_NAME) }],
    notes: [],
    ...(service.kind === 'system' ? { needsRoot: true } : {}),
  };
}
