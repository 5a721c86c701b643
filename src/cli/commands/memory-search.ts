import { isVigilError, VigilError } from '../../errors.js';
import type { SearchHit } from '../../memory/index.js';
import { callDaemon, daemonUrl, requireHome, type CliContext } from '../context.js';
import { teamStoreUrl } from '../team-home.js';

/** No search ranks more than this many matches (the store's SEARCH_CANDIDATES), so no more hits exist. */
const MOST_HITS = 2000;

/**
 * `vigil memory search QUERY`: ranked hits over every log entry and event payload. A
 * running daemon answers from its open, warm store (the CLI then loads neither the
 * store nor SQLite); while the index has more to catch up than the daemon may spend on
 * one request, or when no daemon runs, this process indexes and searches itself.
 */
export async function memorySearchCommand(ctx: CliContext, words: string[], opts: { limit?: string; json?: boolean }): Promise<void> {
  requireHome(ctx);
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new VigilError('VIGIL_ERR_USAGE', `--limit ${opts.limit}: a whole number ≥ 1`);
  const query = words.join(' ');
  const hits = (await fromDaemon(ctx, query, Math.min(limit, MOST_HITS))) ?? (await inThisProcess(ctx, query, limit));
  if (opts.json) return ctx.out(JSON.stringify(hits, null, 2));
  if (hits.length === 0) return ctx.out('no matches');
  for (const hit of hits) ctx.out(`${hit.date}  ${hit.ref.padEnd(20)}  ${hit.kind.padEnd(22)}  ${hit.snippet.replace(/\s+/g, ' ')}`);
}

/** The daemon's answer, or undefined when it cannot give a whole one (not running, an older daemon, the index behind). */
async function fromDaemon(ctx: CliContext, query: string, limit: number): Promise<SearchHit[] | undefined> {
  if (!daemonUrl(ctx)) return undefined;
  try {
    const route = `/api/memory/search?q=${encodeURIComponent(query)}&limit=${limit}`;
    const answer = await callDaemon<{ hits: SearchHit[]; complete: boolean }>(ctx, 'GET', route, ['VIGIL_ERR_USAGE']);
    return answer.complete ? answer.hits : undefined;
  } catch (err) {
    if (isVigilError(err, 'VIGIL_ERR_NOT_RUNNING') || isVigilError(err, 'VIGIL_ERR_DAEMON_HTTP')) return undefined;
    throw err;
  }
}

/**
 * No daemon answered whole (none runs here, or its index is behind): a team's home
 * searches its database through this machine's index; a SQLite home its own store.
 */
async function inThisProcess(ctx: CliContext, query: string, limit: number): Promise<SearchHit[]> {
  const team = await teamStoreUrl(ctx);
  if (team) return inTeamIndex(ctx, team, query, limit);
  const [{ Store }, { SearchIndex }] = await Promise.all([import('../../store/index.js'), import('../../memory/index.js')]);
  const store = Store.open(ctx.paths.db);
  try {
    const index = new SearchIndex(store, ctx.paths.logs);
    // The index follows the logs behind a watermark; whoever searches first brings it up to date.
    index.catchUp();
    return index.search(query, limit);
  } finally {
    store.close();
  }
}

/** A team's home (`store.url`): this node's derived index of the database's log and inbox, caught up first. */
async function inTeamIndex(ctx: CliContext, url: string, query: string, limit: number): Promise<SearchHit[]> {
  const [{ withTeamSearchSource }, { searchTeam }] = await Promise.all([import('../../store/index.js'), import('../../memory/index.js')]);
  // No node has started on the database yet: nothing to search, no index to name (it was exit 70: no table `team`).
  return withTeamSearchSource(url, [], (source) => searchTeam(ctx.paths.home, source, query, limit));
}
