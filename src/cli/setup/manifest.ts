import crypto from 'node:crypto';
import http from '../../node-http.js';
import type { AddressInfo } from 'node:net';
import { VigilError } from '../../errors.js';

/**
 * GitHub's App manifest flow, run from a one-page form on loopback: the page posts the
 * manifest to GitHub (the owner confirms there), GitHub redirects the browser back to
 * `/callback` here with a one-use code, and `exchange` turns the code into the App. A
 * random `state` ties the callback to this run; anything else is refused.
 */
export interface ManifestFlowOptions<T> {
  /** github.com, or the GitHub Enterprise server: where the form posts. */
  webUrl: string;
  /** Create the App under this organisation instead of the owner's account. */
  org?: string;
  name: string;
  /** Where GitHub sends deliveries; no webhook when unset. */
  hookUrl?: string;
  /** Exchanges the code (POST /app-manifests/{code}/conversions); its answer is what the flow resolves with. */
  exchange: (code: string) => Promise<T>;
  /** Told the local address to open (printed for the owner). */
  onListening: (url: string) => void;
  timeoutMs?: number;
}

/** What vigil asks for: it reads and writes issues and pull requests, pushes draft branches, reads CI. */
export const APP_PERMISSIONS = {
  metadata: 'read',
  issues: 'write',
  pull_requests: 'write',
  contents: 'write',
  checks: 'read',
  actions: 'read',
} as const;

export const APP_EVENTS = ['issues', 'issue_comment', 'pull_request', 'pull_request_review', 'push', 'check_suite', 'workflow_run'] as const;

export function appManifest(options: { name: string; hookUrl?: string; redirectUrl: string }): Record<string, unknown> {
  return {
    name: options.name,
    url: 'https://github.com/',
    redirect_url: options.redirectUrl,
    public: false,
    default_permissions: APP_PERMISSIONS,
    ...(options.hookUrl ? { hook_attributes: { url: options.hookUrl, active: true }, default_events: APP_EVENTS } : {}),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function runManifestFlow<T>(options: ManifestFlowOptions<T>): Promise<T> {
  const state = crypto.randomBytes(16).toString('hex');
  let settle!: { resolve: (value: T) => void; reject: (err: Error) => void };
  const done = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  let finished = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${new URL(options.webUrl).origin}` });
      res.end(`<!doctype html><meta charset="utf-8"><title>vigil: GitHub App</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto">${body}</body>`);
    };
    if (req.method === 'GET' && url.pathname === '/') {
      const { port } = server.address() as AddressInfo;
      const manifest = appManifest({ name: options.name, ...(options.hookUrl ? { hookUrl: options.hookUrl } : {}), redirectUrl: `http://127.0.0.1:${port}/callback` });
      const target = options.org ? `${options.webUrl}/organizations/${encodeURIComponent(options.org)}/settings/apps/new` : `${options.webUrl}/settings/apps/new`;
      page(
        200,
        `<h1>Create vigil's GitHub App</h1><p>This sends the App's description to GitHub; you confirm it there, and GitHub sends you back here.</p>` +
          `<form id="manifest" method="post" action="${escapeHtml(`${target}?state=${state}`)}"><input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">` +
          `<button type="submit">Create the App on GitHub</button></form>`,
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const code = url.searchParams.get('code');
      if (finished || url.searchParams.get('state') !== state || !code) {
        page(400, '<h1>This is not the answer vigil init is waiting for.</h1>');
        return;
      }
      finished = true;
      options.exchange(code).then(
        (app) => {
          page(200, '<h1>Done</h1><p>vigil has its GitHub App. You can close this page and go back to the terminal.</p>');
          settle.resolve(app);
        },
        (err: Error) => {
          page(502, `<h1>GitHub did not hand over the App</h1><p>${escapeHtml(err.message)}</p>`);
          settle.reject(err);
        },
      );
      return;
    }
    page(404, '<h1>Not here</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  options.onListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const timer = setTimeout(
    () => settle.reject(new VigilError('VIGIL_ERR_SETUP', 'the GitHub App was not created in time (nothing came back to the local page)')),
    options.timeoutMs ?? 15 * 60_000,
  );
  try {
    return await done;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
