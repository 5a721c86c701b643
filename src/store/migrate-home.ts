/**
 * `vigil migrate --to postgres://…` (issue 19): a SQLite home copied into a team's
 * PostgreSQL database, then checked. The copy is one transaction (the target's tables
 * locked against a node starting meanwhile): a failure leaves the database as it was.
 * The check reads everything back — each part's row count and SHA-256 over its rows in
 * one canonical form (src/store/home-export.ts), each day's chain line for line, and
 * every chain of the node verified by the log's own check. A target that already holds
 * exactly this home is checked and left alone (a second run is harmless); a target that
 * holds anything else is refused. The home itself is only read. `pg` loads here, on
 * demand, as everywhere in the SQLite path.
 */
import { errorText, isVigilError, VigilError } from '../errors.js';
import { Digest, HomeExport, type CopiedEvent, type CopiedMemoryVersion, type CopiedReminder, type CopiedSession, type CopiedSubscription } from './home-export.js';
import type { CopiedDreamState, CopiedNotice, CopiedSuggestion, CopiedUsage } from './home-export-state.js';

export interface MigrateHomeOptions {
  paths: { db: string; logs: string };
  /** The memory folder's files with their versions (src/memory's `memoryVersions`). */
  memory: () => CopiedMemoryVersion[];
  url: string;
  /** The node the home's logs become the chains of (and who "received" its events). */
  node: string;
  progress: (line: string) => void;
}

export interface PartReport {
  rows: number;
  sha256: string;
}

export interface MigrateReport {
  node: string;
  /** `copied`: written now; `already`: the database held exactly this home before. */
  outcome: 'copied' | 'already';
  inbox: PartReport & { bodyBytes: number };
  decisions: PartReport;
  actions: PartReport;
  memory: PartReport & { files: number };
  log: PartReport & { days: number; chainsVerified: number; droppedTornTails: string[] };
  /** Dashboard logins: a browser logged in on the home is on every node. */
  sessions: PartReport;
  /** Web push subscriptions: a phone keeps getting (and answering) its notifications. */
  subscriptions: PartReport;
  /** Reminders still to fire: each fires on the team, once, when due. */
  reminders: PartReport;
  /** Rule suggestions, open or not: none is offered twice, an open one's link is accepted on the team. */
  suggestions: PartReport;
  /** The model usage ledger: today's spend and the Activity page's trend go on where the home's stopped. */
  usage: PartReport;
  /** The approval and rule notices the home had not sent: a node's worker sends each still open, once. */
  notices: PartReport;
  /** The last dream and how far it read (1 row, or 0 when the home never dreamed): the team's next dream goes on from there. */
  dream: PartReport;
  /** Tables of the home no team table takes yet, with their rows: left in the home. */
  leftBehind: Array<{ table: string; rows: number }>;
}

type Parts = Pick<MigrateReport, 'inbox' | 'decisions' | 'actions' | 'memory' | 'log' | 'sessions' | 'subscriptions' | 'reminders' | 'suggestions' | 'usage' | 'dream' | 'notices'>;

export async function migrateHome(options: MigrateHomeOptions): Promise<MigrateReport> {
  const source = HomeExport.open(options.paths);
  try {
    const pgStore = await import('./pg/index.js');
    const io = await import('./pg/home-import.js');
    const phone = await import('./pg/home-import-phone.js');
    const state = await import('./pg/home-import-state.js');
    pgStore.checkNodeName(options.node);
    const pool = pgStore.openPgPool({ url: options.url, node: options.node, max: 2 });
    try {
      await pgStore.migratePg(pool);
      const held = await io.targetCounts(pool);
      const empty = Object.values(held).every((n) => n === 0);
      let parts: Parts;
      if (empty) {
        options.progress(`copying into the database as node ${options.node}, in one transaction`);
        parts = await pgStore.withTransaction(pool, async (client) => {
          await io.lockTargetTables(client);
          if (!Object.values(await io.targetCounts(client)).every((n) => n === 0)) {
            throw new VigilError('VIGIL_ERR_MIGRATE_TARGET', 'a node wrote into the database while the copy began; stop it and run vigil migrate again');
          }
          const copied = await readSource(source, options, {
            events: (e) => io.insertEvents(client, options.node, e),
            decisions: (d) => io.insertDecisions(client, options.node, d),
            actions: (a) => io.insertActions(client, a),
            logLines: (l) => io.insertLogLines(client, options.node, l),
            memory: (m) => io.insertMemory(client, options.node, m),
            sessions: (x) => phone.insertSessions(client, x),
            subscriptions: (x) => phone.insertSubscriptions(client, options.node, x),
            reminders: (x) => phone.insertReminders(client, options.node, x, Date.now()),
            suggestions: (x) => state.insertSuggestions(client, options.node, x),
            usage: (x) => state.insertUsage(client, options.node, x),
            dream: (x) => state.writeDreamState(client, options.node, x),
            notices: (x) => state.insertNotices(client, x),
          });
          await io.advanceIdentities(client);
          options.progress('committing');
          return copied;
        });
      } else {
        options.progress(`the database is not empty (${describeCounts(held)}): checking whether it holds exactly this home`);
        parts = await readSource(source, options, undefined);
      }
      options.progress('checking the copy: reading everything back');
      const problems = await compareTarget(pool, options.node, parts, held, empty);
      if (problems.length) {
        const text = problems.join('; ');
        throw empty
          ? new VigilError('VIGIL_ERR_MIGRATE_VERIFY', `the copy was committed but does not match: ${text}`)
          : new VigilError('VIGIL_ERR_MIGRATE_TARGET', `${text}; copy into an empty database`);
      }
      return { node: options.node, outcome: empty ? 'copied' : 'already', ...parts, leftBehind: source.leftBehind() };
    } catch (err) {
      throw isVigilError(err) ? err : new VigilError('VIGIL_ERR_STORE', `PostgreSQL: ${errorText(err)}`, { cause: err });
    } finally {
      await pool.end().catch(() => undefined);
    }
  } finally {
    source.close();
  }
}

