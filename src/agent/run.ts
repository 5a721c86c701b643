import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  /** Bytes of output kept (stdout and stderr interleaved); the rest is counted, not kept. */
  outputCap: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  stdin?: string;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  output: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
}

/** Runs argv (no shell) in its own process group, killed whole on timeout or abort. */
export function runCapped(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let aborted = false;
    const take = (chunk: Buffer) => {
      if (kept >= options.outputCap) return void (truncated = true);
      const part = chunk.subarray(0, options.outputCap - kept);
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => ((timedOut = true), kill()), options.timeoutMs);
    const onAbort = () => ((aborted = true), kill());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8'), truncated, timedOut, aborted });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
