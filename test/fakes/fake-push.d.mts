import type { ECDH } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface PushMessage {
  path: string;
  headers: IncomingHttpHeaders;
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  /** The decrypted payload, as the browser would see it. */
  payload: string;
  at: number;
}

export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushAnswer {
  status: number;
  headers?: Record<string, string>;
}

export class FakePushService {
  readonly messages: PushMessage[];
  readonly refused: { path: string; reason: string }[];
  readonly requests: { path: string; at: number }[];
  readonly origin: string;
  readonly caFile: string;
  readonly ca: string;
  onMessage: ((message: PushMessage) => void) | undefined;
  static start(): Promise<FakePushService>;
  subscribe(name: string): BrowserSubscription;
  script(name: string, ...answers: PushAnswer[]): void;
  waitFor(count: number, timeoutMs?: number): Promise<PushMessage[]>;
  close(): Promise<void>;
  receive(url: string, headers: IncomingHttpHeaders, body: Buffer): PushAnswer;
}

export function decryptAes128gcm(body: Buffer, device: { ecdh: ECDH; auth: Buffer }): Buffer;
