import fs from 'node:fs';
import type { ServiceHost } from './host.js';
import { launchAgentPath, launchdDomain, LAUNCHD_LABEL, systemctl, systemUnitPath, UNIT_NAME, userUnitPath, type ServiceMode } from './locations.js';

export type ServiceKind = 'user' | 'system' | 'launchd';

export interface InstalledService {
  kind: ServiceKind;
  file: string;
  /** The VIGIL_HOME the service definition names. */
  home?: string;
}

/** The service definitions vigil would have written on this platform and that exist. */
export function findInstalled(host: ServiceHost): InstalledService[] {
  const candidates: { kind: ServiceKind; file: string }[] =
    host.platform === 'darwin'
      ? [{ kind: 'launchd', file: launchAgentPath(host) }]
      : host.platform === 'linux'
        ? [
            { kind: 'user', file: userUnitPath(host) },
            { kind: 'system', file: systemUnitPath() },
          ]
        : [];
  return candidates.flatMap(({ kind, file }) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    const home = kind === 'launchd' ? plistHome(text) : unitHome(text);
    return [{ kind, file, ...(home ? { home } : {}) }];
  });
}

function unitHome(text: string): string | undefined {
  const quoted = /^Environment="VIGIL_HOME=((?:[^"\\]|\\.)*)"$/m.exec(text)?.[1];
  if (quoted !== undefined) return quoted.replace(/\\(.)/g, '$1').replace(/%%/g, '%');
  return /^Environment=VIGIL_HOME=(\S+)$/m.exec(text)?.[1];
}

function plistHome(text: string): string | undefined {
  const raw = /<key>VIGIL_HOME<\/key>\s*<string>([^<]*)<\/string>/.exec(text)?.[1];
  return raw
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export interface Activity {
  state: 'active' | 'inactive' | 'unknown';
  /** systemd's word (failed, activating…) or launchd's state, or why it is unknown. */
  detail: string;
}

export function serviceActivity(host: ServiceHost, service: InstalledService): Activity {
  if (service.kind === 'launchd') {
    const res = host.run(['launchctl', 'print', `${launchdDomain(host)}/${LAUNCHD_LABEL}`]);
    if (res.error) return { state: 'unknown', detail: res.error };
    if (res.status !== 0) return { state: 'inactive', detail: 'not loaded' };
    const state = /^\s*state = (.+)$/m.exec(res.stdout)?.[1]?.trim() ?? 'loaded';
    return { state: state === 'running' ? 'active' : 'inactive', detail: state };
  }
  const res = host.run(systemctl(service.kind as ServiceMode, 'is-active', UNIT_NAME));
  const word = res.stdout.trim().split('\n')[0] ?? '';
  if (res.status === 0 && word === 'active') return { state: 'active', detail: 'active' };
  // is-active prints a state even when it exits non-zero; no word means systemd did not answer.
  if (/^[a-z-]+$/.test(word)) return { state: 'inactive', detail: word };
  return { state: 'unknown', detail: res.error ?? (res.stderr.trim().split('\n')[0] || `exit ${res.status}`) };
}
