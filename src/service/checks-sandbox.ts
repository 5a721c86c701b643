import { detectSandbox } from '../agent/index.js';
import { needsConfig, ok, warn, type Check } from './doctor.js';

/**
 * Which wall agent tasks run behind (issue 12): the sandbox that starts here and what
 * it enforces, or that none can start and what follows — commands and the external
 * agent refused, or run unconfined because the owner set agent.unsandboxed.
 */
export const checkSandbox: Check = (_input, state) => {
  const config = needsConfig('sandbox', state);
  if (!('agent' in config)) return config;
  const { agent } = config;
  const sandbox = detectSandbox();
  const needed = Boolean(agent.command) || agent.allowCommands.length > 0;
  if (sandbox.kind === 'none') {
    const fix = process.platform === 'darwin' ? 'sandbox-exec ships with macOS: check that /usr/bin/sandbox-exec runs' : 'install bubblewrap (apt install bubblewrap, dnf install bubblewrap)';
    if (agent.unsandboxed) return warn('sandbox', `none can start (${sandbox.reason}); agent.unsandboxed is set: commands and the external agent run unconfined`, fix);
    if (!needed) return ok('sandbox', `none can start (${sandbox.reason}); not needed while agent.command and agent.allowCommands are unset`);
    return warn('sandbox', `none can start (${sandbox.reason}): agent tasks refuse commands and the external agent (agent.unsandboxed is off)`, fix);
  }
  const detail = `${sandbox.kind} (${sandbox.binary}, starts in ${sandbox.startMs} ms): commands without network, $HOME or secrets`;
  if (agent.allowHosts.length === 0) return ok('sandbox', `${detail}; the external agent keeps the network`);
  // bubblewrap cuts the network and vigil's CONNECT filter is the one way out; sandbox-exec has no such filter here.
  if (sandbox.kind === 'bwrap') return ok('sandbox', `${detail}; the external agent reaches only agent.allowHosts (TLS through vigil's host filter)`);
  return warn('sandbox', `${detail}; agent.allowHosts is not enforced by ${sandbox.kind}: the external agent can reach any host`, 'remove agent.allowHosts, or accept that the sandbox does not filter hosts');
};
