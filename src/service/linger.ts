import fs from 'node:fs';
import path from 'node:path';
import type { ServiceHost } from './host.js';
import { shellLine } from './quote.js';

export type Linger = 'yes' | 'no' | 'unknown';

/** systemd-logind keeps one empty file per lingering user here. */
export const LINGER_DIR = '/var/lib/systemd/linger';

/**
 * Does the user's systemd instance (and so a user unit) keep running after logout?
 * logind answers when it runs; without it (a container, no session) its files do.
 */
export function lingerState(host: ServiceHost, user: string): Linger {
  const res = host.run(['loginctl', 'show-user', user, '--property=Linger']);
  const answer = res.status === 0 ? /^Linger=(yes|no)$/m.exec(res.stdout)?.[1] : undefined;
  if (answer === 'yes' || answer === 'no') return answer;
  if (fs.existsSync(path.join(LINGER_DIR, user))) return 'yes';
  return fs.existsSync(LINGER_DIR) ? 'no' : 'unknown';
}

export function lingerFix(user: string): string {
  return shellLine(['loginctl', 'enable-linger', user]);
}
