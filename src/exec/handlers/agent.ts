import { loadSecrets } from '../../config/index.js';
import { homePaths, resolveHome } from '../../home/index.js';
import { callRecords, createAgentModel, makeRedactor, secretValues } from '../../model/index.js';
import type { ActionParams } from '../../policy/index.js';
import type { Handler } from './types.js';
import { errorText } from '../../errors.js';

/**
 * `agent.task`: real work in a worktree of the repo's clone, ending as a draft pull
 * request (src/agent). The owner approved the whole task, the pull request included;
 * the policy was re-checked by the runner just before this runs. The config and the
 * secrets are read here (the worker's home), and src/agent and Octokit load only now.
 */
export const agentTask: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'agent.task'>;
  const paths = homePaths(resolveHome());
  const config = ctx.config;
  const secrets = loadSecrets(paths.secrets);
  const { kvCancelFlag, runAgentTask, secretsToWithhold } = await import('../../agent/index.js');
  // Every value secrets.json holds (and the credential variables vigil started with):
  // kept out of the agent's environment and redacted from what its tools answer.
  const withhold = secretsToWithhold([...secretValues(secrets), ...stringsIn(secrets)]);
  const redact = makeRedactor(withhold);
  // Through src/model: the decisions' endpoint, retries and circuit, and each call in the usage ledger as `agent`.
  const model = createAgentModel(config.model, {
    secrets,
    recorder: ctx.modelCalls.recorder,
    circuit: ctx.modelCalls.circuit,
    redact,
    clock: ctx.clock,
    observer: callRecords(ctx.record, () => ctx.clock.now()),
  });
  const github = async () => {
    const gh = await import('../../github-api/index.js');
    const credentials = gh.githubCredentials(secrets, config.github);
    if (!credentials) throw new Error('agent.task needs GitHub credentials for its pull request: set GITHUB_TOKEN or secrets.json "githubToken"');
    const clients = new gh.GithubClients({ credentials, baseUrl: gh.githubApiUrl() });
    return { octokit: await clients.forRepo(params.repo), ...(config.github.ownerLogin ? { ownerLogin: config.github.ownerLogin } : {}) };
  };
  const result = await runAgentTask(params, {
    actionId: ctx.actionId,
    eventId: ctx.eventId,
    agent: config.agent,
    repos: config.repos,
    home: paths.home,
    model,
    github,
    cancel: kvCancelFlag(ctx.store, ctx.actionId),
    record: ctx.record,
    now: () => ctx.clock.now(),
    secrets: withhold,
    redact,
  });
  const line = result.pullRequest ? `draft pull request ${result.pullRequest.url}` : `no changes: ${result.summary}`;
  ctx.print(`vigil agent.task ${ctx.actionId} (${params.repo}): ${line}`);
  await tellOwner(ctx, `agent task on ${params.repo}`, line);
  return result;
};

/** Every string in the loaded secrets, however nested: a secret a later issue adds is withheld without a list to update. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The owner hears of the end (the link, or why nothing changed); a failed notice does not fail the task. */
async function tellOwner(ctx: Parameters<Handler>[1], title: string, body: string): Promise<void> {
  try {
    await ctx.notifier().notifier.deliver({ title, body, urgency: 'normal', tag: `action-${ctx.actionId}` }, `action:${ctx.actionId}`);
  } catch (err) {
    ctx.print(`vigil agent.task ${ctx.actionId}: the owner could not be notified: ${errorText(err)}`);
  }
}