interface Sink {
  events(e: CopiedEvent[]): Promise<void>;
  decisions(d: ReturnType<HomeExport['decisions']>): Promise<void>;
  actions(a: ReturnType<HomeExport['actions']>): Promise<void>;
  logLines(l: ReturnType<HomeExport['logDay']>['lines']): Promise<void>;
  memory(m: CopiedMemoryVersion[]): Promise<void>;
  sessions(s: CopiedSession[]): Promise<void>;
  subscriptions(s: CopiedSubscription[]): Promise<void>;
  reminders(r: CopiedReminder[]): Promise<void>;
  suggestions(s: CopiedSuggestion[]): Promise<void>;
  usage(u: CopiedUsage[]): Promise<void>;
  dream(d: CopiedDreamState): Promise<void>;
  notices(n: CopiedNotice[]): Promise<void>;
}

/** Every part of the home in canonical form, digested; each written to `sink` when there is one. */
async function readSource(source: HomeExport, options: MigrateHomeOptions, sink: Sink | undefined): Promise<Parts> {
  const say = options.progress;
  const total = source.count('inbox');
  const inbox = new Digest();
  let bodyBytes = 0;
  let lastSaid = Date.now();
  for (const batch of source.events()) {
    for (const e of batch) {
      inbox.add(e);
      bodyBytes += e.body.length;
    }
    await sink?.events(batch);
    if (Date.now() - lastSaid > 2000) {
      say(`inbox: ${inbox.count} of ${total} events`);
      lastSaid = Date.now();
    }
  }
  say(`inbox: ${inbox.count} events, ${(bodyBytes / 1e6).toFixed(1)} MB of bodies`);
  const decisionRows = source.decisions();
  const decisions = digestAll(decisionRows);
  await sink?.decisions(decisionRows);
  const actionRows = source.actions();
  const actions = digestAll(actionRows);
  await sink?.actions(actionRows);
  say(`decisions: ${decisions.count}; actions (with their approvals' answers): ${actions.count}`);
  const log = new Digest();
  const days = source.logDays();
  const droppedTornTails: string[] = [];
  for (const day of days) {
    const { lines, droppedTail } = source.logDay(day);
    for (const line of lines) log.add(line);
    if (droppedTail) droppedTornTails.push(day);
    await sink?.logLines(lines);
  }
  say(`log: ${days.length} days, ${log.count} entries${droppedTornTails.length ? ` (an unterminated last line left out of ${droppedTornTails.join(', ')})` : ''}`);
  const versions = options.memory();
  const memory = digestAll(versions);
  await sink?.memory(versions);
  const files = versions.filter((v, i) => v.content !== null && versions[i + 1]?.path !== v.path).length;
  say(`memory: ${files} files, ${versions.length} versions with their history`);
  const sessionRows = source.sessions();
  const subscriptionRows = source.subscriptions();
  await sink?.sessions(sessionRows);
  await sink?.subscriptions(subscriptionRows);
  const sessions = digestAll(sessionRows);
  const subscriptions = digestAll(subscriptionRows);
  say(`the phone: ${sessions.count} dashboard logins, ${subscriptions.count} web push subscriptions`);
  const reminderRows = source.reminders();
  await sink?.reminders(reminderRows);
  const reminders = digestAll(reminderRows);
  say(`reminders still to fire: ${reminders.count}`);
  const suggestionRows = source.suggestions();
  await sink?.suggestions(suggestionRows);
  const suggestions = digestAll(suggestionRows);
  const usage = new Digest();
  for (const batch of source.usage()) {
    for (const u of batch) usage.add(u);
    await sink?.usage(batch);
  }
  const dreamState = source.dreamState();
  if (dreamState) await sink?.dream(dreamState);
  const dream = digestAll(dreamState ? [dreamState] : []);
  const noticeRows = source.notices();
  await sink?.notices(noticeRows);
  const notices = digestAll(noticeRows);
  say(`rule suggestions: ${suggestions.count}; questions to the owner not sent yet: ${notices.count}; model calls in the usage ledger: ${usage.count}; the last dream: ${dreamState?.lastDreamId ?? 'none'}`);
  return {
    inbox: { rows: inbox.count, sha256: inbox.hex(), bodyBytes },
    decisions: { rows: decisions.count, sha256: decisions.hex() },
    actions: { rows: actions.count, sha256: actions.hex() },
    memory: { rows: memory.count, sha256: memory.hex(), files },
    log: { rows: log.count, sha256: log.hex(), days: days.length, chainsVerified: 0, droppedTornTails },
    sessions: { rows: sessions.count, sha256: sessions.hex() },
    subscriptions: { rows: subscriptions.count, sha256: subscriptions.hex() },
    reminders: { rows: reminders.count, sha256: reminders.hex() },
    suggestions: { rows: suggestions.count, sha256: suggestions.hex() },
    usage: { rows: usage.count, sha256: usage.hex() },
    dream: { rows: dream.count, sha256: dream.hex() },
    notices: { rows: notices.count, sha256: notices.hex() },
  };
}

