import { createAppAuth } from '@octokit/auth-app';
import { VigilError } from '../errors.js';
import { githubWebUrl } from '../github-urls.js';

export { githubWebUrl };
import { VERSION } from '../version.js';
import type { GithubCredentials } from './types.js';

/** Who a credential is on GitHub, as GitHub itself answers (one cheap GET). */
export type GithubIdentity =
  | { kind: 'token'; login: string; /** The classic token's scopes (`x-oauth-scopes`); undefined for fine-grained tokens, which send none. */ scopes?: string[] }
  | { kind: 'app'; id: number; slug: string; name: string };

const TIMEOUT_MS = 10_000;

/** `GET /user` for a token, `GET /app` with the App's JWT: a refusal throws with GitHub's status and message. */
export async function githubIdentity(credentials: GithubCredentials, apiUrl: string): Promise<GithubIdentity> {
  if (credentials.kind === 'token') {
    const res = await get(apiUrl, '/user', `token ${credentials.token}`);
    const body = (await res.json()) as { login?: unknown };
    const header = res.headers.get('x-oauth-scopes');
    const scopes = header === null ? undefined : header.split(',').map((s) => s.trim()).filter(Boolean);
    return { kind: 'token', login: String(body.login), ...(scopes ? { scopes } : {}) };
  }
  const { token } = await createAppAuth({ appId: credentials.appId, privateKey: credentials.privateKey })({ type: 'app' });
  const res = await get(apiUrl, '/app', `Bearer ${token}`);
  const body = (await res.json()) as { id?: unknown; slug?: unknown; name?: unknown };
  return { kind: 'app', id: Number(body.id), slug: String(body.slug), name: String(body.name) };
}

/** What GitHub hands back once for an App made from a manifest: the only time it shows the key and secrets. */
export interface ManifestApp {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  pem: string;
  webhookSecret?: string;
}

/** `POST /app-manifests/{code}/conversions`: the code GitHub's redirect carried, good for one hour and one use. */
export async function convertAppManifest(code: string, apiUrl: string): Promise<ManifestApp> {
  if (!/^[\w-]{1,100}$/.test(code)) throw new VigilError('VIGIL_ERR_GITHUB_CREDENTIALS', 'the manifest code GitHub sent back is malformed');
  const res = await request(apiUrl, `/app-manifests/${code}/conversions`, { method: 'POST' });
  const body = (await res.json()) as { id?: unknown; slug?: unknown; name?: unknown; html_url?: unknown; pem?: unknown; webhook_secret?: unknown };
  if (typeof body.pem !== 'string' || !body.pem.includes('PRIVATE KEY')) {
    throw new VigilError('VIGIL_ERR_GITHUB_CREDENTIALS', 'GitHub\'s answer to the manifest conversion carries no private key');
  }
  return {
    id: Number(body.id),
    slug: String(body.slug),
    name: String(body.name),
    htmlUrl: String(body.html_url),
    pem: body.pem,
    ...(typeof body.webhook_secret === 'string' && body.webhook_secret ? { webhookSecret: body.webhook_secret } : {}),
  };
}


function get(apiUrl: string, route: string, authorization: string): Promise<Response> {
  return request(apiUrl, route, { method: 'GET', headers: { authorization } });
}

async function request(apiUrl: string, route: string, init: { method: string; headers?: Record<string, string> }): Promise<Response> {
  const res = await fetch(apiUrl.replace(/\/+$/, '') + route, {
    ...init,
    headers: { accept: 'application/vnd.github+json', 'user-agent': `vigil/${VERSION}`, 'x-github-api-version': '2022-11-28', ...init.headers },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: unknown };
    const message = typeof body.message === 'string' ? body.message.slice(0, 200) : res.statusText;
    throw new VigilError('VIGIL_ERR_GITHUB_CREDENTIALS', `${init.method} ${route}: GitHub answered HTTP ${res.status} (${message})`);
  }
  return res;
}
