/**
 * Everything vigil writes on GitHub says so (issue 3): a visible line that it was
 * written by vigil, an AI agent, on the owner's behalf — no setting turns it off —
 * then the hidden marker that makes the write idempotent by action id.
 */

const MARKER_PREFIX = '<!-- vigil:action:';
const ANY_MARKER = /<!--\s*vigil:action:[^>]*-->/g;

export function actionMarker(actionId: string): string {
  return `${MARKER_PREFIX}${actionId} -->`;
}

export function disclosureLine(ownerLogin?: string): string {
  const owner = ownerLogin ? `@${ownerLogin}` : 'its owner';
  return `_Written by vigil, an AI agent, on behalf of ${owner}._`;
}

/**
 * The body as posted. A marker inside the proposed body is removed first: only this
 * action's own marker may mark the text, or a model (or a webhook it quoted) could make
 * another action believe it had already run.
 */
export function withDisclosure(body: string, actionId: string, ownerLogin?: string): string {
  const text = body.replace(ANY_MARKER, '').trimEnd();
  return `${text}${text ? '\n\n' : ''}---\n${disclosureLine(ownerLogin)}\n${actionMarker(actionId)}`;
}

export function carriesMarker(body: string | null | undefined, actionId: string): boolean {
  return typeof body === 'string' && body.includes(actionMarker(actionId));
}
