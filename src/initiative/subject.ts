import { repoName } from '../config/index.js';

/**
 * What an event or an action is about — an issue or pull request (`octo/app#7`: GitHub
 * numbers both from one sequence) or a commit (`octo/app@<sha>`: a CI run's head) — so
 * a decision can be shown what vigil already decided and did about the same thing.
 * The key is lower case: GitHub names are case-insensitive, and a model may write
 * `Octo/App` where the webhook said `octo/app`.
 */
export type Subject = { repo: string; number: number } | { repo: string; sha: string };

const FULL_SHA = /^[0-9a-f]{40}$/i;
/** Where a CI delivery names its commit: check runs and suites, workflow runs and jobs. */
const HEAD_SHA_OF = ['check_run', 'check_suite', 'workflow_run', 'workflow_job'] as const;
/** Where an issue-like delivery names its number (discussions share the issues' sequence too). */
const NUMBER_OF = ['issue', 'pull_request', 'discussion'] as const;

export function subjectKey(subject: Subject): string {
  const where = 'number' in subject ? `#${subject.number}` : `@${subject.sha}`;
  return `${subject.repo}${where}`.toLowerCase();
}

/** The subject of a stored event: GitHub deliveries only (a tick is about everything). */
export function subjectOfEvent(event: { source: string; payload: unknown }): Subject | undefined {
  if (event.source !== 'github') return undefined;
  const payload = record(event.payload);
  const repo = record(payload?.repository)?.full_name;
  if (!payload || !isRepo(repo)) return undefined;
  for (const key of NUMBER_OF) {
    const number = record(payload[key])?.number;
    if (isNumber(number)) return { repo, number };
  }
  for (const key of HEAD_SHA_OF) {
    const sha = record(payload[key])?.head_sha;
    if (isSha(sha)) return { repo, sha: sha.toLowerCase() };
  }
  // A commit status names its commit at the top level.
  if (typeof payload.context === 'string' && isSha(payload.sha)) return { repo, sha: payload.sha.toLowerCase() };
  return undefined;
}

/** The subject an action's params name themselves (`github.comment {repo, number}`), if any. */
export function subjectOfParams(params: unknown): Subject | undefined {
  const p = record(params);
  if (!p || !isRepo(p.repo)) return undefined;
  if (isNumber(p.number)) return { repo: p.repo, number: p.number };
  if (isSha(p.sha)) return { repo: p.repo, sha: p.sha.toLowerCase() };
  return undefined;
}

/** The stored event's subject key, for its decision row; undefined when it has none or its payload is not JSON. */
export function eventSubjectKey(event: { source: string; payload: string }): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(event.payload);
  } catch {
    return undefined;
  }
  const subject = subjectOfEvent({ source: event.source, payload });
  return subject ? subjectKey(subject) : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isRepo(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 200 && repoName.safeParse(value).success;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isSha(value: unknown): value is string {
  return typeof value === 'string' && FULL_SHA.test(value);
}
