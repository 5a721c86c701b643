import type { Config } from '../config/index.js';
import type { Clock } from '../clock.js';
import { secretMask } from '../secrets/index.js';
import type { ActionRecord, Store } from '../store/index.js';
import { gateFor } from './build.js';
import { connectNotifications, escapeMarkup, sessionBusAddress, type NotificationsBus } from './desktop-bus.js';
import { describeAction } from './notices.js';

/** What a popup shows of an approval, and whether it still waits. */
export type DesktopApproval = Pick<ActionRecord, 'id' | 'action' | 'params' | 'rationale' | 'state'>;

/**
 * Where the popups' facts live: the home's SQLite store (`sqliteLedger`), or a team's
 * PostgreSQL tables (src/notify/team-desktop.ts). The popup ids are this machine's
 * screen's, read once and written on each change.
 */
export interface DesktopLedger {
  /** The approval as it is now. */
  approval(id: string): Promise<DesktopApproval | undefined>;
  /** Quiet hours or the hourly cap hold approvals for the digest now: no popup. */
  held(now: number): Promise<boolean>;
  /** The approval's notice counts the desktop among the channels that delivered it. */
  delivered(id: string, now: number): Promise<void>;
  /**
   * Showing failed. The single daemon leaves it unset: nothing was marked, and the
   * worker's desktop channel tries and logs. A node marked its own asks in the deciding
   * transaction and its worker has no desktop for notices, so it says it here.
   */
  unshown?(id: string, err: unknown): void;
  readPopups(): Record<string, number>;
  writePopups(popups: Record<string, number>): void;
}

const POPUPS_KEY = 'notify.desktop.popups' as const;

/** The single daemon's ledger: its store, as it always was. */
export function sqliteLedger(store: Store, config: () => Pick<Readonly<Config>, 'notify' | 'tick'>): DesktopLedger {
  return {
    approval: (id) => Promise.resolve(store.actions.get(id)),
    held: (now) => {
      const gate = gateFor(store.notifications, config());
      return Promise.resolve(gate.isQuiet(now) || gate.capReached(now));
    },
    delivered: (id, now) => Promise.resolve(store.notifications.markDelivered(approvalKey(id), 'desktop', now)),
    readPopups: () => store.kv.get(POPUPS_KEY) ?? {},
    writePopups: (popups) => store.kv.set(POPUPS_KEY, popups),
  };
}


export interface DesktopApprovalsDeps {
  ledger: DesktopLedger;
  clock: Clock;
  config: () => Pick<Readonly<Config>, 'notify'>;
  /** The daemon's answer path, the one `vigil approve` / `vigil deny` reach (src/operations), by "desktop". */
  answer: (id: string, answer: 'approve' | 'deny') => void | Promise<unknown>;
  /** Something went wrong that the log should say (a click whose answer the store refused). */
  report: (what: string, err: unknown) => void;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** The key of an approval's notice (src/notify/reach.ts): a channel marked delivered there is not sent again by the worker. */
export const approvalKey = (id: string) => `approval:${id}`;

const CRITICAL = 2;
const NEVER_EXPIRES = 0;

/**
 * Approvals on a Linux (or BSD) desktop with Approve and Deny buttons, through the
 * Desktop Notifications protocol on the session bus.
 *
 * Why here, in the daemon, and not in the worker's DesktopChannel: the notification
 * server sends ActionInvoked only to the bus connection that showed the notification,
 * and only while it is open. The worker exits when idle (exec.idleExitSeconds), while
 * an approval waits for a day; the daemon is up all that time anyway. So the daemon
 * shows the popup and keeps the one connection open while a popup is on screen, and
 * closes it when the last one is withdrawn: an idle vigil holds no bus connection and
 * starts no process; the D-Bus client is imported the first time an approval is shown.
 *
 * The popup is marked delivered on the desktop channel under the notice's key before
 * the notice is queued, so the worker's fan-out does not show it a second time and its
 * `notify.sent` names "desktop" among the channels. When showing fails here, nothing
 * is marked: the worker's desktop channel tries its own way (a popup without buttons)
 * and logs the failure if that fails too, so the log says it once.
 */
export class DesktopApprovals {
  private bus: Promise<NotificationsBus> | undefined;
  /**
   * Approval id → popup id, kept in the store as well: a restarted daemon replaces the
   * popups of the one before in place (same id) instead of adding twins, and withdraws
   * those whose approval was answered meanwhile.
   */
  private shown: Map<string, number> | undefined;
  private stopped = false;

  constructor(private readonly deps: DesktopApprovalsDeps) {}

  /** Whether approvals go to this desktop with buttons: notify.desktop on, not macOS/Windows, a session bus to reach. */
  applies(): boolean {
    const platform = this.deps.platform ?? process.platform;
    if (platform === 'darwin' || platform === 'win32') return false;
    return this.deps.config().notify.desktop && sessionBusAddress(this.env) !== undefined;
  }

