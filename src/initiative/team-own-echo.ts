import type { PgStore } from '../store/index.js';
import { echoLookups, type EchoStore } from './own-echo.js';

/**
 * vigil's own echoes on a team (issue 19): the home's check (own-echo.ts) over the team's
 * `actions`, read before the check asks — the action a text's marker names, and the
 * actions whose effect the delivery would be. The login vigil acts as is not known on a
 * team (its workers do not record it yet), so a delivery is never vigil's own by its
 * sender alone there.
 */
export async function teamEchoes(store: PgStore, event: { source: string; kind: string; payload: unknown }, now: number): Promise<EchoStore> {
  const look = echoLookups(event, now);
  const marked = look.markerId ? await store.actions.get(look.markerId) : undefined;
  const ran = new Map<string, { id: string; params: unknown }[]>();
  for (const action of look.ran?.actions ?? []) ran.set(action, await store.actions.ranSince(action, look.ran!.repo, look.ran!.since));
  return {
    hasAction: (id) => marked !== undefined && marked.id === id,
    actingLogin: () => undefined,
    ranSince: (action) => ran.get(action) ?? [],
  };
}
