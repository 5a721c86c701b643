#!/usr/bin/env node
// `npm run mutation [group ...]`: Stryker over the modules that carry vigil's guarantees
// (all groups, or the ones named), in one Stryker run so the type checker starts once, at
// low priority with one test process and one mutant at a time (`--concurrency=N` for more;
// `--no-type-check` for a survey without the checker). Not part of `npm test`: on two
// shared cores one group takes up to an hour.
// Prints, and writes to reports/mutation/<groups>.md, the score per module.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'reports', 'mutation');

/** The guarantee modules (docs/guarantees.md), by the guarantee they carry. */
export const GROUPS = {
  intake: ['src/triggers/webhooks/group-commit.ts', 'src/triggers/webhooks/intake.ts', 'src/triggers/webhooks/classify.ts'],
  spool: ['src/store/spool.ts', 'src/store/spool-record.ts'],
  policy: ['src/policy/recheck.ts', 'src/policy/gate.ts', 'src/policy/catalog.ts', 'src/glob.ts'],
  approvals: ['src/initiative/approvals.ts', 'src/notify/capability.ts'],
  agent: ['src/agent/env.ts', 'src/agent/confine.ts', 'src/agent/command-check.ts'],
  log: ['src/logs/line.ts', 'src/logs/verify.ts'],
  redactor: ['src/secrets/redactor.ts', 'src/secrets/forms.ts'],
  decision: ['src/model/decision.ts', 'src/model/typed-proposals.ts'],
  // The webhook route on Node's own HTTP server (issue 18), and the body it reads within a time limit and a shared budget.
  route: [
    'src/triggers/webhooks/route.ts',
    'src/triggers/webhooks/signature.ts',
    'src/triggers/webhooks/delivery-headers.ts',
    'src/triggers/webhooks/read-body.ts',
    'src/triggers/webhooks/body-budget.ts',
  ],
  // Issue 15: what a dream learns from third-party payloads, each fact with its source.
  'dream-facts': ['src/dream/third-party.ts', 'src/dream/repo-facts.ts'],
  // Issue 5: one dream at a time, a model's batch validated whole, each file wholly old or wholly new.
  dream: ['src/dream/lock.ts', 'src/dream/operations.ts', 'src/dream/write.ts'],
  // Issue 22's named bugs that live in process, by the lines that carry each: durable()
  // without its fdatasync, the agents' environments passed whole, filtering off, the
  // capability's MAC without its expiry. Its report names the test that killed each mutant.
  // (The process-level ones — the worker's re-check, reload, crash-load, idle — run dist/,
  // which no mutant reaches: docs/guarantees.md has them applied by hand.)
  named: [
    'src/store/spool.ts:130-137',
    'src/agent/env.ts:27-45',
    'src/triggers/webhooks/group-commit.ts:145-145',
    'src/triggers/webhooks/group-commit.ts:186-197',
    'src/notify/capability.ts:34-66',
  ],
};

/**
 * Groups whose module-level constants carry the guarantee (the catalog's grammars, what
 * the model is shown, which actions only a named rule may allow): their static mutants
 * are run, against every test related to the module, instead of ignored (stryker.config.json).
 * Stryker otherwise runs such a mutant only against the one test that first loaded its
 * module, which never checks it.
 */
const WITH_STATIC = new Set(['policy', 'redactor']);

/**
 * Groups whose mutants run against the test files that check them, not every test that
 * imports the module (`vitest.related`): the redactor is imported by nearly every room, so
 * each of its static mutants would rerun 280 tests (31 s), and the spool's full related set
 * (group-commit, store, route, dream…) did not finish its dry run on loaded cores. A score
 * measured so is a lower bound: a test left out could only kill more. Passed to
 * vitest.mutation.config.ts as VIGIL_MUTATION_TESTS.
 */
export const TESTS = {
  named: ['test/unit/spool-disk.test.ts', 'test/webhooks/group-commit.test.ts', 'test/agent/env.test.ts', 'test/notify/capability.test.ts'],
  redactor: ['test/unit/secret-mask.test.ts', 'test/security/secrets-redactor.test.ts'],
  spool: ['test/unit/spool.test.ts', 'test/unit/spool-disk.test.ts', 'test/unit/spool-record.test.ts', 'test/webhooks/group-commit.test.ts'],
  // Every dream calls repoFacts, so each of its mutants would rerun the dream tests (units,
  // model-dream, write-memory…), none of which checks a fact's text; these two do.
  'dream-facts': ['test/dream/third-party.test.ts', 'test/dream/repo-facts.test.ts'],
};

const KILLED = new Set(['Killed', 'Timeout']);
/** Stryker's mutation score counts these; CompileError (the type checker refused it) and Ignored (static) it does not. */
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

