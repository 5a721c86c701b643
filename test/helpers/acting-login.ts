/**
 * The GitHub login the worker learnt it acts as, on either backend (test/helpers/backend.ts):
 * a home's worker keeps it in `kv` (`github.actingLogin`, JSON), a team's in its `team` row
 * (`acting_login`, pg-019). Every login kept, so a test sees a second one too.
 */
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

export function actingLogins(home: string): string[] {
  if (homeStoreUrl(home)) return query<{ login: string }>(home, 'SELECT acting_login AS login FROM team WHERE acting_login IS NOT NULL').map((r) => r.login);
  return query<{ value: string }>(home, `SELECT value FROM kv WHERE key = 'github.actingLogin'`).map((r) => (JSON.parse(r.value) as { login: string }).login);
}
