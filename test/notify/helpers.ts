import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { generateSecrets } from '../../src/config/secrets.js';
import { parseConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/clock.js';
import { buildNotifier } from '../../src/notify/index.js';
import { type Channel, type ChannelReport, type Notification } from '../../src/notify/types.js';
import { Store } from '../../src/store/index.js';
import type { FakePushService } from './fake-push.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

/** A real vigil.db (all migrations) in a temp dir, closed and removed after the test. */
export function tempStore(): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-'));
  const store = Store.open(path.join(dir, 'vigil.db'));
  cleanups.push(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** The log records a component staged, by type. */
export function staged(store: Store, type?: string): Record<string, unknown>[] {
  return store.outbox
    .pending(10_000)
    .map((r) => r.record)
    .filter((r) => type === undefined || r.type === type);
}

/** The notifier as the worker builds it (keys as `vigil init` makes them), trusting the fake push service's certificate. */
export function pushNotifier(store: Store, push: FakePushService, clock: Clock, notify: Record<string, unknown> = {}) {
  const secrets = generateSecrets();
  const config = parseConfig({ notify }, {});
  const notifier = buildNotifier({
    config,
    secrets: { vapid: secrets.vapid },
    store,
    clock,
    pushAgent: new https.Agent({ ca: push.ca }),
  });
  return { notifier, secrets, tables: store.pushSubscriptions };
}

/** An honest in-memory channel: it keeps what it was given; `behaviour` decides how it answers. */
export class RecordingChannel implements Channel {
  readonly received: { notification: Notification; at: number }[] = [];
  constructor(
    readonly name: string,
    private readonly behaviour: 'deliver' | 'throw' | 'hang' = 'deliver',
  ) {}

  async send(notification: Notification, signal: AbortSignal): Promise<ChannelReport> {
    this.received.push({ notification, at: Date.now() });
    if (this.behaviour === 'throw') throw new Error(`${this.name} is broken`);
    if (this.behaviour === 'hang') {
      // Never answers; only the abort (the fan-out's deadline) is noticed, and even that is ignored.
      await new Promise<void>(() => signal.addEventListener('abort', () => undefined));
    }
    return { delivered: true };
  }
}
