/**
 * A team node's approvals on its own desktop (issue 19): with `notify.desktop` on and a
 * session bus, the node shows the team's pending approvals with Approve and Deny, as the
 * single daemon does (src/notify/desktop-approvals.ts says why the daemon and not the
 * worker) — the desktop is this machine's, whichever node decided the ask.
 *
 * - Every POLL_MS, only while the desktop applies (an idle node with it off gains no
 *   query), and at once after this node's decisions and answers: new pending approvals
 *   are shown, popups whose approval is no longer waiting (answered on any node,
 *   expired) are withdrawn.
 * - A click answers through the team's answer path (answerTeamApproval) by "desktop",
 *   once across the team whichever node or channel answers first.
 * - An ask this node decides while its desktop shows asks is marked delivered on the
 *   desktop in the deciding transaction (`showsAsks`), before any worker can claim its
 *   notice: the fan-out never reaches for a desktop and `notify.sent` names it. An ask
 *   another node decided is marked when it is shown here. The team worker has no desktop
 *   channel for notices, so one machine never gets two popups for one approval.
 * - Popup ids are kept in a file in the node's home, not in the database: they are ids on
 *   this machine's screen, and two nodes on two machines would overwrite each other's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { answerTeamApproval } from '../initiative/index.js';
import { approvalKey, DesktopApprovals, type DesktopLedger, gatePolicyOf, holdReason } from '../notify/index.js';
import type { PgApproval, PgStore, PgTx } from '../store/index.js';

/** How often a node with the desktop on looks for approvals to show or withdraw. */
const POLL_MS = 2000;
/** The node's home file of popup ids (this machine's screen). */
export const DESKTOP_POPUPS_FILE = 'desktop-popups.json';

export interface TeamDesktopDeps {
  store: PgStore;
  clock: Clock;
  home: string;
  config: () => Readonly<Config>;
  /** An approval the desktop granted: the worker may run it now. */
  approved: (action: PgApproval) => void;
  report: (what: string, err: unknown) => void;
  env?: NodeJS.ProcessEnv;
}

export class TeamDesktop {
  private readonly popups: DesktopApprovals;
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The first look re-shows every pending approval: the popups of the node before were withdrawn at its stop (replaced in place by id). */
  private first = true;

  constructor(private readonly deps: TeamDesktopDeps) {
    this.popups = new DesktopApprovals({
      ledger: this.ledger(),
      clock: deps.clock,
      config: deps.config,
      answer: (id, answer) => this.answer(id, answer),
      report: deps.report,
      ...(deps.env ? { env: deps.env } : {}),
    });
  }

  start(): void {
    const poll = () => {
      if (this.stopped) return;
      this.nudge();
      this.timer = setTimeout(poll, POLL_MS).unref();
    };
    poll();
  }

  /** Look now (this node decided or answered); a look under way is followed by one more. */
  nudge(): void {
    if (this.stopped || !this.popups.applies()) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = this.look().finally(() => {
      this.looking = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      }
    });
  }

  /**
   * For the deciding transaction (TeamProposals): whether this node's desktop shows a new
   * ask now — the desktop applies, and quiet hours and the hourly cap let a notice out.
   */
  readonly showsAsks = async (tx: PgTx, now: number): Promise<boolean> => {
    if (this.stopped || !this.popups.applies()) return false;
    const window = await this.deps.store.notify.window(tx, now);
    return holdReason(gatePolicyOf(this.deps.config()), 'normal', now, window.sentLastHour) === undefined;
  };

  /** The node stops: its popups are withdrawn (nobody would hear a click). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.looking;
    // Awaited: the node's process may end soon after, and a popup left up would answer nobody.
    await this.popups.stop();
  }

  private async look(): Promise<void> {
    const { store } = this.deps;
    try {
      const pending = await store.transaction((tx) => store.approvals.pending(tx));
      const first = this.first;
      this.first = false;
      await this.popups.show(pending.map((a) => a.id).filter((id) => first || !this.popups.showing(id)));
      await this.popups.settle();
    } catch (err) {
      this.deps.report('the desktop approvals', err);
    }
  }

  private async answer(id: string, answer: 'approve' | 'deny'): Promise<void> {
    const answered = await answerTeamApproval(this.deps.store, this.deps.clock, { id, answer, by: 'desktop' });
    if (answered !== 'used' && answered.state === 'approved') this.deps.approved(answered);
  }

  private ledger(): DesktopLedger {
    const { store, config } = this.deps;
    const file = path.join(this.deps.home, DESKTOP_POPUPS_FILE);
    return {
      approval: (id) => store.transaction((tx) => store.approvals.get(tx, id)),
      held: async (now) => {
        const window = await store.transaction((tx) => store.notify.window(tx, now));
        return holdReason(gatePolicyOf(config()), 'normal', now, window.sentLastHour) !== undefined;
      },
      delivered: (id) => store.notify.markDelivered(approvalKey(id), 'desktop'),
      unshown: (id, err) => this.deps.report(`showing the desktop popup of approval ${id}`, err),
      readPopups: () => {
        try {
          return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
          throw err;
        }
      },
      writePopups: (popups) => {
        const tmp = `${file}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(popups), { mode: 0o600 });
        fs.renameSync(tmp, file);
      },
    };
  }
}
