import os from 'node:os';
import { readDaemonInfo } from '../../home/index.js';
import type { ApprovalView } from '../../operations/index.js';
import { isoWithOffset, timeForPeople } from '../../for-people.js';
import { requireHome, type CliContext } from '../context.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { teamStoreUrl } from '../team-home.js';
import { loadHomeConfig } from '../home-config.js';

export async function approvalsCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  requireHome(ctx);
  // A daemon running on this home answers (a team's node too); else this process reads the store — the team's
  // database on a team's home (issue 19). The operations room (the store) is loaded only then (issue 18).
  const { result: pending } = await daemonOrInProcess<ApprovalView[], ApprovalView[]>(ctx, { method: 'GET', route: '/api/approvals' }, async () => {
    const team = await teamStoreUrl(ctx);
    const operations = await import('../../operations/index.js');
    return team ? operations.listTeamApprovals(team) : withHomeStore(ctx, ({ store }) => operations.listApprovals(store));
  });
  // Times as everywhere: ISO-8601 with the local offset for machines, the local clock for people.
  if (opts.json) return ctx.out(JSON.stringify(pending.map((a) => ({ ...a, ...(a.expiresAt ? { expiresAt: isoWithOffset(a.expiresAt) } : {}) })), null, 2));
  const now = Date.now();
  if (pending.length === 0) return ctx.out('no pending approvals');
  for (const a of pending) {
    ctx.out(`${a.id}  ${a.action}  ${JSON.stringify(a.params)}`);
    ctx.out(`          why: ${a.rationale || '-'}   expires: ${a.expiresAt ? timeForPeople(a.expiresAt, now) : 'never'}`);
  }
  ctx.out(`\nanswer with: vigil approve ID | vigil deny ID`);
}

export async function answerCommand(ctx: CliContext, id: string, answer: 'approve' | 'deny', opts: { reason?: string } = {}): Promise<void> {
  requireHome(ctx);
  const route = `/api/approvals/${encodeURIComponent(id)}/${answer}`;
  const { reason } = opts;
  let team: string | undefined;
  const ran = await daemonOrInProcess<{ id: string; state: string }, { id: string; state: string }>(
    ctx,
    { method: 'POST', route, passThrough: ['VIGIL_ERR_APPROVAL_NOT_FOUND', 'VIGIL_ERR_APPROVAL_CLOSED'], ...(reason !== undefined ? { body: { reason } } : {}) },
    async () => {
      // No daemon to redact the reason: this process stores it, knowing the secrets.
      if (reason !== undefined) await maskHomeSecrets(ctx);
      team = await teamStoreUrl(ctx);
      if (team) return answerInTeam(ctx, team, id, answer, reason);
      const { answerApproval } = await import('../../operations/index.js');
      return withHomeStore(ctx, (deps) => answerApproval(deps, id, answer, 'cli', reason));
    },
  );
  const { id: answered, state } = ran.result;
  // Without a daemon the answer is in the store; on a single home its log records wait in the outbox for the next start.
  ctx.out(`${answered}: ${state}${!ran.inDaemon && !team && state === 'approved' ? ' (runs when vigil starts)' : ''}`);
}

/** No node runs on this team's home (issue 19): the answer goes into the team's database, once, whichever node then runs it. */
async function answerInTeam(ctx: CliContext, team: string, id: string, answer: 'approve' | 'deny', reason: string | undefined): Promise<{ id: string; state: string }> {
  const { answerTeamApprovalByCli } = await import('../../operations/index.js');
  // After an approval a rule may be due (issue 15): judged by this home's permissions, as its node would.
  const { permissions } = loadHomeConfig(ctx);
  // The node of this home (stopped) names the chain the answer is logged in; without one, the host.
  const node = readDaemonInfo(ctx.paths.daemon)?.node ?? os.hostname();
  const { id: answered, state, suggestionFailed } = await answerTeamApprovalByCli(team, node, id, answer, reason, permissions);
  if (suggestionFailed) process.stderr.write(`vigil: the answer is recorded, but the rule suggestion failed: ${suggestionFailed}\n`);
  return { id: answered, state };
}

/**
 * Reads the home's secrets.json so that this process's mask (src/secrets/mask.ts) holds
 * them before it writes the owner's words; a secrets file that does not load stops the
 * answer (VIGIL_ERR_SECRETS) rather than store words it could not check.
 */
async function maskHomeSecrets(ctx: CliContext): Promise<void> {
  const { loadSecrets } = await import('../../config/index.js');
  loadSecrets(ctx.paths.secrets, ctx.env);
}
