import { initHome, loadConfig } from '../../config/index.js';
import { VigilError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { noAsker, readStdin, terminalAsker, type Asker } from '../setup/ask.js';
import { readJson, setPath, writeJson } from '../setup/home-files.js';
import { runManifestFlow } from '../setup/manifest.js';
import { sendNtfyTest } from '../setup/ntfy-test.js';
import { newSmeeChannel } from '../setup/smee.js';
import { systemZoneName } from '../../time-zone.js';
import { githubApiUrl, githubWebUrl } from '../../github-urls.js';

export interface InitFlags {
  nonInteractive?: boolean;
  owner?: string;
  timezone?: string;
  githubToken?: string;
  githubApp?: boolean;
  githubOrg?: string;
  webhookUrl?: string;
  webhookProxy?: string;
  ntfy?: string;
}

/**
 * `vigil init`: the home (as before: nothing that exists is overwritten), then what makes
 * it useful — who the owner is, GitHub access, how webhooks arrive, a notification
 * channel that is proven to reach the owner — asked on a terminal or given as flags.
 * Each answer is checked before it is written: a token against GET /user, a smee
 * channel by making it, ntfy by a test message that must arrive.
 */
export async function initCommand(ctx: CliContext, flags: InitFlags = {}): Promise<void> {
  const { paths, created } = await initHome(ctx.paths.home);
  if (created.length === 0) ctx.out(`vigil home ${paths.home} is already initialised (config schema refreshed)`);
  else for (const file of created) ctx.out(`created ${file}`);
  const interactive = !flags.nonInteractive && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const asker: Asker = interactive ? terminalAsker(process.stdin, process.stdout) : noAsker;
  try {
    await configure(ctx, flags, asker, interactive);
  } finally {
    asker.close();
  }
  // What was written must load, or init says so now rather than at start.
  loadConfig(paths.config, ctx.env);
}

async function configure(ctx: CliContext, flags: InitFlags, asker: Asker, interactive: boolean): Promise<void> {
  const { paths } = ctx;
  const config = readJson(paths.config);
  const secrets = readJson(paths.secrets);
  const apiUrl = githubApiUrl(ctx.env);
  // Octokit (~0.3 s of modules) only when a token is checked or an App is made.
  const github = () => import('../../github-api/index.js');
  const next: string[] = [];

  // Owner: the login named in what vigil writes, the zone its times are read in.
  const zone = flags.timezone ?? (await asker.ask('Your time zone?', systemZoneName() ?? Intl.DateTimeFormat().resolvedOptions().timeZone));
  let login = flags.owner ?? (interactive ? await asker.ask('Your GitHub login?') : undefined);

  // How webhooks reach vigil.
  let hookUrl: string | undefined;
  const proxy = flags.webhookProxy ?? (interactive && !flags.webhookUrl ? await asker.ask('Webhooks: "new" for a smee.io channel, a public URL, or empty to skip?') : undefined);
  if (proxy && /^new$/i.test(proxy)) {
    hookUrl = await newSmeeChannel(ctx.env);
    setPath(config, ['github', 'webhookProxyUrl'], hookUrl);
    ctx.out(`webhooks: made the smee channel ${hookUrl}; vigil relays it to itself (github.webhookProxyUrl)`);
  } else if (proxy && /^https:\/\/smee\.io\//.test(proxy)) {
    hookUrl = proxy;
    setPath(config, ['github', 'webhookProxyUrl'], hookUrl);
    ctx.out(`webhooks: relayed from ${hookUrl} (github.webhookProxyUrl)`);
  } else {
    const publicUrl = flags.webhookUrl ?? (proxy && /^https?:\/\//.test(proxy) ? proxy : undefined);
    if (publicUrl) {
      hookUrl = `${publicUrl.replace(/\/+$/, '')}/webhooks/github`;
      ctx.out(`webhooks: GitHub posts to ${hookUrl} (http.host must be reachable there, e.g. through a reverse proxy)`);
    }
  }

  // GitHub access.
  let token = flags.githubToken;
  if (token === '-') token = await readStdin(process.stdin);
  let useApp = flags.githubApp === true;
  if (!token && !useApp && interactive) {
    const answer = await asker.ask('GitHub access: paste a token, "app" to create a GitHub App, or empty to skip?');
    if (answer && /^app$/i.test(answer)) useApp = true;
    else token = answer;
  }
  if (token) {
    const who = await (await github()).githubIdentity({ kind: 'token', token }, apiUrl).catch((err: unknown) => {
      throw new VigilError('VIGIL_ERR_SETUP', `GitHub refused the token: ${(err as Error).message}`);
    });
    if (who.kind !== 'token') throw new VigilError('VIGIL_ERR_SETUP', 'GET /user did not answer as for a token');
    secrets.githubToken = token;
    const scopes = who.scopes ? `scopes: ${who.scopes.join(', ') || 'none'}` : 'a fine-grained token: its permissions are set on GitHub';
    ctx.out(`github: the token is @${who.login}'s (${scopes})`);
    if (who.scopes && !who.scopes.includes('repo') && !who.scopes.includes('public_repo')) {
      ctx.out('github: without the "repo" scope vigil cannot comment, label or open pull requests (README "GitHub access")');
    }
    login ??= who.login;
  } else if (useApp) {
    const app = await runManifestFlow({
      webUrl: githubWebUrl(apiUrl),
      ...(flags.githubOrg ? { org: flags.githubOrg } : {}),
      name: `vigil-${login ?? 'agent'}`.slice(0, 34),
      ...(hookUrl ? { hookUrl } : {}),
      exchange: async (code) => (await github()).convertAppManifest(code, apiUrl),
      onListening: (url) => ctx.out(`github: open ${url} in a browser on this machine to create vigil's GitHub App`),
    });
    secrets.githubApp = { appId: app.id, privateKey: app.pem };
    if (app.webhookSecret) secrets.webhookSecret = app.webhookSecret;
    ctx.out(`github: created the GitHub App "${app.slug}" (id ${app.id}); its key${app.webhookSecret ? ' and webhook secret' : ''} are in ${paths.secrets}`);
    next.push(`install the App on your repositories: ${app.htmlUrl}/installations/new`);
  } else {
    next.push('give vigil GitHub access when a rule should act there: vigil init --github-token <token> (README "GitHub access")');
  }
  if (login || zone) setPath(config, ['owner'], { ...(config.owner as object | undefined), ...(login ? { login } : {}), ...(zone ? { timezone: zone } : {}) });

  // A channel that reaches the owner, proven by a test message.
  const ntfy = flags.ntfy ?? (interactive ? await asker.ask('An ntfy topic URL for notifications (e.g. https://ntfy.sh/<a long random name>), or empty?') : undefined);
  if (ntfy) {
    if (!/^https?:\/\//.test(ntfy)) throw new VigilError('VIGIL_ERR_SETUP', `--ntfy: "${ntfy}" is not a URL`);
    await sendNtfyTest(ntfy, typeof secrets.ntfyToken === 'string' ? secrets.ntfyToken : undefined);
    setPath(config, ['notify', 'ntfy'], { ...((config.notify as { ntfy?: object } | undefined)?.ntfy ?? {}), url: ntfy });
    ctx.out(`notify: the test message reached ${new URL(ntfy).origin} — check that it arrived on your phone`);
  } else {
    next.push('subscribe a browser on the dashboard\'s Push page, or run vigil init --ntfy <topic URL>');
  }

  writeJson(paths.secrets, secrets, 0o600);
  writeJson(paths.config, config, 0o644);
  ctx.out(`config:  ${paths.config}`);
  ctx.out(`secrets: ${paths.secrets} (mode 0600)`);
  if (hookUrl && !useApp) next.unshift(`add a webhook on GitHub (repository or organisation Settings → Webhooks): payload URL ${hookUrl}, content type application/json, secret: the webhookSecret in ${paths.secrets}`);
  next.unshift('vigil start (or vigil install to run it as a service)');
  next.push('vigil doctor checks all of it');
  ctx.out('next:');
  for (const step of next) ctx.out(`  - ${step}`);
}
