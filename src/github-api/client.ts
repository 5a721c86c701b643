import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { VigilError } from '../errors.js';
import { DEFAULT_API_URL, githubApiUrl } from '../github-urls.js';
import { VERSION } from '../version.js';
import { redactedTo, redactWrite } from './redact-writes.js';
import type { GithubCredentials } from './types.js';

/** Octokit with GitHub's recommended retry and throttling behaviour. */
export const GithubOctokit = Octokit.plugin(retry, throttling);
export type GithubOctokit = InstanceType<typeof GithubOctokit>;

type OctokitOptions = NonNullable<ConstructorParameters<typeof GithubOctokit>[0]>;


/** A rate-limited request waits and retries this many times, then fails (and is logged). */
const RATE_LIMIT_RETRIES = 2;

/**
 * `VIGIL_GITHUB_THROTTLE=off`, for tests against a fake GitHub only: Octokit's spacing of
 * writes (1 s, and 3 s for those that notify people; shared by every client of a process)
 * would have a test of dozens of comments wait a minute for a rule the fake does not have.
 * Read when a client is made, so that an in-process test can set it for itself.
 */
const throttleOff = () => process.env.VIGIL_GITHUB_THROTTLE === 'off';

export interface RateLimitNotice {
  method: string;
  url: string;
  retryAfterSeconds: number;
  secondary: boolean;
  retrying: boolean;
}

export { DEFAULT_API_URL, githubApiUrl };

export interface ClientOptions {
  credentials: GithubCredentials;
  /** The REST API root; `GITHUB_API_URL` in the environment (tests point it at a fake). */
  baseUrl?: string;
  onRateLimited?: (notice: RateLimitNotice) => void;
}

export function splitRepo(fullName: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length) throw new VigilError('VIGIL_ERR_ACTION_PARAMS', `"${fullName}" is not "owner/repo"`);
  return { owner, repo };
}

/**
 * The worker's GitHub clients. With a token there is one; as a GitHub App there is one
 * per installation, found from the repository or organisation when the config does not
 * name it (`github.installationId`), and cached for the worker's lifetime.
 */
export class GithubClients {
  private single: GithubOctokit | undefined;
  private app: GithubOctokit | undefined;
  private readonly installations = new Map<number, GithubOctokit>();
  private readonly installationOf = new Map<string, number>();

  constructor(private readonly options: ClientOptions) {}

  async forRepo(fullName: string): Promise<GithubOctokit> {
    const { credentials } = this.options;
    if (credentials.kind === 'token') return this.tokenClient(credentials.token);
    if (credentials.installationId !== undefined) return this.installationClient(credentials.installationId);
    const { owner, repo } = splitRepo(fullName);
    return this.lookup(`repo:${fullName}`, fullName, () => this.appClient().rest.apps.getRepoInstallation({ owner, repo }));
  }

  async forOrg(org: string): Promise<GithubOctokit> {
    const { credentials } = this.options;
    if (credentials.kind === 'token') return this.tokenClient(credentials.token);
    if (credentials.installationId !== undefined) return this.installationClient(credentials.installationId);
    return this.lookup(`org:${org}`, org, () => this.appClient().rest.apps.getOrgInstallation({ org }));
  }

  private async lookup(key: string, where: string, find: () => Promise<{ data: { id: number } }>): Promise<GithubOctokit> {
    let id = this.installationOf.get(key);
    if (id === undefined) {
      try {
        id = (await find()).data.id;
      } catch (err) {
        if ((err as { status?: number }).status === 404) {
          const appId = this.options.credentials.kind === 'app' ? this.options.credentials.appId : '?';
          throw new VigilError('VIGIL_ERR_GITHUB_INSTALLATION', `GitHub App ${appId} is not installed on ${where}`, { cause: err });
        }
        throw err;
      }
      this.installationOf.set(key, id);
    }
    return this.installationClient(id);
  }

  private tokenClient(token: string): GithubOctokit {
    return (this.single ??= this.create({ auth: token }));
  }

  /** Authenticated as the App itself (a JWT): only for finding installations. */
  private appClient(): GithubOctokit {
    const { credentials } = this.options;
    if (credentials.kind !== 'app') throw new Error('appClient without App credentials');
    return (this.app ??= this.create({
      authStrategy: createAppAuth,
      auth: { appId: credentials.appId, privateKey: credentials.privateKey },
    }));
  }

  private installationClient(installationId: number): GithubOctokit {
    const { credentials } = this.options;
    if (credentials.kind !== 'app') throw new Error('installationClient without App credentials');
    let client = this.installations.get(installationId);
    if (!client) {
      // auth-app exchanges the JWT for an installation token and renews it before it expires.
      client = this.create({
        authStrategy: createAppAuth,
        auth: { appId: credentials.appId, privateKey: credentials.privateKey, installationId },
      });
      this.installations.set(installationId, client);
    }
    return client;
  }

  private create(auth: Pick<OctokitOptions, 'auth' | 'authStrategy'>): GithubOctokit {
    const notify = (secondary: boolean) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const retrying = retryCount < RATE_LIMIT_RETRIES;
      this.options.onRateLimited?.({ method: options.method, url: options.url, retryAfterSeconds: retryAfter, secondary, retrying });
      return retrying;
    };
    const octokit = new GithubOctokit({
      ...auth,
      baseUrl: this.options.baseUrl ?? DEFAULT_API_URL,
      userAgent: `vigil/${VERSION}`,
      throttle: throttleOff() ? { enabled: false } : { onRateLimit: notify(false), onSecondaryRateLimit: notify(true) },
      // Octokit's own notices (deprecations) go to stderr, which the service manager keeps — redacted,
      // as a failed request's notice can quote what it sent.
      log: { debug: () => undefined, info: () => undefined, warn: redactedTo(console.warn), error: notNotModified(redactedTo(console.error)) },
    });
    octokit.hook.before('request', (options) => redactWrite(options as unknown as Record<string, unknown>));
    return octokit;
  }
}

/**
 * Octokit's request log reports a 304 as an error; for the open-work digest's conditional
 * reads it is the usual answer ("nothing changed"), not worth a line on stderr each tick.
 */
function notNotModified(print: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args) => {
    if (typeof args[0] === 'string' && /^GET \S+ - 304 with id /.test(args[0])) return;
    print(...args);
  };
}
