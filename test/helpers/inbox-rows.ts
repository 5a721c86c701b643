/**
 * The inbox as a test reads it, on either backend (test/helpers/backend.ts): SQLite keeps
 * each event's body as text in `payload`, PostgreSQL as the bytes received in `body`
 * (bytea, pg-001). Both are read here as the same text. A GitHub body SQLite spooled beside
 * vigil.db (`payload_ref`) is not in its row: `githubDeliveries` (store-rows.ts) reads those.
 */
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

export interface InboxRow {
  id: number;
  source: string;
  kind: string;
  delivery_id: string | null;
  state: string;
  attempts: number;
  /** The event's body as text (JSON). */
  payload: string;
}

/**
 * Inbox rows in id order; `where` is SQL over the columns both schemas share (id, source,
 * kind, delivery_id, state, attempts), with `?` placeholders.
 */
export function inboxRows(home: string, where = 'TRUE', ...args: unknown[]): InboxRow[] {
  const payload = homeStoreUrl(home) ? `convert_from(body, 'UTF8')` : 'payload';
  return query<InboxRow>(home, `SELECT id, source, kind, delivery_id, state, attempts, ${payload} AS payload FROM inbox WHERE ${where} ORDER BY id`, ...args);
}
