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
  const detail = `${sandbox.kind} (${sandbox.binary}, starts in ${sandbox.startMs} ms): commands without network, $HOME or secrets; the external agent keeps the network`;
  // bubblewrap and sandbox-exec cut the network whole or not at all; a host filter would need a proxy vigil does not run.
  if (agent.allowHosts.length > 0) {
    return warn('sandbox', `${detail}, and agent.allowHosts is not enforced: it can reach any host`, 'remove agent.allowHosts, or accept that the sandbox does not filter hosts');
  }
  return ok('sandbox', detail);
};
