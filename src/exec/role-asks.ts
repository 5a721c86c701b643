/**
 * A team worker's questions to its node about a role (issue 19): "do you still hold it?",
 * sent over IPC and answered from the database by the node (src/daemon/team-worker.ts).
 * No answer within the timeout, or no node any more (killed, or the channel closed), is a
 * no: work fenced by the role stops rather than runs unfenced.
 */
import type { FromTeamWorker, ToTeamWorker, WorkerRole } from './team-protocol.js';

const ANSWER_TIMEOUT_MS = 10_000;

export class RoleAsks {
  private readonly waiting = new Map<string, (held: boolean) => void>();
  private next = 0;

  constructor(
    private readonly send: (message: FromTeamWorker) => void,
    private readonly connected: () => boolean,
  ) {}

  confirm(role: WorkerRole): Promise<boolean> {
    if (!this.connected()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const id = String(this.next++);
      const timer = setTimeout(() => this.settle(id, false), ANSWER_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, (held) => {
        clearTimeout(timer);
        resolve(held);
      });
      this.send({ type: 'confirm', id, role });
    });
  }

  /** The node's answer. */
  answered(message: Extract<ToTeamWorker, { type: 'role' }>): void {
    this.settle(message.id, message.held === true);
  }

  /** The node went away: every question is answered no. */
  disconnected(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, false);
  }

  private settle(id: string, held: boolean): void {
    const answer = this.waiting.get(id);
    this.waiting.delete(id);
    answer?.(held);
  }
}
