import { z } from 'zod';
import { repoName } from '../config/index.js';
import { VigilError } from '../errors.js';
import { globMatch } from '../glob.js';
import { splitRepo, type GithubOctokit } from './client.js';
import { memoryCache, type AnswerCache } from './conditional.js';
import { fetchLogTail } from './log-tail.js';
import { readOpenWork } from './open-work.js';

/**
 * What a decision may read on GitHub (issue 14), answered by the worker, which holds the
 * credentials. Each kind maps to a fixed set of GET routes (`GET_ROUTES`): nothing here
 * can write, whatever the model puts in a query.
 */
const positive = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** A branch, tag or SHA; never an option (a leading `-`) and never a path out of `commits/`. */
const gitRef = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\w./-]+$/, 'must be a branch, tag or commit SHA')
  .refine((ref) => !ref.startsWith('-') && !ref.split('/').some((part) => part === '..' || part === '.'), 'must be a branch, tag or commit SHA');

export const GithubQuery = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('thread'), repo: repoName, number: positive }).strict(),
  z.object({ kind: z.literal('pr_diff'), repo: repoName, number: positive }).strict(),
  z.object({ kind: z.literal('check_logs'), repo: repoName, ref: gitRef.optional(), checkRunId: positive.optional() }).strict(),
  z.object({ kind: z.literal('search'), repo: repoName, query: z.string().trim().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('labels'), repo: repoName }).strict(),
  /** The tick's open-work digest (issue 15): answered as JSON, not offered to the model as a tool. */
  z
    .object({
      kind: z.literal('open_work'),
      repo: repoName,
      owner: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a GitHub login').optional(),
      /** Pull requests not updated since this instant are idle (the tick's clock, less `tick.staleDays`). */
      staleBefore: z.string().datetime(),
    })
    .strict(),
]).superRefine((q, ctx) => {
  if (q.kind === 'check_logs' && (q.ref === undefined) === (q.checkRunId === undefined)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['ref'], message: 'needs a ref or a check run id (one of them)' });
  }
});
export type GithubQuery = z.infer<typeof GithubQuery>;

/** The only requests this module makes (a test checks the fake saw nothing but GETs). */
type GetRoute =
  | 'GET /repos/{owner}/{repo}/issues/{issue_number}'
  | 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments'
  | 'GET /repos/{owner}/{repo}/pulls/{pull_number}'
  | 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files'
  | 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs'
  | 'GET /repos/{owner}/{repo}/check-runs/{check_run_id}'
  | 'GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations'
  | 'GET /repos/{owner}/{repo}/labels'
  | 'GET /search/issues';
// The open-work digest's GETs are in src/github-api/open-work.ts, all conditional.

/** Sizes of an answer: the toolbox caps the whole again; these keep each part in proportion. */
export const READ_LIMITS = {
  /** Characters of an issue or PR body. */
  body: 4000,
  /** Characters of one comment. */
  comment: 1500,
  /** Characters of all comments together (newest kept). */
  comments: 9000,
  /** Characters of one file's patch. */
  patch: 3000,
  /** Characters of all patches together. */
  patches: 12_000,
  /** Files listed by name (a pull request may have 3000). */
  files: 100,
  /** Failed check runs described in one answer. */
  failedRuns: 3,
  annotations: 20,
  /** Characters of a job log's tail. */
  logTail: 4000,
  /** Characters of a check run's output summary. */
  summary: 1500,
  searchResults: 15,
  labels: 200,
} as const;

/** Conclusions that mean a check run failed. */
const FAILED = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure']);

export interface WatchedRepos {
  /** `github.repos` patterns: the repositories whose events vigil takes. */
  patterns: readonly string[];
  /** `repos[].name`: the watched clones. */
  names: readonly string[];
}

/** A repository vigil watches (its events or its clone) may be read; any other is refused. */
export function assertWatched(repo: string, watched: WatchedRepos): void {
  const name = repo.toLowerCase();
  const ok = watched.names.some((n) => n.toLowerCase() === name) || watched.patterns.some((p) => globMatch(p.toLowerCase(), name));
  if (!ok) throw new VigilError('VIGIL_ERR_GITHUB_QUERY', `${repo} is not a watched repository (github.repos, repos[].name)`);
}

/** Validate what came over the channel: the worker trusts the daemon's bytes no more than the model's. */
export function parseGithubQuery(value: unknown): GithubQuery {
  const parsed = GithubQuery.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_ERR_GITHUB_QUERY', `${issue?.path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * The answer to one query, as compact text for a model (the open-work digest: JSON for
 * the tick). `cache` keeps the digest's ETags between calls.
 */
