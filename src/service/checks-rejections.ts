import fs from 'node:fs';
import { withStoreReader } from '../store/index.js';
import { likelyCause, mergeRejectionLogs, REJECTIONS_DAY_MS, summarizeRejections, type RejectionSummary } from '../triggers/index.js';
import { ok, warn, type Check } from './doctor.js';
import { isReader, reachable } from './checks-team.js';

/**
 * Deliveries refused in the last day (issue 20): a mistyped or rotated secret, a proxy
 * that re-serialises the JSON, a form-encoded hook behind smee — each looks like a quiet
 * day unless someone says so. Read from the counts the daemon saves with each
 * `webhook.rejected` line (at most a minute behind); on a team's home (`store.url`), every
 * node's, as each saved them in the team's database (src/store/pg/rejections.ts).
 */
export const checkRejections: Check = async ({ paths, now }, state) => {
  if (state.config?.store.url) {
    const reader = reachable('rejected', state);
    return isReader(reader) ? verdict(summarizeRejections(mergeRejectionLogs(await reader.rejections()), now, REJECTIONS_DAY_MS)) : reader;
  }
  if (state.storeUnreadable) return warn('rejected', 'not checked: this Node.js cannot open the database (see the node line)');
  if (!fs.existsSync(paths.db)) return ok('rejected', 'no delivery refused');
  return verdict(summarizeRejections(withStoreReader(paths.db, (reader) => reader.webhookRejections()), now, REJECTIONS_DAY_MS));
};

function verdict(summary: RejectionSummary) {
  if (summary.total === 0) return ok('rejected', 'no delivery refused in the last day');
  const reasons = [
    ...Object.entries(summary.direct).map(([reason, n]) => `${n} ${reason}`),
    ...Object.entries(summary.proxy).map(([reason, n]) => `${n} ${reason} through the proxy`),
  ].join(', ');
  return warn(
    'rejected',
    `${summary.total} deliver${summary.total === 1 ? 'y' : 'ies'} refused in the last day (${reasons}); likely cause: ${likelyCause(summary)}`,
    'the webhook.rejected lines in vigil log say when and which; README "Rejected and missed deliveries"',
  );
}
