import type { Db } from './db.js';

/** The nonces of spent capability tokens (table `capability_uses`): each token answers once. */
export class CapabilityUses {
  constructor(private readonly db: Db) {}

  /** Spends a token's nonce; false when it was spent before. */
  spend(nonce: string, actionId: string, now: number): boolean {
    return (
      this.db
        .prepare('INSERT INTO capability_uses (nonce, action_id, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(nonce, actionId, now).changes === 1
    );
  }
}