export async function answerGithubQuery(octokit: GithubOctokit, value: GithubQuery, signal: AbortSignal, cache: AnswerCache = memoryCache()): Promise<string> {
  const query = parseGithubQuery(value);
  const get = async <T>(route: GetRoute, params: Record<string, unknown>): Promise<T> => {
    signal.throwIfAborted();
    // One call site for every route, typed by `GetRoute` rather than by Octokit's per-route overloads.
    const request = octokit.request as unknown as (route: GetRoute, params: Record<string, unknown>) => Promise<{ data: unknown }>;
    const response = await request(route, { ...params, request: { signal } });
    return response.data as T;
  };
  const where = splitRepo(query.repo);
  switch (query.kind) {
    case 'thread':
      return thread(get, where, query.repo, query.number);
    case 'pr_diff':
      return prDiff(get, where, query.repo, query.number);
    case 'check_logs':
      return checkLogs(get, octokit, where, query, signal);
    case 'search':
      return search(get, query.repo, query.query);
    case 'labels':
      return labels(get, where, query.repo);
    case 'open_work':
      return JSON.stringify(await readOpenWork(octokit, query, cache, signal));
    default:
      throw new VigilError('VIGIL_ERR_GITHUB_QUERY', 'unknown kind of read');
  }
}

type Get = <T>(route: GetRoute, params: Record<string, unknown>) => Promise<T>;
type Where = { owner: string; repo: string };

interface IssueJson {
  number: number;
  title: string;
  state: string;
  body?: string | null;
  html_url: string;
  user?: { login: string } | null;
  labels?: Array<string | { name?: string }>;
  comments: number;
  created_at: string;
  pull_request?: unknown;
}

interface CommentJson {
  body?: string;
  user?: { login: string } | null;
  created_at: string;
}

const PAGE = 100;

