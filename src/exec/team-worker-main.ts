/**
 * A team node's execution worker (issue 19): a process of its own, forked by the node
 * (src/daemon/team-worker.ts), that holds the GitHub credentials — the node's daemon
 * never reads them, as on SQLite — and the channels', and runs approved actions from the shared PostgreSQL
 * `actions` table (team-runner.ts), and sends the owner's notices (team-reach.ts). Its config is the one the node accepted, sent over
 * IPC; its argument is the node's name. The node starts it when there is work
 * (src/daemon/team-worker.ts); it looks every second and when its node says there is
 * work, and exits after `exec.idleExitSeconds` without any, as on SQLite, so that an idle
 * node is one process; it finishes the action it runs and exits when its node goes away. While
 * its node holds the `redelivery` role the node asks it to sweep for missed deliveries
 * (team-sweep.ts), between actions as on SQLite, each request fenced by the node's word.
 * It runs agent tasks for the repositories this node has clones of (team-agent.ts), in
 * worktrees and transcripts under this node's home.
 */
import { ParentChannel } from '../child/index.js';
import { deepFreeze, loadSecrets, type Config } from '../config/index.js';
import { homePaths, resolveHome } from '../home/index.js';
import { systemClock } from '../clock.js';
import { errorText } from '../errors.js';
import type { TeamGithubSession } from '../github-api/index.js';
import { circuitFor } from '../model/index.js';
import { PolicyGate } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import { openPgWorkerStore, workerHolder } from '../store/index.js';
import { RoleAsks } from './role-asks.js';
import { claimableOn } from './team-claimable.js';
import { teamReach } from './team-reach.js';
import { TeamActionRunner } from './team-runner.js';
import { TeamSweepMemory } from './team-sweep.js';
import type { FromTeamWorker, ToTeamWorker } from './team-protocol.js';

const CONFIG_WAIT_MS = 30_000;
/** Besides its node's word: approvals of other nodes' decisions, leases a dead node's worker left. */
const POLL_MS = 1000;
const HEARTBEAT_MS = 5000;

const node = new ParentChannel<FromTeamWorker, ToTeamWorker>();

const redact = (text: string): string => secretMask().redact(text);

function stdoutLine(text: string): string {
  if (process.env.VIGIL_LOG_FORMAT === 'pretty') return text;
  return JSON.stringify({ level: 'info', time: new Date().toISOString(), pid: process.pid, component: 'worker', msg: text });
}

