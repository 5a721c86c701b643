/**
 * The IPC protocol between vigil's daemon and a forked child (the execution worker, the
 * dream child): JSON messages, each an object with a `type`, over the fork channel.
 * This is the child's end; the daemon's is `SupervisedChild`.
 */
export interface ChildMessage {
  type: string;
}

/** What a child says on a timer while its loop turns: the daemon's watchdog kills one that falls silent. */
export interface Heartbeat {
  type: 'heartbeat';
}

/** The child's end of the channel: `Out` is what it tells the daemon, `In` what it hears. */
export class ParentChannel<Out extends ChildMessage, In extends ChildMessage> {
  /** Resolves once the message is handed to the channel; at once when there is none (the child run by hand). */
  send(message: Out | Heartbeat): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(message, () => resolve());
    });
  }

  onMessage(handler: (message: In) => void): void {
    process.on('message', (message) => handler(message as In));
  }

  /** The daemon went away (or closed the channel). */
  onDisconnect(handler: () => void): void {
    process.once('disconnect', handler);
  }

  /** Says `heartbeat` every `everyMs`; returns the stop. */
  heartbeat(everyMs: number): () => void {
    const timer = setInterval(() => void this.send({ type: 'heartbeat' }), everyMs);
    return () => clearInterval(timer);
  }
}
