import type { ActionParams } from '../../policy/index.js';
import type { Handler } from './types.js';

/**
 * The GitHub actions. The effects and their exactly-once rules live in src/github-api; the
 * worker opens it lazily, so Octokit is loaded only when one of these runs.
 */

export const githubComment: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.comment'>;
  const github = await ctx.github();
  return github.comment(params, { id: ctx.actionId, createdAt: ctx.actionCreatedAt });
};

export const githubLabel: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.label'>;
  const github = await ctx.github();
  return github.label(params);
};

export const githubCreateIssue: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.create_issue'>;
  const github = await ctx.github();
  return github.createIssue(params, { id: ctx.actionId, createdAt: ctx.actionCreatedAt });
};
