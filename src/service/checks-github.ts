import { loadSecrets, type Config, type Secrets } from '../config/index.js';
import { errorText } from '../errors.js';
import { fail, needsConfig, ok, type Check } from './doctor.js';

const FIX_NO_CREDENTIALS = 'vigil init --github-token <token> (or set GITHUB_TOKEN; README "GitHub access" lists the scopes, or the GitHub App)';

/**
 * What in the config would act on GitHub: a rule proposing a `github.*` action or an
 * agent task (its draft pull request), a permission about them, or the delivery sweep.
 */
export function githubUses(config: Readonly<Config>): string | undefined {
  const onGithub = (action: string) => action.startsWith('github.') || action === 'agent.task';
  for (const [i, rule] of config.rules.entries()) {
    if (onGithub(rule.propose.action)) return `${rule.name ? `rule "${rule.name}"` : `rules[${i}]`} proposes ${rule.propose.action}`;
  }
  for (const [i, rule] of config.permissions.rules.entries()) {
    if (rule.decision !== 'deny' && (onGithub(rule.action) || rule.action === 'github.*')) {
      return `permissions.rules[${i}] ${rule.decision === 'allow' ? 'allows' : 'asks about'} ${rule.action}`;
    }
  }
  if (config.github.hookId !== undefined) return `github.hookId ${config.github.hookId} asks for missed deliveries`;
  return undefined;
}

/**
 * GitHub credentials, checked with a real call as the worker would make it (`GET /user`
 * with a token, `GET /app` with the App's JWT), and whether anything needs them.
 */
export const checkGithub: Check = async ({ paths, env }, state) => {
  const config = needsConfig('github', state);
  if ('name' in config) return config;
  let secrets: Partial<Secrets>;
  try {
    secrets = loadSecrets(paths.secrets, env);
  } catch {
    // The secrets line reports it; a token may still come from the environment.
    secrets = env.GITHUB_TOKEN?.trim() ? { githubToken: env.GITHUB_TOKEN.trim() } : {};
  }
  const github = await import('../github-api/index.js');
  const credentials = github.githubCredentials(secrets, config.github);
  const uses = githubUses(config);
  if (!credentials) {
    if (uses) return fail('github', `no GitHub token or App, but ${uses}`, FIX_NO_CREDENTIALS);
    return ok('github', 'no credentials; nothing in the config acts on GitHub (webhooks arrive without them)');
  }
  const apiUrl = github.githubApiUrl(env);
  const what = credentials.kind === 'token' ? 'the token' : `GitHub App ${credentials.appId}`;
  try {
    const who = await github.githubIdentity(credentials, apiUrl);
    if (who.kind === 'app') return ok('github', `GitHub App "${who.slug}" (id ${who.id}) at ${new URL(apiUrl).host}`);
    const scopes = who.scopes ? `scopes: ${who.scopes.join(', ') || 'none'}` : 'fine-grained token';
    return ok('github', `token of @${who.login} at ${new URL(apiUrl).host} (${scopes})`);
  } catch (err) {
    const refused = /HTTP 40[13]/.test(errorText(err));
    const fix = refused
      ? credentials.kind === 'token'
        ? 'make a new token and run vigil init --github-token <token> (README "GitHub access")'
        : 'check githubApp.appId and the private key in secrets.json (or run vigil init --github-app)'
      : 'check the network, or GITHUB_API_URL';
    return fail('github', `${what}: ${errorText(err)}`, fix);
  }
};