async function thread(get: Get, where: Where, repo: string, number: number): Promise<string> {
  const issue = await get<IssueJson>('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...where, issue_number: number });
  const isPr = issue.pull_request !== undefined && issue.pull_request !== null;
  const lines = [
    `${isPr ? 'pull request' : 'issue'} ${repo}#${issue.number}: ${issue.title}`,
    `state: ${issue.state}; by ${issue.user?.login ?? '?'} at ${issue.created_at}; labels: ${labelNames(issue.labels).join(', ') || 'none'}`,
    issue.html_url,
  ];
  if (isPr) {
    const pr = await get<{ head: { ref: string; sha: string }; base: { ref: string }; merged?: boolean; draft?: boolean }>(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      { ...where, pull_number: number },
    );
    lines.push(`head ${pr.head.ref} (${pr.head.sha}) into ${pr.base.ref}${pr.draft ? '; draft' : ''}${pr.merged ? '; merged' : ''}`);
  }
  lines.push('', cut(issue.body ?? '(no description)', READ_LIMITS.body));
  // Comments come oldest first: the newest are on the last pages, so read those (at most two).
  const total = issue.comments;
  const comments: CommentJson[] = [];
  if (total > 0) {
    const lastPage = Math.ceil(total / PAGE);
    for (const page of lastPage > 1 ? [lastPage - 1, lastPage] : [1]) {
      comments.push(...(await get<CommentJson[]>('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...where, issue_number: number, per_page: PAGE, page })));
    }
  }
  const kept: string[] = [];
  let size = 0;
  for (const comment of [...comments].reverse()) {
    const text = `--- ${comment.user?.login ?? '?'} at ${comment.created_at}\n${cut(comment.body ?? '', READ_LIMITS.comment)}`;
    if (size + text.length > READ_LIMITS.comments) break;
    kept.unshift(text);
    size += text.length;
  }
  const left = Math.max(0, total - kept.length);
  lines.push('', `comments: ${total}${left ? ` (the ${left} oldest left out)` : ''}`, ...kept);
  return lines.join('\n');
}

interface FileJson {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
}

async function prDiff(get: Get, where: Where, repo: string, number: number): Promise<string> {
  const files = await get<FileJson[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...where, pull_number: number, per_page: READ_LIMITS.files });
  const lines = [`pull request ${repo}#${number}: ${files.length}${files.length === READ_LIMITS.files ? ' or more' : ''} files changed`];
  let budget: number = READ_LIMITS.patches;
  const omitted: string[] = [];
  for (const file of files) {
    lines.push('', `${file.status} ${file.filename} (+${file.additions} -${file.deletions})`);
    if (file.patch === undefined) {
      lines.push('(no patch: binary or too large)');
      continue;
    }
    const patch = cut(file.patch, READ_LIMITS.patch);
    if (patch.length > budget) {
      omitted.push(file.filename);
      continue;
    }
    budget -= patch.length;
    lines.push(patch);
  }
  if (omitted.length) lines.push('', `patches left out (size limit): ${omitted.join(', ')}`);
  return lines.join('\n');
}

interface CheckRunJson {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  head_sha: string;
  html_url?: string | null;
  details_url?: string | null;
  app?: { slug?: string } | null;
  output?: { title?: string | null; summary?: string | null; annotations_count?: number };
}

interface AnnotationJson {
  path: string;
  start_line: number;
  annotation_level?: string | null;
  title?: string | null;
  message?: string | null;
}

async function checkLogs(
  get: Get,
  octokit: GithubOctokit,
  where: Where,
  query: Extract<GithubQuery, { kind: 'check_logs' }>,
  signal: AbortSignal,
): Promise<string> {
  let runs: CheckRunJson[];
  let heading: string;
  if (query.checkRunId !== undefined) {
    runs = [await get<CheckRunJson>('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...where, check_run_id: query.checkRunId })];
    heading = `check run ${query.checkRunId} in ${query.repo}`;
  } else {
    const list = await get<{ total_count: number; check_runs: CheckRunJson[] }>('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...where,
      ref: query.ref,
      filter: 'latest',
      per_page: 100,
    });
    const failed = list.check_runs.filter((run) => run.conclusion !== null && FAILED.has(run.conclusion));
    heading = `${query.repo}@${query.ref}: ${list.total_count} check runs, ${failed.length} failed`;
    runs = failed.slice(0, READ_LIMITS.failedRuns);
    if (failed.length > runs.length) heading += ` (the first ${runs.length} described)`;
    if (!failed.length) {
      const states = list.check_runs.map((run) => `${run.name}: ${run.conclusion ?? run.status}`);
      return [heading, ...states].join('\n');
    }
  }
  const parts = [heading];
  for (const run of runs) parts.push('', await describeRun(get, octokit, where, run, signal));
  return parts.join('\n');
}

async function describeRun(get: Get, octokit: GithubOctokit, where: Where, run: CheckRunJson, signal: AbortSignal): Promise<string> {
  const lines = [
    `== ${run.name} (check run ${run.id}, ${run.app?.slug ?? 'unknown app'}): ${run.conclusion ?? run.status}, commit ${run.head_sha}`,
  ];
  if (run.html_url) lines.push(run.html_url);
  if (run.output?.title) lines.push(`title: ${run.output.title}`);
  if (run.output?.summary) lines.push(`summary: ${cut(run.output.summary, READ_LIMITS.summary)}`);
  if (run.output?.annotations_count) {
    const annotations = await get<AnnotationJson[]>('GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', {
      ...where,
      check_run_id: run.id,
      per_page: READ_LIMITS.annotations,
    });
    lines.push(`annotations (${run.output.annotations_count}):`);
    for (const a of annotations) {
      lines.push(`- ${a.annotation_level ?? 'note'} ${a.path}:${a.start_line}${a.title ? ` ${a.title}` : ''}: ${cut(a.message ?? '', 300)}`);
    }
  }
  // A check run of GitHub Actions has its job's id as its own: the job's log is at that id.
  if (run.app?.slug === 'github-actions' && run.conclusion !== null && FAILED.has(run.conclusion)) {
    try {
      const tail = await fetchLogTail(octokit, { ...where, job_id: run.id }, READ_LIMITS.logTail, signal);
      lines.push(`log tail of job ${run.id}:`, tail);
    } catch (err) {
      if (signal.aborted) throw err;
      lines.push(`log of job ${run.id}: not available (${(err as Error).message})`);
    }
  }
  return lines.join('\n');
}

interface SearchJson {
  total_count: number;
  items: Array<IssueJson & { updated_at: string }>;
}

/** Qualifiers that would widen a search past the one repository (GitHub ORs repeated `repo:`). */
const WIDENING = /(^|[\s(])-?(repo|org|user|owner)\s*:/i;

async function search(get: Get, repo: string, text: string): Promise<string> {
  if (WIDENING.test(text)) {
    throw new VigilError('VIGIL_ERR_GITHUB_QUERY', 'the search is within the one repository: leave out repo:, org:, user: and owner:');
  }
  const result = await get<SearchJson>('GET /search/issues', { q: `${text} repo:${repo}`, per_page: READ_LIMITS.searchResults });
  const lines = [`search in ${repo} for ${JSON.stringify(text)}: ${result.total_count} found${result.total_count > result.items.length ? `, ${result.items.length} shown` : ''}`];
  for (const item of result.items) {
    const kind = item.pull_request ? 'PR' : 'issue';
    lines.push(`- ${kind} #${item.number} [${item.state}] ${item.title} (updated ${item.updated_at}; labels: ${labelNames(item.labels).join(', ') || 'none'})`);
  }
  return lines.join('\n');
}

async function labels(get: Get, where: Where, repo: string): Promise<string> {
  const list = await get<Array<{ name: string; description?: string | null }>>('GET /repos/{owner}/{repo}/labels', { ...where, per_page: 100 });
  const lines = [`labels of ${repo}: ${list.length}${list.length === 100 ? ' (the first 100)' : ''}`];
  for (const label of list.slice(0, READ_LIMITS.labels)) lines.push(`- ${label.name}${label.description ? `: ${cut(label.description, 200)}` : ''}`);
  return lines.join('\n');
}

function labelNames(labels: IssueJson['labels']): string[] {
  return (labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters left out]`;
}
