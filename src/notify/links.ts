import type { Notification } from './types.js';

/** What a text message can carry for a tap: the dashboard, and an approval's one-tap answers. */
export interface MessageLinks {
  open?: string;
  approve?: string;
  deny?: string;
}

/**
 * The links a chat message or an e-mail carries, when the owner's devices can reach the
 * dashboard (`notify.publicUrl`). An answer link opens a confirmation page
 * (`GET /push/approvals/:id/:answer?token=…`) whose button spends the capability token:
 * opening a link changes nothing, so a chat's link preview cannot approve anything.
 */
export function messageLinks(n: Notification, publicUrl: string | undefined): MessageLinks {
  const base = publicUrl?.replace(/\/+$/, '');
  if (!base) return {};
  const links: MessageLinks = { open: `${base}${n.path ?? '/'}` };
  if (n.approval) {
    const answer = (kind: 'approve' | 'deny', token: string) =>
      `${base}/push/approvals/${encodeURIComponent(n.approval!.id)}/${kind}?token=${encodeURIComponent(token)}`;
    links.approve = answer('approve', n.approval.approveToken);
    links.deny = answer('deny', n.approval.denyToken);
  }
  return links;
}

/** Without a public URL an approval is still answerable: the command that does it. */
export function approvalHint(n: Notification, links: MessageLinks): string | undefined {
  if (!n.approval || links.approve) return undefined;
  return `Answer with: vigil approve ${n.approval.id} (or vigil deny ${n.approval.id})`;
}

/** The message as plain text, for channels that render no markup (Telegram, e-mail). */
export function plainText(n: Notification, links: MessageLinks): string {
  const lines = [n.title];
  if (n.body && n.body !== n.title) lines.push('', n.body);
  const hint = approvalHint(n, links);
  if (links.approve) lines.push('', `Approve: ${links.approve}`, `Deny: ${links.deny}`);
  if (hint) lines.push('', hint);
  // A suggested rule's link is its confirmation page: opening it adds nothing, its button does.
  if (links.open) lines.push('', `${n.rule ? 'Add the rule' : 'Open vigil'}: ${links.open}`);
  return lines.join('\n');
}
