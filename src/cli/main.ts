#!/usr/bin/env node
// First: it caps V8's young generation for `vigil start` before the other modules load.
import './young-generation.js';
import { Command, CommanderError } from 'commander';
import { errorText, EXIT, isVigilError, VigilError } from '../errors.js';
import { NODE_FIX, unsupportedNode } from '../runtime.js';
import { VERSION } from '../version.js';
import { cliContext, type CliContext } from './context.js';

/**
 * Each command's module is loaded only when it runs: `vigil start` stays light. On a
 * Node.js below 22 the store's native module would crash the process on its first
 * open, so every command but `doctor` (which says what to install) refuses first.
 */
function run<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>, opts: { anyNode?: boolean } = {}) {
  return async (...args: A) => {
    try {
      const tooOld = opts.anyNode ? undefined : unsupportedNode(process.versions.node);
      if (tooOld) throw new VigilError('VIGIL_ERR_RUNTIME', `${tooOld} (${process.execPath}); ${NODE_FIX}`);
      await fn(cliContext(), ...args);
    } catch (err) {
      fail(err);
    }
  };
}

function fail(err: unknown): never {
  if (isVigilError(err)) {
    process.stderr.write(`vigil: ${errorText(err)}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`vigil: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(EXIT.software);
}

// `vigil log | head`: the reader has what it wanted and left; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const program = new Command()
  .name('vigil')
  .description('An always-on background agent for your repositories.\nHome: $VIGIL_HOME (default ~/.vigil).')
  .version(VERSION)
  .showSuggestionAfterError()
  .exitOverride();

program
  .command('init')
  .description('create the home (config.json, secrets.json 0600, logs/, memory/) and set it up: asks on a terminal, or takes every answer as a flag')
  .option('--non-interactive', 'ask nothing: only the flags given are set up')
  .option('--owner <login>', 'your GitHub login (owner.login); taken from the token when omitted')
  .option('--timezone <zone>', 'your IANA time zone (owner.timezone), e.g. Europe/Berlin')
  .option('--github-token <token>', 'a GitHub token, checked with GET /user and kept in secrets.json; "-" reads it from stdin')
  .option('--github-app', "create vigil's GitHub App through GitHub's App manifest flow (a local page opens it)")
  .option('--github-org <org>', 'with --github-app: create the App under this organisation')
  .option('--webhook-proxy <new|url>', '"new" makes a smee.io channel that relays deliveries to vigil; or an existing channel URL')
  .option('--webhook-url <url>', 'the public URL at which GitHub reaches this vigil (its /webhooks/github)')
  .option('--ntfy <url>', 'an ntfy topic URL; init sends a test message that must arrive')
  .action(run(async (ctx, opts: import('./commands/init.js').InitFlags) => (await import('./commands/init.js')).initCommand(ctx, opts)));

program
  .command('start')
  .description('run the daemon in the foreground (initialises a missing home); SIGTERM drains, SIGHUP reloads config')
  .option('--log-format <format>', 'pretty (the default on a terminal) or json (the default otherwise: one JSON line each)')
  .option('--node <name>', "with store.url (PostgreSQL): this node's name among the team's (default: the host name)")
  .action(run(async (ctx, opts: { logFormat?: string; node?: string }) => (await import('./commands/lifecycle.js')).startCommand(ctx, opts)));

program
  .command('stop')
  .description('stop the daemon: through systemd/launchd when its service runs this home, else SIGTERM to its pid (waits until drained); exits 69 when none runs')
  .action(run(async (ctx) => (await import('./commands/stop.js')).stopCommand(ctx)));

program
  .command('restart')
  .description('restart the daemon: through its service when installed, else stop it and start one in the background (output in daemon.out)')
  .action(run(async (ctx) => (await import('./commands/stop.js')).restartCommand(ctx)));

const config = program.command('config').description('read or change one key of config.json (dot paths: tick.schedule, rules.0.name)');

config
  .command('get')
  .argument('<key>', 'a dot path, e.g. tick.schedule')
  .description('the value in effect (defaults filled in); exits 1 when the key has none')
  .option('--json', 'the value as JSON, strings too')
  .action(run(async (ctx, key: string, opts: { json?: boolean }) => (await import('./commands/config.js')).configGetCommand(ctx, key, opts)));

config
  .command('set')
  .argument('<key>', 'a dot path, e.g. permissions.mode')
  .argument('<value>', 'JSON when it parses (30, true, ["*"]), else a string')
  .description('check the new value against the schema (exit 78 naming the key), keep config.json.prev, send SIGHUP to a running daemon')
  .action(run(async (ctx, key: string, value: string) => (await import('./commands/config.js')).configSetCommand(ctx, key, value)));

program
  .command('status')
  .description('what the daemon is doing: queue, approvals, last and next tick, worker')
  .option('--json', 'machine-readable output')
  .action(run(async (ctx, opts: { json?: boolean }) => (await import('./commands/status.js')).statusCommand(ctx, opts)));

program
  .command('ask')
  .argument('<text...>', 'what you say to vigil, e.g. "what is waiting for me?"')
  .description("speak to vigil: your words are decided as an instruction (the policy still applies); prints the answer")
  .option('--wait <seconds>', 'how long to wait for the answer', '120')
  .option('--json', 'machine-readable output')
  .action(run(async (ctx, words: string[], opts: import('./commands/ask.js').AskFlags) => (await import('./commands/ask.js')).askCommand(ctx, words, opts)));

program
  .command('tick')
  .description('wake vigil now: the tick is decided even if nothing changed')
  .action(run(async (ctx) => (await import('./commands/tick.js')).tickCommand(ctx)));

const log = program
  .command('log')
  .description("show a day's log (today by default)")
  .option('--date <YYYY-MM-DD>', 'which day')
  .option('--json', 'one JSON entry per line, as stored')
  .option('--follow', 'keep printing new entries, across midnight')
  .action(run(async (ctx, opts: { date?: string; json?: boolean; follow?: boolean }) => (await import('./commands/log.js')).logCommand(ctx, opts)));

log
  .command('verify')
  .description('check every log file’s hash chain; names the first edited, removed, inserted or reordered line')
  .option('--date <YYYY-MM-DD>', 'only this day')
  // `log` has its own --date, and commander gives a flag to the first command that knows
  // it: `vigil log verify --date D` landed on `log`, and verify checked every day.
  .action(
    run(async (ctx, _opts: { date?: string }, cmd: Command) =>
      (await import('./commands/log.js')).logVerifyCommand(ctx, cmd.optsWithGlobals<{ date?: string }>()),
    ),
  );

program
  .command('approvals')
  .description('list actions waiting for your approval')
  .option('--json', 'machine-readable output')
  .action(run(async (ctx, opts: { json?: boolean }) => (await import('./commands/approvals.js')).approvalsCommand(ctx, opts)));

program
  .command('approve')
  .argument('<id>', 'approval id, from `vigil approvals`')
  .description('approve a pending action; the execution worker runs it')
  .action(run(async (ctx, id: string) => (await import('./commands/approvals.js')).answerCommand(ctx, id, 'approve')));

program
  .command('deny')
  .argument('<id>', 'approval id, from `vigil approvals`')
  .description('deny a pending action')
  .option('--reason <text>', 'why, in your words: kept with the denial, logged, and learned from at the next dream')
  .action(run(async (ctx, id: string, opts: { reason?: string }) => (await import('./commands/approvals.js')).answerCommand(ctx, id, 'deny', opts)));

program
  .command('cancel')
  .argument('<id>', 'a running agent task, from `vigil status` or the log')
  .description('stop a running agent task: its worktree is removed and it ends failed')
  .action(run(async (ctx, id: string) => (await import('./commands/cancel.js')).cancelCommand(ctx, id)));

program
  .command('dream')
  .description('consolidate memory: --now dreams now (in the daemon when it runs); without it, when the next dream is due')
  .option('--now', 'dream now, idle or not')
  .option('--json', 'machine-readable output')
  .action(run(async (ctx, opts: { now?: boolean; json?: boolean }) => (await import('./commands/dream.js')).dreamCommand(ctx, opts)));

program
  .command('migrate')
  .description('copy this SQLite home into a team\'s PostgreSQL database and check the copy; the home is only read')
  .requiredOption('--to <url>', 'the database: postgres://user:password@host:5432/name (empty, or holding exactly this home)')
  .option('--node <name>', "the node whose chains the home's daily logs become (default: the host name)")
  .option('--json', 'machine-readable output: the report, without progress lines')
  .addHelpText(
    'after',
    `
Copies the inbox with every delivery's body, decisions, actions with their approvals'
answers, the memory folder with its kept versions, and every daily log as the chains
of one node, hash chains intact; in one transaction. Then reads it all back: counts and
SHA-256 of every part, and every chain verified. A database that already holds exactly
this home is checked again and left alone; one that holds anything else is refused.
Stop the daemon first. Exit 1: the home cannot be copied as it is (VIGIL_ERR_MIGRATE_SOURCE)
or the database holds something else (VIGIL_ERR_MIGRATE_TARGET); 70: the copy does not
match (VIGIL_ERR_MIGRATE_VERIFY); 75: the daemon or a dream runs on the home.`,
  )
  .action(run(async (ctx, opts: { to?: string; node?: string; json?: boolean }) => (await import('./commands/migrate.js')).migrateCommand(ctx, opts)));

const memory = program.command('memory').description('what vigil remembers: MEMORY.md, topics, search over the logs, earlier versions');

memory
  .command('show', { isDefault: true })
  .argument('[topic]', 'a topic ("octo/app") or a file in memory/; the index when omitted')
  .description('print MEMORY.md, or one topic file')
  .option('--json', 'machine-readable output: {file, text}')
  .action(
    run(async (ctx, topic: string | undefined, opts: { json?: boolean }) => (await import('./commands/memory.js')).memoryShowCommand(ctx, topic, opts)),
  );

memory
  .command('search')
  .argument('<query...>', 'words to find (all of them)')
  .description('full-text search over every log entry and event payload (every word required): best match first among the newest 2,000 that match')
  .option('--limit <n>', 'at most this many hits', '20')
  .option('--json', 'machine-readable output')
  .action(
    run(async (ctx, words: string[], opts: { limit?: string; json?: boolean }) =>
      (await import('./commands/memory-search.js')).memorySearchCommand(ctx, words, opts),
    ),
  );

memory
  .command('history')
  .argument('[file]', 'a file in memory/ (MEMORY.md, topics/x.md); every file with versions when omitted')
  .description('earlier versions of memory files, kept on every change; --restore puts one back')
  .option('--restore <version>', 'the version to restore')
  .option('--json', 'machine-readable output')
  .action(
    run(async (ctx, file: string | undefined, opts: { restore?: string; json?: boolean }) =>
      (await import('./commands/memory.js')).memoryHistoryCommand(ctx, file, opts),
    ),
  );

const rules = program.command('rules').description("try the owner's rules without GitHub");

rules
  .command('test')
  .argument('<event>', 'a GitHub event and action, e.g. issues.opened (an example payload unless --payload)')
  .description('which rules match, what they would propose and what the policy would say; nothing is stored, logged or sent')
  .option('--payload <file>', 'the payload as JSON (e.g. a delivery copied from GitHub)')
  .option('--repo <owner/name>', 'the repository of the example payload')
  .option('--json', 'machine-readable output')
  .action(
    run(async (ctx, event: string, opts: { payload?: string; repo?: string; json?: boolean }) =>
      (await import('./commands/rules.js')).rulesTestCommand(ctx, event, opts),
    ),
  );

program
  .command('simulate')
  .argument('<event>', 'a GitHub event and action, e.g. issues.opened (an example payload unless --payload)')
  .description('sign a delivery as GitHub does, post it to the running daemon and follow it: received, decided, each proposal\'s fate')
  .option('--payload <file>', 'the payload as JSON (e.g. a delivery copied from GitHub)')
  .option('--repo <owner/name>', "the payload's repository (full_name, name, owner.login)")
  .option('--wait <seconds>', 'how long to follow the delivery', '30')
  .option('--json', 'machine-readable output')
  .action(
    run(async (ctx, event: string, opts: import('./commands/simulate.js').SimulateFlags) =>
      (await import('./commands/simulate.js')).simulateCommand(ctx, event, opts),
    ),
  );

type ServiceFlags = { user?: boolean; system?: boolean; dryRun?: boolean };

program
  .command('install')
  .description('run vigil as a service: a systemd user unit (default), a system unit, or a macOS LaunchAgent')
  .option('--user', 'systemd user unit in ~/.config/systemd/user (Linux, the default)')
  .option('--system', 'systemd system unit in /etc/systemd/system, run as you (Linux, needs sudo)')
  .option('--dry-run', 'print the files and the exact commands; change nothing')
  .action(run(async (ctx, opts: ServiceFlags) => (await import('./commands/install.js')).installCommand(ctx, opts)));

program
  .command('uninstall')
  .description('stop and remove the service (the home, with its config, database and logs, stays)')
  .option('--user', 'the systemd user unit')
  .option('--system', 'the systemd system unit (needs sudo)')
  .option('--dry-run', 'print what would be removed and run; change nothing')
  .action(run(async (ctx, opts: ServiceFlags) => (await import('./commands/install.js')).uninstallCommand(ctx, opts)));

program
  .command('doctor')
  .description('check the installation, one line each: ok, warn or fail, with the fix; exits 1 when a check fails')
  .option('--json', 'machine-readable output: {checks: [{name, status, detail, fix?}], ok, warn, fail}')
  .option('--model', 'also send one tiny forced-decide request: rejected parameters, whether a call came back and validates, the tool-choice step, tokens')
  .action(run(async (ctx, opts: { json?: boolean; model?: boolean }) => (await import('./commands/doctor.js')).doctorCommand(ctx, opts), { anyNode: true }));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  fail(err);
});
