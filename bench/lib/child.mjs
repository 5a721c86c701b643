// Start a bench target (bench/targets/*.mjs) in its own process and stop it again.
// A target listens on 127.0.0.1 port 0 and prints one line `READY {"url": …}` on stdout.
import { spawn } from 'node:child_process';

/**
 * Spawns `node <script>` with `env` added to the inherited environment and waits for
 * its READY line. Returns { child, pid, url, info, exited, output() }.
 */
export function startTarget(script, { env = {}, nodeArgs = [], timeoutMs = 15000 } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdoutLine = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not print READY within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const keep = (c) => (output = (output + c).slice(-8000));
    child.stderr.on('data', keep);
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      stdoutLine += chunk;
      const m = /^READY (.*)$/m.exec(stdoutLine);
      if (!m) return;
      stdoutLine = '';
      clearTimeout(timer);
      const info = JSON.parse(m[1]);
      resolve({ child, pid: child.pid, url: info.url, info, exited, output: () => output });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before READY:\n${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stopTarget(target, graceMs = 3000) {
  const { child } = target;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = new Promise((r) => setTimeout(() => r(undefined), graceMs));
  let end = await Promise.race([target.exited, timer]);
  if (end === undefined) {
    child.kill('SIGKILL');
    end = await target.exited;
  }
  return end;
}