function digestAll(rows: readonly unknown[]): Digest {
  const digest = new Digest();
  for (const row of rows) digest.add(row);
  return digest;
}

/** What differs between the database and the home's parts; also fills in the chains verified. */
async function compareTarget(pool: import('pg').Pool, node: string, parts: Parts, held: Record<string, number>, empty: boolean): Promise<string[]> {
  const io = await import('./pg/home-import.js');
  const phone = await import('./pg/home-import-phone.js');
  const state = await import('./pg/home-import-state.js');
  const { verifyPgLog } = await import('./pg/index.js');
  const problems: string[] = [];
  const check = (name: string, want: { rows: number; sha256: string }, got: Digest) => {
    if (got.count !== want.rows) problems.push(`${name}: ${got.count} rows, the home has ${want.rows}`);
    else if (got.hex() !== want.sha256) problems.push(`${name}: the rows differ from the home's`);
  };
  const inbox = new Digest();
  for await (const batch of io.readEvents(pool)) for (const e of batch) inbox.add(e);
  check('inbox', parts.inbox, inbox);
  check('decisions', parts.decisions, digestAll(await io.readDecisions(pool)));
  check('actions', parts.actions, digestAll(await io.readActions(pool)));
  check('memory', parts.memory, digestAll(await io.readMemoryVersions(pool)));
  check('dashboard logins', parts.sessions, digestAll(await phone.readSessions(pool)));
  check('web push subscriptions', parts.subscriptions, digestAll(await phone.readSubscriptions(pool)));
  check('reminders', parts.reminders, digestAll(await phone.readReminders(pool)));
  check('rule suggestions', parts.suggestions, digestAll(await state.readSuggestions(pool)));
  const usage = new Digest();
  for await (const batch of state.readUsage(pool)) for (const u of batch) usage.add(u);
  check('model usage', parts.usage, usage);
  const dream = await state.readDreamState(pool, node);
  check('dream state', parts.dream, digestAll(dream ? [dream] : []));
  check('notices not sent', parts.notices, digestAll(await state.readNotices(pool)));
  const log = new Digest();
  for (const day of await io.readLogDays(pool, node)) for (const line of await io.readLogLines(pool, node, day)) log.add(line);
  check(`log of node ${node}`, parts.log, log);
  const now = empty ? await io.targetCounts(pool) : held;
  if (now.log_entries !== parts.log.rows) problems.push(`log_entries holds ${now.log_entries} entries, the home ${parts.log.rows} (other nodes' chains?)`);
  const chains = await verifyPgLog(pool, node);
  for (const chain of chains.filter((c) => !c.ok)) problems.push(`${chain.node}/${chain.day} does not verify at line ${chain.firstBad?.line}: ${chain.firstBad?.reason}`);
  if (chains.length !== parts.log.days) problems.push(`${chains.length} chains of node ${node}, the home has ${parts.log.days} days`);
  parts.log.chainsVerified = chains.filter((c) => c.ok).length;
  return problems;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([table, n]) => `${table} ${n}`).join(', ');
}

/** The URL to show: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database URL';
  }
}
