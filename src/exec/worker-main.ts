/**
 * The execution worker: a separate process, forked by the daemon when there is work,
 * that holds the credentials and runs approved actions. It loads the config itself —
 * the re-check must not trust the process that proposed — and exits after a few idle
 * minutes so an idle vigil is one process.
 */
import { homePaths, loadConfig, loadSecrets, resolveHome, type Config, type HomePaths } from '../config/index.js';
import { systemClock } from '../clock.js';
import { eventRecord } from '../events.js';
import type { GithubSession } from '../github/index.js';
import { sendOwnerNotices } from '../notify/index.js';
import { PolicyGate } from '../policy/index.js';
import { Store } from '../store/index.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ActionRunner } from './runner.js';

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

/**
 * The GitHub session, opened on first use: Octokit and the secrets are loaded only
 * when a GitHub action or a sweep needs them. A failed open is tried again next time.
 */
function lazyGithub(paths: HomePaths, config: Readonly<Config>, store: Store): () => Promise<GithubSession> {
  let session: Promise<GithubSession> | undefined;
  const open = async (): Promise<GithubSession> => {
    const github = await import('../github/index.js');
    const secrets = loadSecrets(paths.secrets);
    return github.openGithub({
      config: config.github,
      credentials: github.githubCredentials(secrets, config.github),
      baseUrl: github.githubApiUrl(),
      store,
      clock: systemClock,
      record: (r) => store.outbox.add(r),
    });
  };
  return () =>
    (session ??= open().catch((err: unknown) => {
      session = undefined;
      throw err;
    }));
}

async function main(): Promise<void> {
  const paths = homePaths(resolveHome());
  const config = loadConfig(paths.config);
  const store = Store.open(paths.db);
  const github = lazyGithub(paths, config, store);
  const flush = () => send({ type: 'flush' });
  const runner = new ActionRunner({
    store,
    gate: new PolicyGate(config.permissions),
    clock: systemClock,
    memoryDir: paths.memory,
    github,
    flush,
    print: (line) => process.stdout.write(line + '\n'),
  });

  /** Between actions, never during one; a failed sweep is logged, never fatal. */
  const sweep = async (): Promise<void> => {
    // Without a hook there is nothing to sweep, and no reason to load Octokit.
    if (config.github.hookId === undefined) return;
    try {
      await (await github()).sweep();
    } catch (err) {
      store.outbox.add(eventRecord('github.sweep_failed', { error: (err as Error).message ?? String(err) }, systemClock.now()));
    }
    flush();
  };

  let draining = false;
  let sweepWanted = false;
  // A message that arrives while an action runs must not be lost: remember it.
  let kicked: boolean | undefined;
  let wakeUp: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wakeUp?.();
  };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'drain') draining = true;
    if (message.type === 'sweep') sweepWanted = true;
    kick();
  });
  // The daemon went away: finish what runs, then go too.
  process.on('disconnect', () => {
    draining = true;
    kick();
  });
  const heartbeat = setInterval(() => send({ type: 'heartbeat' }), 5000);
  send({ type: 'ready' });

  const idleMs = config.exec.idleExitSeconds * 1000;
  while (!draining) {
    kicked = false;
    if (sweepWanted) {
      sweepWanted = false;
      await sweep();
      continue;
    }
    // What the daemon queued for the owner (approval requests, digests) goes before the next action.
    if (await sendOwnerNotices(store)) {
      flush();
      continue;
    }
    if (await runner.runNext()) continue;
    if (kicked) continue;
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), idleMs);
      wakeUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    wakeUp = undefined;
    if (!woken) break;
  }
  clearInterval(heartbeat);
  store.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`vigil worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
