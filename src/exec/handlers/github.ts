import type { WrittenResult } from '../../github-api/index.js';
import type { ActionParams } from '../../policy/index.js';
import type { Handler, HandlerContext } from './types.js';

/**
 * The GitHub actions. The effects and their exactly-once rules live in src/github-api; the
 * worker opens it lazily, so Octokit is loaded only when one of these runs.
 */

export const githubComment: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.comment'>;
  const github = await ctx.github();
  return rememberAuthor(await github.comment(params, { id: ctx.actionId, createdAt: ctx.actionCreatedAt }), ctx);
};

export const githubLabel: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.label'>;
  const github = await ctx.github();
  return github.label(params);
};

export const githubCreateIssue: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.create_issue'>;
  const github = await ctx.github();
  return rememberAuthor(await github.createIssue(params, { id: ctx.actionId, createdAt: ctx.actionCreatedAt }), ctx);
};

export const githubRemoveLabel: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.remove_label'>;
  return (await ctx.github()).removeLabels(params);
};

export const githubAssign: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.assign'>;
  return (await ctx.github()).assign(params);
};

export const githubRequestReview: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.request_review'>;
  return (await ctx.github()).requestReview(params);
};

export const githubClose: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.close'>;
  return (await ctx.github()).setState({ ...params, state: 'closed' });
};

export const githubReopen: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.reopen'>;
  return (await ctx.github()).setState({ ...params, state: 'open' });
};

export const githubRerunFailedJobs: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.rerun_failed_jobs'>;
  return (await ctx.github()).rerunFailedJobs(params, { id: ctx.actionId, createdAt: ctx.actionCreatedAt });
};

export const githubMerge: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'github.merge'>;
  return (await ctx.github()).merge(params);
};

/**
 * The author GitHub named is the login vigil acts as. The daemon holds no credential to
 * ask GitHub who that is, so the worker leaves it in the store: a delivery sent by that
 * login is vigil's own write coming back (src/initiative/own-echo.ts).
 */
function rememberAuthor(result: WrittenResult, ctx: HandlerContext): WrittenResult {
  if (result.author) ctx.store.kv.set('github.actingLogin', { login: result.author, at: ctx.clock.now() });
  return result;
}
