// Preloaded into a daemon under measurement (`node --import`): samples the event loop's
// delay with perf_hooks.monitorEventLoopDelay and writes the histogram to the file named
// by BENCH_LOOP_FILE every 100 ms, so a bench reads it from outside without any route.
// Writing `reset` into the file's name + '.reset' starts a new window. `stalls` lists
// when each turn of 25 ms or more (a 5 ms interval that waited 30) ended (epoch ms, and µs on the monotonic clock that a
// .cpuprofile uses) and how long it was, so a bench can tell which work held the loop.
//
// vigil's worker is forked with the daemon's exec arguments, so it loads this too. It
// writes its own figures to `workerLoopFile(BENCH_LOOP_FILE)`, never over the daemon's;
// threads (the store's checkpoint thread) and the worker's own children write nothing.
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/** Where the forked worker of the daemon measured through `loopFile` writes its loop's figures. */
export function workerLoopFile(loopFile) {
  return loopFile.replace(/(\.json)?$/, '.worker.json');
}

const file = isMainThread ? (process.env.BENCH_LOOP_FILE ?? process.env.BENCH_LOOP_WORKER_FILE) : undefined;
if (isMainThread) {
  if (process.env.BENCH_LOOP_FILE) process.env.BENCH_LOOP_WORKER_FILE = workerLoopFile(process.env.BENCH_LOOP_FILE);
  else delete process.env.BENCH_LOOP_WORKER_FILE;
  delete process.env.BENCH_LOOP_FILE;
}
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let stalls = [];
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    if (now - last >= 30) stalls.push({ at: Date.now(), monoUs: Number(process.hrtime.bigint() / 1000n), ms: Math.round(now - last - 5) });
    last = now;
  }, 5);
  probe.unref();
  const timer = setInterval(() => {
    if (existsSync(`${file}.reset`)) {
      rmSync(`${file}.reset`, { force: true });
      histogram.reset();
      stalls = [];
    }
    const ms = (ns) => ns / 1e6;
    // Through a rename: the bench reads the file while this writes it every 100 ms.
    writeFileSync(`${file}.next`, JSON.stringify({ pid: process.pid, maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean), count: histogram.count, stalls }));
    renameSync(`${file}.next`, file);
  }, 100);
  timer.unref();
}
