import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage } from './channel.js';

export interface SupervisedChildOptions<From extends ChildMessage> {
  /** The entry file (`childEntry`). */
  entry: URL;
  args?: string[];
  /** The child's home: it opens its own config and store there. */
  home: string;
  env?: NodeJS.ProcessEnv;
  onMessage: (message: From) => void;
  /** What its exit means to the parent; `exited` resolves once this has run (or its promise settled). */
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void | Promise<void>;
  /** A child that sends nothing for this long (any message counts as a heartbeat) is killed. */
  heartbeatTimeoutMs?: number;
}

/**
 * The daemon's end of one forked child: spawn, typed messages, the heartbeat watchdog,
 * and a stop that asks first and kills after a timeout. What a child's exit means
 * (restart, release its work, log its end) is the supervisor's, through `onExit`.
 */
export class SupervisedChild<To extends ChildMessage, From extends ChildMessage> {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  private lastHeard = Date.now();
  private watchdog: NodeJS.Timeout | undefined;

  constructor(options: SupervisedChildOptions<From>) {
    const proc = fork(options.entry, options.args ?? [], {
      env: { ...(options.env ?? process.env), VIGIL_HOME: options.home },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.proc = proc;
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        clearInterval(this.watchdog);
        resolve(options.onExit(code, signal));
      }),
    );
    proc.on('message', (message: From) => {
      this.lastHeard = Date.now();
      options.onMessage(message);
    });
    // A failed spawn or send also ends in 'exit'; there is nothing more to do with the error.
    proc.on('error', () => undefined);
    if (options.heartbeatTimeoutMs !== undefined) this.watch(options.heartbeatTimeoutMs);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get connected(): boolean {
    return this.proc.connected;
  }

  /** Lost when the child is gone or not listening yet: the protocol has it say `ready` first. */
  send(message: To): void {
    if (this.proc.connected) this.proc.send(message);
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  /** Ask the child to finish (`ask`), wait up to `timeoutMs`, then kill it; resolves once it has exited. */
  async stop(ask: () => void, timeoutMs: number, onKill?: () => void): Promise<void> {
    ask();
    const killer = setTimeout(() => {
      this.proc.kill('SIGKILL');
      onKill?.();
    }, timeoutMs);
    await this.exited;
    clearTimeout(killer);
  }

  private watch(timeoutMs: number): void {
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastHeard > timeoutMs) this.proc.kill('SIGKILL');
    }, Math.min(timeoutMs, 10_000));
    this.watchdog.unref();
  }
}
