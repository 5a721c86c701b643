#!/usr/bin/env node
// Benchmark entry: `npm run bench -- [name…] [flags]`. Plain ESM against dist/, so a
// bench measures exactly what ships, with no build step of its own.
//
// To add a bench, create bench/<name>.mjs exporting `summary`, `help` and
// `async run(argv)` (it prints its table and one `BENCH_RESULT {json}` line), then
// register it below.

/** Lazy so that one broken bench does not stop the others from loading. */
const BENCHES = {
  idle: () => import('./idle.mjs'),
  tokens: () => import('./tokens.mjs'),
  webhooks: () => import('./webhooks.mjs'),
  sqlite: () => import('./sqlite.mjs'),
  intake: () => import('./intake.mjs'),
  dream: () => import('./dream.mjs'),
  soak: () => import('./soak.mjs'),
  history: () => import('./history.mjs'),
  prune: () => import('./prune.mjs'),
  latency: () => import('./latency.mjs'),
  dashboard: () => import('./dashboard.mjs'),
  team: () => import('./team.mjs'),
};

async function printHelp() {
  console.log(`usage: npm run bench -- [name…] [flags]
       node bench/run.mjs [name…] [flags]

Runs the named benchmarks, or all of them when none is named, against the built
daemon in dist/ (run \`npm run build\` first). Flags after the names go to every
bench run. Each bench prints a table and a line \`BENCH_RESULT {json}\`. The exit code
is 0 when the benches ran, even if a target was missed (these are measurements);
it is 1 when a bench could not run, 2 on bad usage.

Linux only: figures come from /proc.

benchmarks:`);
  for (const [name, load] of Object.entries(BENCHES)) {
    const mod = await load();
    console.log(`\n  ${name} — ${mod.summary}\n${mod.help.replace(/^/gm, '    ')}`);
  }
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) return printHelp().then(() => 0);
  const names = [];
  while (argv.length && !argv[0].startsWith('-')) names.push(argv.shift());
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length) {
    console.error(`unknown benchmark: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
    return 2;
  }
  if (process.platform !== 'linux') {
    console.error('bench: Linux only (reads /proc)');
    return 2;
  }
  let failed = 0;
  for (const name of names.length ? names : Object.keys(BENCHES)) {
    console.log(`── ${name} ──`);
    try {
      const mod = await BENCHES[name]();
      await mod.run([...argv]);
    } catch (err) {
      failed++;
      console.error(`bench ${name} could not run: ${err.stack ?? err}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
