import { systemClock } from '../../clock.js';
import { approvalView } from '../../daemon/index.js';
import { answerApproval } from '../../initiative/index.js';
import { Store } from '../../store/index.js';
import { callDaemon, daemonUrl, requireHome, type CliContext } from '../context.js';

export async function approvalsCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  requireHome(ctx);
  const store = Store.open(ctx.paths.db);
  try {
    const pending = store.actions.pendingApprovals().map(approvalView);
    if (opts.json) return ctx.out(JSON.stringify(pending, null, 2));
    if (pending.length === 0) return ctx.out('no pending approvals');
    for (const a of pending) {
      ctx.out(`${a.id}  ${a.action}  ${JSON.stringify(a.params)}`);
      ctx.out(`          why: ${a.rationale || '-'}   expires: ${a.expiresAt ?? 'never'}`);
    }
    ctx.out(`\nanswer with: vigil approve ID | vigil deny ID`);
  } finally {
    store.close();
  }
}

export async function answerCommand(ctx: CliContext, id: string, answer: 'approve' | 'deny'): Promise<void> {
  requireHome(ctx);
  if (daemonUrl(ctx)) {
    const result = await callDaemon<{ id: string; state: string }>(ctx, 'POST', `/api/approvals/${encodeURIComponent(id)}/${answer}`);
    ctx.out(`${result.id}: ${result.state}`);
    return;
  }
  // No daemon: answer in the store; the log records wait in the outbox for the next start.
  const store = Store.open(ctx.paths.db);
  try {
    const action = answerApproval(store, id, answer, 'cli', systemClock.now());
    ctx.out(`${action.id}: ${action.state}${action.state === 'approved' ? ' (runs when vigil starts)' : ''}`);
  } finally {
    store.close();
  }
}
