// Preloaded into a daemon under measurement (`node --import`): samples the event loop's
// delay with perf_hooks.monitorEventLoopDelay and writes the histogram to the file named
// by BENCH_LOOP_FILE every 100 ms, so a bench reads it from outside without any route.
// Writing `reset` into BENCH_LOOP_FILE + '.reset' starts a new window.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const timer = setInterval(() => {
    if (existsSync(`${file}.reset`)) {
      rmSync(`${file}.reset`, { force: true });
      histogram.reset();
    }
    const ms = (ns) => ns / 1e6;
    writeFileSync(file, JSON.stringify({ maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean), count: histogram.count }));
  }, 100);
  timer.unref();
}