  /** Shows each pending approval (or replaces its earlier popup in place); never throws. */
  async show(ids: readonly string[]): Promise<void> {
    if (this.stopped || !this.applies()) return;
    const { ledger, clock } = this.deps;
    try {
      // Quiet hours and the hourly cap hold an approval for the digest: the worker's gate decides that, not a popup.
      if (await ledger.held(clock.now())) return;
    } catch (err) {
      this.deps.report('the notification gate', err);
      return;
    }
    for (const id of ids) {
      if (this.stopped) return;
      let action: DesktopApproval | undefined;
      try {
        action = await ledger.approval(id);
      } catch (err) {
        this.deps.report(`reading approval ${id}`, err);
        return;
      }
      if (!action || action.state !== 'awaiting_approval') continue;
      try {
        await this.showOne(action);
      } catch (err) {
        // Not marked delivered (on SQLite): the worker's desktop channel tries, and logs its failure.
        ledger.unshown?.(id, err);
        return;
      }
    }
  }

  /** Withdraws the popups of approvals no longer pending (answered elsewhere, expired); closes the connection when none is left. */
  async settle(): Promise<void> {
    for (const [id, popup] of [...this.popups]) {
      let action: DesktopApproval | undefined;
      try {
        action = await this.deps.ledger.approval(id);
      } catch (err) {
        // The store is away: the popup stays until the next settle can tell.
        this.deps.report(`reading approval ${id}`, err);
        return;
      }
      if (action?.state === 'awaiting_approval') continue;
      await this.withdraw(id, popup);
    }
    this.releaseIfIdle();
  }

  /**
   * The daemon stops: nobody will hear a click, so the popups go (best effort; the
   * next start shows the approvals still pending again). The store keeps their ids.
   */
  stop(): Promise<void> {
    this.stopped = true;
    const bus = this.bus;
    this.bus = undefined;
    const open = [...(this.shown?.values() ?? [])];
    if (!bus) return Promise.resolve();
    return bus.then(
      async (b) => {
        await Promise.allSettled(open.map((popup) => b.close(popup)));
        b.disconnect();
      },
      () => undefined,
    );
  }

  private get env(): NodeJS.ProcessEnv {
    return this.deps.env ?? process.env;
  }

  /** Whether a popup of this approval is on screen (shown by this daemon or the one before). */
  showing(id: string): boolean {
    return this.popups.has(id);
  }

  private async showOne(action: DesktopApproval): Promise<void> {
    const { ledger, clock } = this.deps;
    const bus = await this.connection();
    const mask = secretMask();
    const why = action.rationale ? `\n${action.rationale}` : '';
    const earlier = this.popups.get(action.id);
    const popup = await bus.notify({
      // The summary is plain text by the protocol; the body is markup to most servers.
      summary: mask.redact(`vigil: approve ${action.action}?`),
      body: escapeMarkup(mask.redact(`${describeAction(action)}${why}`)),
      actions: ['approve', 'Approve', 'deny', 'Deny'],
      urgency: CRITICAL,
      expireTimeoutMs: NEVER_EXPIRES,
      ...(earlier ? { replacesId: earlier } : {}),
    });
    this.popups.set(action.id, popup);
    this.remember();
    await ledger.delivered(action.id, clock.now());
  }

  private connection(): Promise<NotificationsBus> {
    const address = sessionBusAddress(this.env);
    if (!address) return Promise.reject(new Error('no session bus'));
    if (!this.bus) {
      const timeoutMs = this.deps.config().notify.timeoutSeconds * 1000;
      const opening = connectNotifications(address, timeoutMs).then((bus) => {
        bus.onAction((popup, key) => void this.clicked(popup, key));
        bus.onClosed((popup) => this.forget(popup));
        return bus;
      });
      // A failed connection is not kept: the next approval tries again.
      opening.catch(() => {
        if (this.bus === opening) this.bus = undefined;
      });
      this.bus = opening;
    }
    return this.bus;
  }

  /** ActionInvoked: only the notification server's own signals reach this listener (the bus matches them by its name). */
  private async clicked(popup: number, key: string): Promise<void> {
    const id = [...this.popups].find(([, p]) => p === popup)?.[0];
    if (!id || (key !== 'approve' && key !== 'deny')) return;
    try {
      await this.deps.answer(id, key);
    } catch (err) {
      // Answered elsewhere a moment earlier, or expired: the popup goes all the same.
      this.deps.report(`desktop answer to ${id}`, err);
    }
    await this.withdraw(id, popup);
    this.releaseIfIdle();
  }

  /** The owner closed it, or the server did: it can no longer be answered from there. */
  private forget(popup: number): void {
    for (const [id, p] of this.popups) if (p === popup) this.popups.delete(id);
    this.remember();
    this.releaseIfIdle();
  }

  private async withdraw(id: string, popup: number): Promise<void> {
    this.popups.delete(id);
    this.remember();
    try {
      // A popup of an earlier connection is closed by id as well: the server keeps ids, not senders.
      await (await this.connection()).close(popup);
    } catch (err) {
      this.deps.report(`withdrawing the desktop popup of ${id}`, err);
    }
  }

  private get popups(): Map<string, number> {
    if (!this.shown) {
      let remembered: Record<string, number> = {};
      try {
        remembered = this.deps.ledger.readPopups();
      } catch (err) {
        this.deps.report('reading desktop popups', err);
      }
      this.shown = new Map(Object.entries(remembered));
    }
    return this.shown;
  }

  private remember(): void {
    try {
      this.deps.ledger.writePopups(Object.fromEntries(this.popups));
    } catch (err) {
      this.deps.report('remembering desktop popups', err);
    }
  }

  private releaseIfIdle(): void {
    if (this.popups.size > 0 || !this.bus) return;
    const bus = this.bus;
    this.bus = undefined;
    void bus.then((b) => b.disconnect(), () => undefined);
  }
}
