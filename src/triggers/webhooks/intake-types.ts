/** A verified delivery as the route hands it over: the body decoded, still unparsed. */
export interface RawDelivery {
  deliveryId: string;
  event: string;
  body: string;
  /** `body`'s UTF-8 bytes, when the caller has them (the route): the spool copies them rather than encode `body` again. */
  bytes?: Buffer;
  contentType?: string;
  /**
   * The first 64 bits of the HMAC-SHA256 that verified the body, as 16 hex digits: the
   * same bytes always give the same digest, so it is the key a replay is found by.
   */
  bodyDigest: string;
}

export type IntakeResult =
  | { status: 'invalid' }
  | { status: 'stored' | 'duplicate'; eventId: number; kind: string; filtered?: string }
  /** The body is stored under another delivery id (`replayOf` is that event): not stored again. */
  | { status: 'replayed'; replayOf: number; kind: string };

/**
 * What the webhook route stores a verified delivery through: SQLite's group commit
 * (intake.ts) or PostgreSQL's (pg-intake.ts). Its promise resolves only once the delivery
 * is durable, and rejects `VIGIL_ERR_WEBHOOK_UNAVAILABLE` when it is not.
 */
export interface DeliveryIntake {
  store(delivery: RawDelivery): Promise<IntakeResult>;
}
