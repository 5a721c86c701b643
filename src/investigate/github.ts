import { z } from 'zod';
import { repoName } from '../config/index.js';
import type { GithubQuery } from '../github-api/index.js';
import { tool, type InvestigationTool } from './tool.js';

/**
 * How a decision reads GitHub: the daemon passes a function that asks the execution
 * worker (`WorkerSupervisor.query`), which holds the credentials and answers with a
 * fixed set of GET requests. This room never sees a token, a client or the channel.
 */
export type GithubReads = (query: GithubQuery, signal: AbortSignal) => Promise<string>;

const repo = repoName.describe('"owner/name" of a watched repository');
const number = z.number().int().positive().describe('the issue or pull request number');

/** The `github_*` tools (issue 14); each answer is the worker's compact text. */
export function githubTools(reads: GithubReads): InvestigationTool[] {
  return [
    tool({
      name: 'github_thread',
      description:
        'An issue or pull request with its title, state, labels, description and comments (the newest kept when there are many; ' +
        'a pull request also names its head and base branches). Use it to see what was said before deciding to comment, label or act.',
      input: z.object({ repo, number }).strict(),
      run: ({ repo, number }, { signal }) => reads({ kind: 'thread', repo, number }, signal),
    }),
    tool({
      name: 'github_pr_diff',
      description:
        "A pull request's changed files with their patches (each patch and the whole capped; every file is still named). " +
        'Use it to judge what a pull request changes.',
      input: z.object({ repo, number: number.describe('the pull request number') }).strict(),
      run: ({ repo, number }, { signal }) => reads({ kind: 'pr_diff', repo, number }, signal),
    }),
    tool({
      name: 'github_check_logs',
      description:
        'Why CI failed: for a commit SHA or branch (`ref`), its failed check runs; or one check run (`check_run_id`). Each with its ' +
        'conclusion, title, summary, annotations (file:line and message) and, for GitHub Actions, the tail of the job log, where ' +
        'the failing test or command usually is. Give exactly one of ref and check_run_id.',
      input: z
        .object({
          repo,
          ref: z.string().min(1).max(255).optional().describe('a commit SHA, branch or tag'),
          check_run_id: z.number().int().positive().optional().describe('the id of one check run'),
        })
        .strict()
        .refine((input) => (input.ref === undefined) !== (input.check_run_id === undefined), 'give exactly one of ref and check_run_id'),
      run: ({ repo, ref, check_run_id }, { signal }) =>
        reads({ kind: 'check_logs', repo, ...(ref !== undefined ? { ref } : {}), ...(check_run_id !== undefined ? { checkRunId: check_run_id } : {}) }, signal),
    }),
    tool({
      name: 'github_search',
      description:
        'Search the issues and pull requests of one repository (GitHub search syntax; the repository is added for you, so repo:, ' +
        'org:, user: and owner: are refused). Use it to find a duplicate or an earlier report before filing or commenting.',
      input: z.object({ repo, query: z.string().trim().min(1).max(200).describe('words to look for, e.g. "parser crash is:open"') }).strict(),
      run: ({ repo, query }, { signal }) => reads({ kind: 'search', repo, query }, signal),
    }),
    tool({
      name: 'github_labels',
      description: "The labels that exist in a repository, with their descriptions. Use it before proposing a label: propose only one that exists.",
      input: z.object({ repo }).strict(),
      run: ({ repo }, { signal }) => reads({ kind: 'labels', repo }, signal),
    }),
  ];
}
