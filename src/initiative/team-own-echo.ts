import type { PgStore } from '../store/index.js';
import { echoLookups, type EchoStore } from './own-echo.js';

/**
 * vigil's own echoes on a team (issue 19): the home's check (own-echo.ts) over the team's
 * `actions`, read before the check asks — the action a text's marker names, and the
 * actions whose effect the delivery would be — and the login the team's workers act as
 * (the author GitHub named on their last write, `team.acting_login`), read only for a
 * delivery that names a sender.
 */
export async function teamEchoes(store: PgStore, event: { source: string; kind: string; payload: unknown }, now: number): Promise<EchoStore> {
  const look = echoLookups(event, now);
  const marked = look.markerId ? await store.actions.get(look.markerId) : undefined;
  const ran = new Map<string, { id: string; params: unknown }[]>();
  for (const action of look.ran?.actions ?? []) ran.set(action, await store.actions.ranSince(action, look.ran!.repo, look.ran!.since));
  const acting = event.source === 'github' && hasSender(event.payload) ? await store.actingLogin.get() : undefined;
  return {
    hasAction: (id) => marked !== undefined && marked.id === id,
    actingLogin: () => acting?.login,
    ranSince: (action) => ran.get(action) ?? [],
  };
}

function hasSender(payload: unknown): boolean {
  const sender = (payload as { sender?: { login?: unknown } } | null)?.sender;
  return typeof sender?.login === 'string';
}