function runStryker(name, files, { withStatic, concurrency, typeCheck, tests }) {
  fs.mkdirSync(OUT, { recursive: true });
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'stryker.config.json'), 'utf8'));
  const report = path.join(OUT, `${name}.json`);
  const config = { ...base, mutate: files, jsonReporter: { fileName: path.relative(ROOT, report) } };
  if (withStatic) config.ignoreStatic = false;
  if (concurrency) config.concurrency = concurrency;
  if (!typeCheck) {
    config.checkers = [];
    delete config.typescriptChecker;
    delete config.tsconfigFile;
  }
  delete config._comment;
  const configFile = path.join(OUT, `${name}.config.json`);
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const started = Date.now();
  const env = { ...process.env };
  if (tests) env.VIGIL_MUTATION_TESTS = tests.join(',');
  else delete env.VIGIL_MUTATION_TESTS;
  const run = spawnSync('nice', ['-n', '10', process.execPath, path.join(ROOT, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', configFile], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`stryker (${name}) exited ${run.status ?? run.signal}`);
  return { report, minutes: (Date.now() - started) / 60_000 };
}

/** Per file: killed (with timeouts), survived, no coverage, and the score. */
export function scores(reportFile) {
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const testNames = new Map(Object.values(report.testFiles ?? {}).flatMap((f) => f.tests.map((t) => [t.id, t.name])));
  return Object.entries(report.files).map(([file, { mutants }]) => {
    const counted = mutants.filter((m) => COUNTED.has(m.status));
    const killed = counted.filter((m) => KILLED.has(m.status)).length;
    const survivors = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    return {
      file,
      killed,
      survived: counted.length - killed,
      ignored: mutants.filter((m) => m.status === 'Ignored').length,
      score: counted.length ? (100 * killed) / counted.length : 100,
      survivors: survivors.map((m) => `${file}:${m.location.start.line} ${m.mutatorName} ${m.status}${m.replacement ? ` → ${JSON.stringify(m.replacement).slice(0, 80)}` : ''}`),
      // Every mutant, and the first test that killed it (the named group's report shows them all).
      each: mutants.map((m) => `${file}:${m.location.start.line} ${m.mutatorName}${m.replacement ? ` → ${JSON.stringify(m.replacement).slice(0, 60)}` : ''}: ${m.status}${m.killedBy?.length ? ` by "${testNames.get(m.killedBy[0]) ?? m.killedBy[0]}"` : ''}`),
    };
  });
}

function main() {
  // `--concurrency=4`: two type checkers and two test runners (Stryker halves it between
  // them); the checker is what a run waits on. Still under `nice`.
  const args = process.argv.slice(2);
  const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.slice('--concurrency='.length)) || undefined;
  // `--no-type-check`: a survey in a fifth of the time (the checker is ~90 % of a run's
  // CPU), which counts every mutant, those tsc would refuse too (killed if a test fails on
  // them): its score is not the checked one, and its report says so.
  const typeCheck = !args.includes('--no-type-check');
  const wanted = args.filter((a) => !a.startsWith('--'));
  // `named` re-runs lines of other groups' modules: only when asked for by name.
  const names = wanted.length ? wanted : Object.keys(GROUPS).filter((name) => name !== 'named');
  for (const name of names) if (!GROUPS[name]) throw new Error(`no mutation group "${name}"; groups: ${Object.keys(GROUPS).join(', ')}`);
  const runName = names.join('+') + (typeCheck ? '' : '.unchecked');
  const tests = names.every((name) => TESTS[name]) ? [...new Set(names.flatMap((name) => TESTS[name]))] : undefined;
  const { report, minutes } = runStryker(runName, names.flatMap((name) => GROUPS[name]), {
    withStatic: names.some((name) => WITH_STATIC.has(name)),
    concurrency,
    typeCheck,
    // Narrowed only when every group named has its own list.
    tests,
  });
  const byFile = new Map(scores(report).map((s) => [s.file, s]));
  const lines = ['| group | module | killed | survived | score | static (ignored) |', '|---|---|---|---|---|---|'];
  const survivors = [];
  const each = [];
  let killed = 0;
  let counted = 0;
  for (const name of names) {
    for (const file of new Set(GROUPS[name].map((entry) => entry.replace(/:\d+-\d+$/, '')))) {
      const s = byFile.get(file);
      if (!s) continue;
      lines.push(`| ${name} | ${file} | ${s.killed} | ${s.survived} | ${s.score.toFixed(1)} % | ${s.ignored} |`);
      survivors.push(...s.survivors);
      if (name === 'named') each.push(...s.each);
      killed += s.killed;
      counted += s.killed + s.survived;
    }
  }
  lines.push(`| all | | ${killed} | ${counted - killed} | ${counted ? ((100 * killed) / counted).toFixed(1) : '100.0'} % | |`);
  const how = typeCheck ? 'type checker on' : 'type checker off: every mutant counted, those tsc would refuse too';
  const against = tests ? `against ${tests.join(', ')} only` : 'against every related test';
  const summary = [`Mutation run ${runName} (${how}; ${against}): ${minutes.toFixed(1)} min`, '', ...lines, '', 'Survivors:', ...survivors.map((s) => `- ${s}`), ...(each.length ? ['', 'Each mutant of the named bugs:', ...each.map((e) => `- ${e}`)] : [])].join('\n');
  fs.writeFileSync(path.join(OUT, `${runName}.md`), `${summary}\n`);
  console.log(summary);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
