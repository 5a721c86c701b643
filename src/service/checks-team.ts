/**
 * `vigil doctor` on a team's home (config `store.url`, issue 19): the checks that read the
 * store read the team's PostgreSQL database instead of vigil.db, the spool and logs/ —
 * which a node never writes — and say so in their detail. The database check opens one
 * read-only connection (src/store/pg/doctor.ts, `pg` loaded only here); the checks after it
 * stand aside, with a pointer to its line, when it could not be reached.
 */
import { readDaemonInfo } from '../home/index.js';
import { errorText } from '../errors.js';
import { openTeamDoctorReader, type TeamDoctorReader } from '../store/index.js';
import { ago, fail, ok, warn, type CheckResult, type DoctorInput, type DoctorState } from './doctor.js';

/** Where the database is, without the login in the URL: host, port and database name. */
export function databasePlace(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host || 'the local socket'}${u.pathname}`;
  } catch {
    return 'store.url';
  }
}

const unreachable = (name: string): CheckResult => warn(name, "not checked: the team's database cannot be reached (see the database line)");

/** The reader once the database check found the database answering; else the line to print instead. */
export function reachable(name: string, state: DoctorState): TeamDoctorReader | CheckResult {
  if (!state.team || state.team.unreachable !== undefined) return unreachable(name);
  return state.team.reader;
}

export const isReader = (r: TeamDoctorReader | CheckResult): r is TeamDoctorReader => 'health' in r;

export async function checkTeamDatabase(url: string, state: DoctorState): Promise<CheckResult> {
  const place = databasePlace(url);
  const reader = await openTeamDoctorReader(url);
  state.team = { url, reader };
  let health;
  try {
    health = await reader.health();
  } catch (err) {
    state.team.unreachable = errorText(err);
    return fail(
      'database',
      `the team's PostgreSQL database at ${place} cannot be reached: ${state.team.unreachable}`,
      `check that PostgreSQL runs at ${place} and takes the login in store.url, or correct store.url in config.json (or DATABASE_URL)`,
    );
  }
  const where = `the team's PostgreSQL ${health.server} at ${place}`;
  if (health.unknown.length) {
    return fail('database', `${where}: written by a newer vigil (migrations ${health.unknown.join(', ')} unknown here)`, 'upgrade vigil on this machine to the team\'s version');
  }
  if (!health.migrated) return ok('database', `${where}: reachable; no node has started on it yet (vigil start migrates it)`);
  if (health.pending.length) {
    return warn('database', `${where}: reachable, ${health.known - health.pending.length} of ${health.known} migrations applied (${health.pending.join(', ')} pending)`, 'vigil start (a node migrates the database as it starts)');
  }
  return ok('database', `${where}: reachable, migrated (${health.known} of ${health.known} migrations)`);
}

/** Every node's chain in `log_entries`, checked as `vigil log verify` checks it. */
export async function checkTeamLogs(state: DoctorState): Promise<CheckResult> {
  const reader = reachable('logs', state);
  if (!isReader(reader)) return reader;
  const results = await reader.verifyLog();
  if (results.length === 0) return ok('logs', "no node's log in the team's database yet");
  const bad = results.find((r) => !r.ok);
  if (bad) {
    const where = bad.firstBad ? ` line ${bad.firstBad.line}: ${bad.firstBad.reason}` : '';
    // Nothing to repair: a broken chain is the evidence that a row was changed.
    return fail('logs', `${bad.node}/${bad.day} does not verify —${where}`, `vigil log verify --date ${bad.day} for details; keep the rows as they are`);
  }
  const entries = results.reduce((n, r) => n + r.entries, 0);
  const nodes = new Set(results.map((r) => r.node)).size;
  return ok('logs', `${results.length} chain${results.length > 1 ? 's' : ''} verify in the team's database (${nodes} node${nodes > 1 ? 's' : ''}, ${entries} entries)`);
}

/**
 * The last delivery this home's node took in (its name in daemon.json while it runs), and
 * the team's when another node took the last one: deliveries reach whichever node GitHub,
 * a proxy or smee hands them to.
 */
export async function checkTeamWebhooks({ paths, now }: DoctorInput, state: DoctorState, fix: string): Promise<CheckResult> {
  const reader = reachable('webhooks', state);
  if (!isReader(reader)) return reader;
  const said = (d: { kind: string; id: string | null; at: number }) => `last delivery ${ago(now - d.at)} (${d.kind}${d.id ? `, ${d.id}` : ''})`;
  const node = readDaemonInfo(paths.daemon)?.node;
  const team = await reader.lastDelivery();
  if (!team) return warn('webhooks', 'no delivery received yet by any node of the team', fix);
  if (!node) return ok('webhooks', `${said(team)} at node ${team.node}; no node runs on this home`);
  const mine = team.node === node ? team : await reader.lastDelivery(node);
  if (!mine) return ok('webhooks', `this home's node ${node} has taken no delivery; the team's ${said(team)} at node ${team.node}`);
  const other = mine === team ? '' : `; the team's ${said(team)} at node ${team.node}`;
  return ok('webhooks', `${said(mine)} at this home's node ${node}${other}`);
}

/** The browsers subscribed through any node: web push reaches them from whichever node's worker sends. */
export async function teamSubscriptionCount(state: DoctorState): Promise<number | CheckResult> {
  const reader = reachable('notify.push', state);
  if (!isReader(reader)) return reader;
  return reader.subscriptionCount();
}