function receiveConfig(onMessage: (message: ToTeamWorker) => void): Promise<Readonly<Config>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no config from the node within ${CONFIG_WAIT_MS} ms`)), CONFIG_WAIT_MS);
    node.onMessage((message) => {
      if (message.type === 'config') {
        clearTimeout(timer);
        resolve(deepFreeze(message.config));
      } else {
        onMessage(message);
      }
    });
    node.onDisconnect(() => reject(new Error('the node went away before sending the config')));
    void node.send({ type: 'ready' });
  });
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name) throw new Error('usage: team-worker-main <node>');
  const paths = homePaths(resolveHome());
  // The GitHub credentials too (the node withholds them): loadSecrets registers each in the process's mask.
  const secrets = loadSecrets(paths.secrets);

  let draining = false;
  let kicked: boolean | undefined;
  let wakeUp: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wakeUp?.();
  };
  let sweepWanted = false;
  const roles = new RoleAsks((message) => void node.send(message), () => process.connected);
  // A decision's GitHub reads are answered beside the action loop, never after it.
  const queries: { answer?: (message: Extract<ToTeamWorker, { type: 'query' }>) => void } = {};
  const early: Array<Extract<ToTeamWorker, { type: 'query' }>> = [];
  const config = await receiveConfig((message) => {
    if (message.type === 'role') return roles.answered(message);
    if (message.type === 'query') {
      if (queries.answer) queries.answer(message);
      else early.push(message);
      return;
    }
    if (message.type === 'drain') draining = true;
    if (message.type === 'sweep') sweepWanted = true;
    kick();
  });
  const url = config.store.url;
  if (!url) throw new Error('the node sent a config without store.url');
  const clock = systemClock;
  const leaseSeconds = config.store.leaseSeconds;
  const store = await openPgWorkerStore({ url, node: name, holder: workerHolder(name, process.pid), clock, leaseSeconds });
  const { actions } = store;
  const print = (line: string) => process.stdout.write(stdoutLine(redact(line)) + '\n');

  let session: Promise<TeamGithubSession> | undefined;
  const github = (): Promise<TeamGithubSession> =>
    (session ??= (async () => {
      // Octokit is loaded only when a GitHub action first runs.
      const gh = await import('../github-api/index.js');
      return gh.openTeamGithub({
        config: config.github,
        credentials: gh.githubCredentials(secrets, config.github),
        baseUrl: gh.githubApiUrl(),
        clock,
        record: (r) => runner.record(r),
        watchedNames: config.repos.map((r) => r.name),
        marks: {
          rerun: (actionId) => ({
            asked: async () => {
              const mark = await actions.mark(actionId);
              return typeof mark === 'number' ? mark : undefined;
            },
            remember: (attempt) => actions.setMark(actionId, attempt),
          }),
        },
      });
    })().catch((err: unknown) => {
      session = undefined;
      throw err;
    }));
  // The owner's notices go before the next action, as on SQLite; a `notify` action goes through the same channels and gate.
  const reach = teamReach({ store, config, secrets, clock, print });
  const runner: TeamActionRunner = new TeamActionRunner({
    actions,
    log: store.log,
    transaction: (fn) => store.transaction(fn),
    gate: new PolicyGate(config.permissions),
    clock,
    leaseMs: leaseSeconds * 1000,
    claimable: claimableOn(config.repos),
    effects: {
      github,
      actingLogin: (login) => store.actingLogin.remember(login, clock.now()),
      notices: reach,
      reminders: store.reminders,
      writeMemory: (change) => store.writeMemory(change),
      agent: {
        config,
        secrets,
        home: paths.home,
        usage: store.usage,
        circuit: circuitFor(config.model),
        cancels: store.agentCancels,
        marks: { read: (id) => actions.mark(id), write: (id, mark) => actions.setMark(id, mark) },
        log: async (records) => void (await store.transaction((tx) => store.log.append(tx, records))),
      },
      clock,
      print,
    },
    print,
  });

  /** Between actions; a failed sweep is logged on the chain, never fatal. */
  const sweep = async (): Promise<void> => {
    const memory = new TeamSweepMemory({ store, clock, confirmRole: () => roles.confirm('redelivery'), print });
    try {
      // Without a hook there is nothing to sweep, and no reason to load Octokit.
      if (config.github.hookId !== undefined) await (await github()).sweep(memory);
    } catch (err) {
      await memory.failed(err).catch((logErr: unknown) => print(`vigil worker: the sweep failed (${errorText(err)}) and that could not be logged: ${errorText(logErr)}`));
    }
    void node.send({ type: 'swept' });
  };

  const answering = new Set<Promise<void>>();
  queries.answer = (message) => {
    const done = answerQuery(message, github).finally(() => answering.delete(done));
    answering.add(done);
  };
  for (const message of early.splice(0)) queries.answer(message);

  // The node went away (stopped, or killed): finish the action that runs, then go too.
  node.onDisconnect(() => {
    draining = true;
    roles.disconnected();
    kick();
  });
  const stopHeartbeat = node.heartbeat(HEARTBEAT_MS);

  // The agent lane, as on SQLite (issue 15): up to agent.concurrency tasks run beside the
  // loop below, so a task of many minutes never holds back a notice or another action.
  const agentLane = new Set<Promise<void>>();
  const startAgentTasks = async (): Promise<void> => {
    while (!draining && agentLane.size < config.agent.concurrency) {
      const action = await runner.claim('agent');
      if (!action) return;
      const running: Promise<void> = runner
        .run(action)
        .catch((err: unknown) => void print(`vigil worker: agent task ${action.id}: ${errorText(err)}`))
        .finally(() => {
          agentLane.delete(running);
          kick();
        });
      agentLane.add(running);
    }
  };

  let failing = false;
  const idleMs = config.exec.idleExitSeconds * 1000;
  let busyAt = clock.now();
  while (!draining) {
    kicked = false;
    let ran = false;
    try {
      await startAgentTasks();
      if (sweepWanted) {
        sweepWanted = false;
        await sweep();
        ran = true;
      } else {
        await reach.digestIfDue();
        ran = (await reach.sendNext()) || (await runner.runNext('main'));
      }
      if (failing) print('vigil worker: the team database answers again');
      failing = false;
    } catch (err) {
      // The database away: said once, tried again at the next poll.
      if (!failing) print(`vigil worker: no notice or action could be claimed: ${errorText(err)}`);
      failing = true;
    }
    if (ran || kicked) {
      busyAt = clock.now();
      continue;
    }
    // A task or a question under way, or a database that does not answer, is not idleness.
    if (agentLane.size > 0 || answering.size > 0 || failing) busyAt = clock.now();
    else if (clock.now() - busyAt >= idleMs) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wakeUp = undefined;
  }
  // The tasks that run are finished before the worker goes (their results recorded, or left to their leases).
  await Promise.allSettled([...agentLane]);
  await Promise.allSettled([...answering]);
  stopHeartbeat();
  await store.close().catch(() => undefined);
  process.exit(0);
}

/** A query's time in the worker: the node gives up after its own timeout anyway. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * One GitHub read, answered over the channel. The text and the error are redacted here:
 * the node holds no GitHub credential, so it could not mask one that came back.
 */
async function answerQuery(message: Extract<ToTeamWorker, { type: 'query' }>, github: () => Promise<TeamGithubSession>): Promise<void> {
  const signal = AbortSignal.timeout(QUERY_TIMEOUT_MS);
  try {
    const text = await (await github()).read(message.query, signal);
    await node.send({ type: 'answer', id: message.id, text: redact(text) });
  } catch (err) {
    await node.send({ type: 'answer', id: message.id, error: redact(errorText(err)) });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(redact(`vigil worker: ${(err as Error).stack ?? String(err)}`) + '\n');
  process.exit(1);
});
