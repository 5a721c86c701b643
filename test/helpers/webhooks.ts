import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeHome, removeHomes, startDaemon, type RunningDaemon } from './home.js';

export function sign(secret: string, body: string): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
}

export function webhookSecret(home: string): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { webhookSecret: string }).webhookSecret;
}

export interface PostOptions {
  event?: string;
  deliveryId?: string;
  signature?: string | null;
  contentType?: string;
}

/** POST a delivery the way GitHub does. `signature: null` leaves the header out. */
export async function postDelivery(url: string, secret: string, body: string, options: PostOptions = {}) {
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/test',
  };
  if (options.event !== undefined) headers['x-github-event'] = options.event;
  if (options.deliveryId !== undefined) headers['x-github-delivery'] = options.deliveryId;
  const signature = options.signature === undefined ? sign(secret, body) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${url}/webhooks/github`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/**
 * One daemon for a whole test file that posts deliveries: a fresh home, started before
 * the file's tests and stopped (SIGTERM) after them, with the secret GitHub would sign with.
 */
export function useWebhookDaemon(): { readonly home: string; readonly daemon: RunningDaemon; readonly secret: string } {
  const shared = {} as { home: string; daemon: RunningDaemon; secret: string };
  beforeAll(async () => {
    shared.home = makeHome();
    shared.daemon = await startDaemon(shared.home);
    shared.secret = webhookSecret(shared.home);
  });
  afterAll(async () => {
    shared.daemon.proc.kill('SIGTERM');
    await shared.daemon.exited;
    removeHomes();
  });
  return shared;
}
