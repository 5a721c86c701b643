// The "investigation on" parts of `npm run bench -- tokens` (issue 14): a scripted model
// that calls 0–3 read-only tools per decision before it decides, GitHub reads answered
// with text of the sizes the worker's reads give (a thread, a diff, a CI log's tail), and
// a day with CI fan-out — each push or synchronize starts a CI run that sends check_suite,
// check_run, workflow_job and workflow_run deliveries for one head SHA.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples');

/** Deterministic filler of `n` characters: a repeated sentence, so sizes are exact. */
function text(label, n) {
  const line = `${label}: a line of the kind this read returns, with names, numbers and a sentence or two.\n`;
  return line.repeat(Math.ceil(n / line.length)).slice(0, n);
}

/** What the worker's reads answer, by kind, in their usual sizes (src/github-api/reads.ts caps them). */
export function cannedReads(query) {
  const sizes = { thread: 3000, pr_diff: 8000, check_logs: 5000, search: 800, labels: 300 };
  return Promise.resolve(text(`${query.kind} ${query.repo}`, sizes[query.kind] ?? 500));
}

/** The event's prompt: a string, or one text block when it carries a cache breakpoint. */
export function promptText(body) {
  const content = body.messages[0].content;
  return typeof content === 'string' ? content : content.map((b) => b.text ?? '').join('');
}

/** The tools a decision about this kind of event would look with, in order. */
function lookFor(kind, repo) {
  if (kind.startsWith('github.issues') || kind.startsWith('github.issue_comment')) {
    return [{ name: 'github_thread', input: { repo, number: 1 } }, { name: 'github_search', input: { repo, query: 'crash on start' } }, { name: 'github_labels', input: { repo } }];
  }
  if (kind.startsWith('github.pull_request')) {
    return [{ name: 'github_pr_diff', input: { repo, number: 1 } }, { name: 'github_thread', input: { repo, number: 1 } }, { name: 'vigil_history', input: { repo, number: 1 } }];
  }
  if (/github\.(check_|workflow_)/.test(kind)) {
    return [{ name: 'github_check_logs', input: { repo, ref: 'main' } }, { name: 'vigil_history', input: { repo, sha: 'a'.repeat(40) } }, { name: 'repo_list', input: { repo } }];
  }
  return [{ name: 'repo_list', input: { repo } }, { name: 'repo_read', input: { repo, path: 'CLAUDE.md' } }, { name: 'memory_view', input: { path: '/memories' } }];
}

/**
 * The scripted model of the investigating run: the decisions look 0, 1, 2, 3, 0, … times
 * in the order they come (1.5 tools a decision on average, the same in every run: a hash
 * of the prompt would move with the run's temp clone and commit ids), one tool per turn,
 * then decide what `decideFor` says.
 */
export function investigatingModel(fake, decideFor, repo = 'octo/app') {
  const looksOf = new Map();
  fake.respond = (body) => {
    const first = promptText(body);
    const kind = /"kind":"([^"]+)"/.exec(first)?.[1] ?? 'tick';
    if (!looksOf.has(first)) looksOf.set(first, looksOf.size % 4);
    const looks = looksOf.get(first);
    const turns = (body.messages.length - 1) / 2;
    if (body.tool_choice?.type === 'any' && turns < looks) return { calls: [lookFor(kind, repo)[turns]] };
    return decideFor(body);
  };
}

function example(name, action) {
  const group = examples.find((g) => g.name === name);
  return group.examples.find((e) => e.action === action) ?? group.examples[0];
}

/** A payload of `name.action` whose CI run is `sha` (every place a head SHA is named). */
function ciPayload(name, action, sha) {
  const payload = structuredClone(example(name, action));
  payload.action = action;
  for (const key of ['check_run', 'check_suite', 'workflow_job', 'workflow_run']) if (payload[key]) payload[key].head_sha = sha;
  return payload;
}

/** One CI run's deliveries, in the order GitHub sends them, over about three minutes. */
const FAN_OUT = [
  ['check_suite', 'requested', 0],
  ['workflow_run', 'requested', 1],
  ['workflow_job', 'queued', 2],
  ['check_run', 'created', 3],
  ['workflow_job', 'in_progress', 8],
  ['check_run', 'created', 9],
  ['check_run', 'created', 10],
  ['check_run', 'completed', 150],
  ['check_run', 'completed', 160],
  ['workflow_job', 'completed', 165],
  ['check_run', 'completed', 170],
  ['workflow_run', 'completed', 172],
  ['check_suite', 'completed', 173],
];

/** The day with a CI run after every push and pull-request synchronize. */
export function withCiFanOut(day) {
  const runs = day.webhooks.filter((w) => w.kind === 'github.push' || w.kind === 'github.pull_request.synchronize');
  const ci = runs.flatMap((trigger, run) => {
    const sha = crypto.createHash('sha1').update(`run ${run}`).digest('hex');
    return FAN_OUT.map(([name, action, seconds], i) => ({
      at: trigger.at + 5_000 + seconds * 1000,
      kind: `github.${name}.${action}`,
      deliveryId: `ci-${run}-${i}`,
      payload: ciPayload(name, action, sha),
    }));
  });
  return { ...day, webhooks: [...day.webhooks, ...ci].sort((a, b) => a.at - b.at) };
}
