/**
 * The execution worker: a separate process, forked by the daemon when there is work,
 * that holds the credentials and runs approved actions. It exits after a few idle
 * minutes so an idle vigil is one process.
 *
 * Its config is the one the daemon accepted, sent over IPC (issue 12): a config.json
 * edited into something the daemon refused on SIGHUP must not make every new worker
 * die at start while approved actions wait. The policy re-check (layer 5) still runs
 * here, against that config: what it distrusts is the model's proposal, not the daemon.
 */
import { ParentChannel } from '../child/index.js';
import { deepFreeze, loadSecrets, type Config, type Secrets } from '../config/index.js';
import { homePaths, resolveHome, type HomePaths } from '../home/index.js';
import { systemClock } from '../clock.js';
import { eventRecord } from '../events.js';
import type { GithubSession } from '../github-api/index.js';
import { circuitFor } from '../model/index.js';
import { buildNotifier, sendQueuedNotices } from '../notify/index.js';
import { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import { Store, type ActionRecord } from '../store/index.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ActionRunner } from './runner.js';
import { StoreWaits } from './store-waits.js';
import { errorText } from '../errors.js';

/** A worker that hears no config this long after saying `ready` is orphaned: it goes. */
const CONFIG_WAIT_MS = 30_000;

const daemon = new ParentChannel<FromWorker, ToWorker>();

/**
 * The GitHub session, opened on first use: Octokit is loaded only when a GitHub
 * action or a sweep needs it. A failed open is tried again next time.
 */
function lazyGithub(config: Readonly<Config>, secrets: Secrets, store: Store): () => Promise<GithubSession> {
  let session: Promise<GithubSession> | undefined;
  const open = async (): Promise<GithubSession> => {
    const github = await import('../github-api/index.js');
    return github.openGithub({
      config: config.github,
      credentials: github.githubCredentials(secrets, config.github),
      baseUrl: github.githubApiUrl(),
      store,
      clock: systemClock,
      record: (r) => store.outbox.add(r),
      watchedNames: config.repos.map((r) => r.name),
    });
  };
  return () =>
    (session ??= open().catch((err: unknown) => {
      session = undefined;
      throw err;
    }));
}

/** Listen first, then say `ready`: the daemon answers with its config. */
function receiveConfig(onMessage: (message: ToWorker) => void): Promise<Readonly<Config>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no config from the daemon within ${CONFIG_WAIT_MS} ms`)), CONFIG_WAIT_MS);
    daemon.onMessage((message) => {
      if (message.type === 'config') {
        clearTimeout(timer);
        resolve(deepFreeze(message.config));
      } else {
        onMessage(message);
      }
    });
    daemon.onDisconnect(() => reject(new Error('the daemon went away before sending the config')));
    void daemon.send({ type: 'ready' });
  });
}

/**
 * What the worker prints (stdout and stderr reach journald): a notify body, an agent's
 * summary or an error message may carry a secret (issue 12). `loadSecrets` registered
 * every secret it read, and those of the environment, in the process's mask.
 */
const redact = (text: string): string => secretMask().redact(text);

/**
 * The worker shares the daemon's stdout (journald, a pipe, a terminal): in the daemon's
 * JSON format (`vigil start --log-format json`, the default off a terminal) each of its
 * lines is a JSON line too, with the daemon's keys, so whatever reads them parses every line.
 */
function stdoutLine(text: string): string {
  if (process.env.VIGIL_LOG_FORMAT === 'pretty') return text;
  return JSON.stringify({ level: 'info', time: new Date().toISOString(), pid: process.pid, component: 'worker', msg: text });
}

async function main(): Promise<void> {
  const paths: HomePaths = homePaths(resolveHome());
  const secrets = loadSecrets(paths.secrets);

  let draining = false;
  let sweepWanted = false;
  // A message that arrives while an action runs must not be lost: remember it.
  let kicked: boolean | undefined;
  let wakeUp: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wakeUp?.();
  };
  // Queries are answered beside the action loop, never after it: a 30-minute agent task
  // must not hold back a decision's look at GitHub.
  const queries: { answer?: (message: Extract<ToWorker, { type: 'query' }>) => void } = {};
  const early: Array<Extract<ToWorker, { type: 'query' }>> = [];
  const config = await receiveConfig((message) => {
    if (message.type === 'query') {
      if (queries.answer) queries.answer(message);
      else early.push(message);
      // The idle clock starts again: a decision asks several questions in a row.
      kick();
      return;
    }
    if (message.type === 'drain') draining = true;
    if (message.type === 'sweep') sweepWanted = true;
    kick();
  });
  // The default busy timeout: handlers write to the store mid-effect, and the worker has no
  // HTTP to keep answering; a lock held longer is waited out by `waits` between rounds.
  const store = Store.open(paths.db);
  const github = lazyGithub(config, secrets, store);
  const flush = () => void daemon.send({ type: 'flush' });
  const print = (line: string) => process.stdout.write(stdoutLine(redact(line)) + '\n');
  const waits = new StoreWaits(print);
  let notifier: { notifier: ReturnType<typeof buildNotifier>; capabilityKey: string } | undefined;
  const reach = () => (notifier ??= { notifier: buildNotifier({ config, secrets, store, clock: systemClock }), capabilityKey: secrets.capabilityKey });
  const runner = new ActionRunner({
    store,
    gate: new PolicyGate(config.permissions),
    clock: systemClock,
    memoryDir: paths.memory,
    config,
    notifier: reach,
    // Agent tokens go to the same ledger as decisions (`vigil status`); one circuit for the worker's tasks.
    modelCalls: { recorder: store.usage, circuit: circuitFor(config.model) },
    github,
    flush,
    print,
    waits,
  });

  const answering = new Set<Promise<void>>();
  const answer = (queries.answer = (message: Extract<ToWorker, { type: 'query' }>) => {
    const done = answerQuery(message, github, flush).finally(() => answering.delete(done));
    answering.add(done);
  });
  for (const message of early.splice(0)) answer(message);

  /** Between actions, never during one; a failed sweep is logged, never fatal. */
  const sweep = async (): Promise<void> => {
    // Without a hook there is nothing to sweep, and no reason to load Octokit.
    if (config.github.hookId === undefined) return;
    try {
      await (await github()).sweep();
    } catch (err) {
      store.outbox.add(eventRecord('github.sweep_failed', { error: errorText(err) }, systemClock.now()));
    }
    flush();
  };

  // The daemon went away: finish what runs, then go too.
  daemon.onDisconnect(() => {
    draining = true;
    kick();
  });
  const stopHeartbeat = daemon.heartbeat(5000);

  // The agent lane (issue 15): up to agent.concurrency tasks run beside the loop below, so
  // a 30-minute task never holds back a notification, an approval notice or a GitHub action.
  const agentLane = new Set<Promise<void>>();
  const launch = (action: ActionRecord): void => {
    const running: Promise<void> = runner
      .run(action)
      .catch((err: unknown) => {
        print(`vigil worker: agent task ${action.id}: ${errorText(err)}`);
      })
      .finally(() => {
        agentLane.delete(running);
        kick();
      });
    agentLane.add(running);
  };
  const startAgentTasks = async (): Promise<void> => {
    let more = true;
    while (more && !draining && agentLane.size < config.agent.concurrency) {
      more = await waits.round(async () => {
        const action = runner.claim('agent');
        if (action) launch(action);
        return action !== undefined;
      });
    }
  };

  const idleMs = config.exec.idleExitSeconds * 1000;
  while (!draining) {
    kicked = false;
    await startAgentTasks();
    // A store out of reach (another process's lock, a full disk) is waited out, not fatal.
    const step = await waits.round(async () => {
      if (sweepWanted) {
        sweepWanted = false;
        await sweep();
        return true;
      }
      // What the daemon queued for the owner (approval requests, digests) goes before the next action.
      if (await sendQueuedNotices(store, systemClock, reach)) {
        flush();
        return true;
      }
      return runner.runNext('main');
    });
    if (step) continue;
    if (kicked) continue;
    const woken = await new Promise<boolean>((resolve) => {
      // A task still running is not idleness: wait for it (it kicks when it ends) or for news.
      const timer = agentLane.size > 0 ? undefined : setTimeout(() => resolve(false), idleMs);
      wakeUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    wakeUp = undefined;
    if (!woken) break;
  }
  // The tasks that run are finished, and a question the daemon asked answered, before the worker goes.
  await Promise.allSettled([...agentLane]);
  await Promise.allSettled([...answering]);
  stopHeartbeat();
  store.close();
  process.exit(0);
}

/** A query's time in the worker: the daemon gives up after its own timeout anyway. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * One GitHub read, answered over the channel. The text and the error are redacted here:
 * the daemon holds no GitHub credential, so it could not mask one that came back.
 */
async function answerQuery(
  message: Extract<ToWorker, { type: 'query' }>,
  github: () => Promise<GithubSession>,
  flush: () => void,
): Promise<void> {
  const signal = AbortSignal.timeout(QUERY_TIMEOUT_MS);
  try {
    const text = await (await github()).read(message.query, signal);
    await daemon.send({ type: 'answer', id: message.id, text: redact(text) });
  } catch (err) {
    await daemon.send({ type: 'answer', id: message.id, error: redact(errorText(err)) });
  }
  // A rate limit met on the way is staged in the outbox.
  flush();
}

main().catch((err: unknown) => {
  process.stderr.write(redact(`vigil worker: ${(err as Error).stack ?? String(err)}`) + '\n');
  process.exit(1);
});
