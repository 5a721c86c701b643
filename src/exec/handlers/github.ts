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

/**
 * The author GitHub named is the login vigil acts as. The daemon holds no credential to
 * ask GitHub who that is, so the worker leaves it in the store: a delivery sent by that
 * login is vigil's own write coming back (src/initiative/own-echo.ts).
 */
function rememberAuthor(result: WrittenResult, ctx: HandlerContext): WrittenResult {
  if (result.author) ctx.store.kv.set('github.actingLogin', { login: result.author, at: ctx.clock.now() });
  return result;
}
