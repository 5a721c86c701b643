/**
 * What a team node's worker does for the owner besides running actions (issue 19): it
 * sends the notices queued in PostgreSQL, and the `notify` actions it runs, through its node's channels — it holds their
 * credentials, as the SQLite worker does, never the node's daemon: web push to every
 * browser subscribed in PostgreSQL, signed with the node's VAPID keys (the same on every
 * node), and ntfy, webhooks, Telegram and e-mail — and, every little
 * while, queues a digest of what quiet hours or the cap held back. Every node's worker
 * does it; the cap's lock and the check for a waiting digest queue each one once.
 */
import type { Config, Secrets } from '../config/index.js';
import type { Clock } from '../clock.js';
import { errorText } from '../errors.js';
import type { EventRecord } from '../events.js';
import { DesktopChannel, gatePolicyOf, remoteChannels, TeamNotices, WebPushChannel } from '../notify/index.js';
import type { PgWorkerStore } from '../store/index.js';

/** How often a worker looks for a due digest. */
const DIGEST_EVERY_MS = 15_000;

export interface TeamReach {
  /** Sends the next queued notice; false when none waits. */
  sendNext(): Promise<boolean>;
  /** Queues the digest when its time came; never throws. */
  digestIfDue(): Promise<void>;
  /** An allowed `notify` action, under its key, behind the same gate (TeamNotices.deliver). */
  deliver: TeamNotices['deliver'];
}

export function teamReach(opts: { store: PgWorkerStore; config: Readonly<Config>; secrets: Secrets; clock: Clock; print: (line: string) => void; env?: NodeJS.ProcessEnv }): TeamReach {
  const { store, config, secrets, clock, print } = opts;
  const notices = new TeamNotices({
    notify: store.notify,
    approval: (id) => store.transaction((tx) => store.approvals.get(tx, id)),
    suggestion: (id) => store.transaction((tx) => store.suggestions.get(tx, id)),
    finish: (notice, records) =>
      store.transaction(async (tx) => {
        // What was sent is logged even when the lease ran out meanwhile: the sends happened.
        await store.log.append(tx, records);
        const held = await store.notify.finish(tx, notice.id);
        if (!held) print(`vigil worker: notice ${notice.key}: its lease ran out while it was sent; whoever holds it now skips the channels that have it`);
        return held;
      }),
    channels: [
      new WebPushChannel({
        subscriptions: store.pushSubscriptions,
        vapid: { ...secrets.vapid, subject: config.notify.pushContact },
        clock,
        // A subscription removed (404, 410) or backing off (429): a line in the node's chain.
        record: (record) => appendLine(store, record).catch((err: unknown) => print(`vigil worker: a ${record.type} line was not logged: ${errorText(err)}`)),
        timeoutMs: config.notify.timeoutSeconds * 1000,
      }),
      ...remoteChannels({ config, secrets, ...(opts.env ? { env: opts.env } : {}) }),
    ],
    // An allowed `notify` action pops up on this node's desktop, as on SQLite; approvals are the daemon's (src/daemon/team-desktop.ts).
    ...(config.notify.desktop ? { actionChannels: [desktopChannel(store, config, clock, print, opts.env)] } : {}),
    policy: gatePolicyOf(config),
    capabilityKey: secrets.capabilityKey,
    clock,
    timeoutMs: config.notify.timeoutSeconds * 1000,
    leaseMs: config.store.leaseSeconds * 1000,
  });
  let lastLook = -Infinity;
  return {
    sendNext: () => notices.sendNext(),
    deliver: (notification, key, record) => notices.deliver(notification, key, record),
    async digestIfDue() {
      const now = clock.now();
      if (now - lastLook < DIGEST_EVERY_MS) return;
      lastLook = now;
      try {
        await notices.queueDigestIfDue();
      } catch (err) {
        print(`vigil worker: the digest: ${errorText(err)}`);
      }
    },
  };
}

function desktopChannel(store: PgWorkerStore, config: Readonly<Config>, clock: Clock, print: (line: string) => void, env: NodeJS.ProcessEnv | undefined): DesktopChannel {
  // "Unavailable, and why" is remembered for this worker's run: its log says it once per run, not at every action.
  const said = new Map<string, string | null>();
  return new DesktopChannel({
    clock,
    record: (record) => void appendLine(store, record).catch((err: unknown) => print(`vigil worker: a ${record.type} line was not logged: ${errorText(err)}`)),
    memory: { get: (key) => said.get(key), set: (key, value) => void said.set(key, value) },
    dashboardUrl: config.notify.publicUrl ?? `http://127.0.0.1:${config.http.port}`,
    ...(env ? { env } : {}),
  });
}

async function appendLine(store: PgWorkerStore, record: EventRecord): Promise<void> {
  await store.transaction((tx) => store.log.append(tx, [record]));
}
