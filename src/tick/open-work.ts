import crypto from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import { errorText } from '../errors.js';
import type { GithubQuery, OpenWorkDigest } from '../github-api/index.js';

/**
 * The open-work digest on ticks (issue 15): per watched repository, what waits for the
 * owner on GitHub, asked of the execution worker (the daemon holds no GitHub credential)
 * with conditional requests. The tick compares a fingerprint of it with the baseline, so
 * a newly red main wakes a decision and an unchanged world costs no model call.
 */

/** How the daemon asks the worker (`WorkerSupervisor.query`). */
export type GithubReads = (query: GithubQuery, signal: AbortSignal) => Promise<string>;

/** One tick's look: the digests that came back, and the repositories that could not be read. */
export interface OpenWorkSeen {
  digests: OpenWorkDigest[];
  failed: { repo: string; error: string }[];
}

/** `timeoutMs`: how long the tick waits for each repository's digest (the owner waits on a manual tick). */
export type OpenWorkSource = (now: number, timeoutMs?: number) => Promise<OpenWorkSeen>;

/** What the quiet-tick rule keeps of a digest: the default branch's CI in words, and a hash of the lists. */
export interface OpenWorkMark {
  ci: string;
  hash: string;
}

const DAY_MS = 86_400_000;
/** A digest is a handful of GETs; one the worker has not answered in this long is left for the next tick. */
const READ_TIMEOUT_MS = 30_000;

const item = z.object({ number: z.number(), title: z.string(), author: z.string().optional(), updatedAt: z.string(), url: z.string() });
/** The worker's answer is checked, not trusted blindly: it quotes GitHub. */
const Digest: z.ZodType<OpenWorkDigest> = z.object({
  repo: z.string(),
  defaultBranch: z.string(),
  ci: z.object({ sha: z.string().nullable(), state: z.enum(['success', 'failure', 'pending', 'none']), failed: z.array(z.string()) }),
  owner: z.string().nullable(),
  reviewRequested: z.array(item),
  ownPulls: z.array(item.extend({ problems: z.array(z.enum(['failing checks', 'changes requested', 'conflicts'])) })),
  assigned: z.array(item),
  stale: z.array(item),
  truncated: z.array(z.string()),
  fetched: z.object({ requests: z.number(), notModified: z.number() }),
});

/**
 * The repositories a digest is read for: the watched clones' names and the `github.repos`
 * entries that name one repository (a pattern such as `octo/*` names none).
 */
export function openWorkRepos(config: Pick<Config, 'repos' | 'github'>): string[] {
  const names = [...config.repos.map((r) => r.name), ...config.github.repos.filter((p) => !p.includes('*'))];
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function openWorkSource(options: { reads: GithubReads; repos: readonly string[]; owner?: string | undefined; staleDays: number }): OpenWorkSource {
  return async (now, timeoutMs = READ_TIMEOUT_MS) => {
    const staleBefore = new Date(now - options.staleDays * DAY_MS).toISOString();
    const seen: OpenWorkSeen = { digests: [], failed: [] };
    const answers = await Promise.all(
      options.repos.map(async (repo): Promise<{ repo: string; digest: OpenWorkDigest } | { repo: string; error: string }> => {
        try {
          const query: GithubQuery = { kind: 'open_work', repo, staleBefore, ...(options.owner ? { owner: options.owner } : {}) };
          const text = await options.reads(query, AbortSignal.timeout(timeoutMs));
          return { repo, digest: Digest.parse(JSON.parse(text)) };
        } catch (err) {
          return { repo, error: errorText(err).split('\n')[0]! };
        }
      }),
    );
    for (const answer of answers) {
      if ('digest' in answer) seen.digests.push(answer.digest);
      else seen.failed.push({ repo: answer.repo, error: answer.error });
    }
    return seen;
  };
}

/**
 * A digest's place in the world mark. The hash covers what is open and why (numbers and
 * problems), not titles, timestamps or what the read cost: a comment on a pull request
 * that waits for the owner is not news here (its webhook is); a new one waiting is.
 */
export function openWorkMark(digest: OpenWorkDigest): OpenWorkMark {
  const numbers = (list: readonly { number: number }[]) => list.map((i) => i.number).sort((a, b) => a - b);
  const lists = {
    defaultBranch: digest.defaultBranch,
    reviewRequested: numbers(digest.reviewRequested),
    ownPulls: digest.ownPulls.map((p) => [p.number, [...p.problems].sort()]).sort(),
    assigned: numbers(digest.assigned),
    stale: numbers(digest.stale),
  };
  const hash = crypto.createHash('sha256').update(JSON.stringify(lists)).digest('hex').slice(0, 16);
  return { ci: ciWords(digest.ci), hash };
}

function ciWords(ci: OpenWorkDigest['ci']): string {
  return ci.failed.length ? `${ci.state}: ${ci.failed.join(', ')}` : ci.state;
}

/** A CI that is still running says nothing yet: it neither moves the world nor becomes the baseline. */
export function ciSettled(mark: OpenWorkMark): boolean {
  return !mark.ci.startsWith('pending');
}

/** The digest as the prompt shows it: what the read cost is the log's business, not the model's. */
export function digestForPrompt(digest: OpenWorkDigest): Omit<OpenWorkDigest, 'fetched'> {
  const shown: Partial<OpenWorkDigest> = { ...digest };
  delete shown.fetched;
  return shown as Omit<OpenWorkDigest, 'fetched'>;
}

/** The `tick.open_work` record's fields: counts and 304s, never titles. */
export function openWorkLog(seen: OpenWorkSeen): { repos: Record<string, unknown>[]; failed: OpenWorkSeen['failed'] } {
  return {
    repos: seen.digests.map((d) => ({
      repo: d.repo,
      requests: d.fetched.requests,
      notModified: d.fetched.notModified,
      ci: d.ci.state,
      reviewRequested: d.reviewRequested.length,
      ownPulls: d.ownPulls.length,
      assigned: d.assigned.length,
      stale: d.stale.length,
    })),
    failed: seen.failed,
  };
}
