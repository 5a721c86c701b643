// The latency bench's load generator in a process of its own, a fresh one for each
// target: the warm-up and the measured window run in it one after the other, so its
// code is compiled before the window as the target's is, and its heap holds nothing
// of the windows before (the bench process keeps every result and reads vigil's store
// between windows; a collection of that heap would hold requests that are due and count
// against whichever target is being measured). Each request is a signed delivery with
// its own id and bytes (bench/lib/signed-load.mjs), sent open loop (bench/lib/open-loop.mjs).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openLoop } from './open-loop.mjs';
import { deliveryBody, signBody } from './signed-load.mjs';

/**
 * Runs `windows` ([{ seconds, prefix }], in order) against `url` at `rate` per second in
 * a child process. Resolves with openLoop's result for each window.
 */
export function signedWindows({ url, rate, windows, payload, secret, headers }) {
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (results) => {
      child.disconnect();
      resolve(results);
    });
    child.once('exit', (code) => reject(new Error(`the load generator exited (${code}) before it answered`)));
    child.send({ url, rate, windows, payload: payload.toString('base64'), secret, headers });
  });
}

async function generate({ url, rate, windows, payload, secret, headers }) {
  const body = Buffer.from(payload, 'base64');
  const { pathname } = new URL(url);
  const results = [];
  for (const { seconds, prefix } of windows) {
    results.push(
      await openLoop({
        url,
        rate,
        seconds,
        request: (i) => {
          // Delivery ids are hex, as GitHub's (vigil refuses others).
          const id = `${prefix}${i.toString(16).padStart(8, '0')}`;
          const signed = deliveryBody(body, id);
          return { path: pathname, id, body: signed, headers: { ...headers, 'X-GitHub-Delivery': id, 'X-Hub-Signature-256': signBody(secret, signed) } };
        },
      }),
    );
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  process.once('message', (job) => {
    generate(job).then(
      (results) => process.send(results),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
