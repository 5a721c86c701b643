import crypto from 'node:crypto';
import type { WebSessionRow, WebSessionTable } from '../store/index.js';

export type Session = WebSessionRow;

export const SESSION_COOKIE = 'vigil_session';
/** A phone that added vigil to its home screen should not be sent to /login every week. */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;

/**
 * Browser sessions, kept in vigil.db so a daemon restart does not log the phone out (on a
 * team, in PostgreSQL: a phone logged in through one node is logged in on every node).
 * Only a hash of the session id is stored: a copy of the database does not log anyone in.
 * Each session has its own CSRF token, which pages carry and state-changing requests echo.
 */
export class Sessions {
  constructor(private readonly table: WebSessionTable) {}

  async create(now: number): Promise<{ id: string; session: Session }> {
    const id = crypto.randomBytes(32).toString('base64url');
    const session = { idHash: hash(id), csrf: crypto.randomBytes(24).toString('base64url'), expiresAt: now + SESSION_TTL_MS };
    await this.table.insert(session, now);
    return { id, session };
  }

  async find(id: string | undefined, now: number): Promise<Session | undefined> {
    if (!id) return undefined;
    const row = await this.table.byHash(hash(id));
    return row && row.expiresAt > now ? row : undefined;
  }

  async delete(id: string | undefined): Promise<void> {
    if (id) await this.table.deleteByHash(hash(id));
  }
}

function hash(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}

/** The value of one cookie from a Cookie header (RFC 6265 §5.4 pairs, no decoding beyond %XX). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure when served over TLS. */
export function sessionCookie(value: string, maxAgeMs: number, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
