import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeHands } from './fake-github-hands.js';
import { FakeOpenWork } from './fake-github-open-work.js';

/**
 * An honest fake of the few GitHub REST endpoints vigil uses, on 127.0.0.1 port 0,
 * spoken to by the real Octokit through GITHUB_API_URL. It checks the Authorization
 * header (a token, or a GitHub App's RS256 JWT and the installation tokens it hands
 * out), keeps issues, comments, labels and hook deliveries in memory, paginates with
 * Link headers like GitHub, and records every request.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
  /** The Range header, when one was sent. */
  range?: string;
  /** The If-None-Match header, when one was sent (a conditional request). */
  ifNoneMatch?: string;
  /** The status it was answered with. */
  status?: number;
}

/** The author GitHub names on what a credential wrote. */
export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  user?: FakeUser;
}

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  created_at: string;
  updated_at: string;
  labels: string[];
  comments: FakeComment[];
  user?: FakeUser;
  /** Logins assigned (issue 15's `github.assign`). */
  assignees?: string[];
  /** Set for a pull request: GitHub's issues API then names it, and the pulls API serves it. */
  pull?: FakePull;
}

export interface FakePull {
  head: { ref: string; sha: string };
  base: { ref: string };
  draft?: boolean;
  merged?: boolean;
  merge_commit_sha?: string;
  /** GitHub's answer to "can it merge": false when it conflicts with its base; null while GitHub works it out. */
  mergeable?: boolean | null;
  mergeable_state?: string;
  /** Reviews, oldest first. */
  reviews?: Array<{ login: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' }>;
  files: FakeFile[];
}

export interface FakeFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  additions: number;
  deletions: number;
  /** Absent: binary, or too large for GitHub to show. */
  patch?: string;
}

/** A check run; one of GitHub Actions (`app` "github-actions") has a job log at its own id. */
export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  /** Branch or tag names that resolve to `head_sha` in `commits/{ref}/check-runs`. */
  refs?: string[];
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  app: string;
  output: { title: string | null; summary: string | null };
  annotations: Array<{ path: string; start_line: number; annotation_level: string; title?: string; message: string }>;
  /** The job's log text (Actions runs only). */
  log?: string;
}

export interface FakeLabel {
  name: string;
  description?: string | null;
}

export interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  redelivery?: boolean;
  event?: string;
  action?: string | null;
}

export interface FakeGithubOptions {
  /** Tokens accepted as `token X` / `Bearer X`. */
  tokens?: string[];
  /** A GitHub App: JWTs must be signed by this key with `iss` = appId. */
  app?: { appId: number; publicKey: crypto.KeyObject | string; installationId: number };
  /**
   * The login the credentials act as: comments and issues they create name it as their
   * `user`, as GitHub does (a GitHub App's is "name[bot]", type Bot). Unset: no `user`.
   */
  login?: string;
  /**
   * The signed log URL honours `Range: bytes=-N` (206 with the end), as GitHub's blob
   * storage does; false: it sends the whole log, and the reader must keep the tail itself.
   */
  logRanges?: boolean;
  /** What `GET /user` sends as `x-oauth-scopes` (a classic token's scopes); unset: no header, as for a fine-grained token. */
  scopes?: string[];
}

/** A GitHub App made through the manifest flow: its JWTs verify against its key from then on. */
export interface FakeManifestApp {
  id: number;
  slug: string;
  manifest: Record<string, unknown>;
  publicKey: crypto.KeyObject;
  webhookSecret: string;
}

/** Answer the next matching request with `status`, after (or instead of) doing its work. */
export interface Injection {
  method: string;
  path: RegExp;
  status: number;
  /** Do the request's work first, then fail: a write whose answer was lost. */
  afterEffect?: boolean;
  /** The answer's message (GitHub names a secondary rate limit in it) and headers (`x-ratelimit-*`, `retry-after`). */
  message?: string;
  headers?: Record<string, string>;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string>; text?: string | Buffer };

/** Where a job's log redirects to: a signed URL that needs no credential, like GitHub's blob storage. */
const SIGNED_LOGS = /^\/_signed-logs\/(\d+)$/;

export class FakeGithub {
  readonly requests: RecordedRequest[] = [];
  private readonly issues = new Map<string, FakeIssue[]>();
  private readonly deliveries = new Map<string, FakeDelivery[]>();
  private readonly injections: Injection[] = [];
  private readonly installationTokens = new Set<string>();
  private readonly checkRuns = new Map<string, FakeCheckRun[]>();
  private readonly labelSets = new Map<string, FakeLabel[]>();
  private nextId = 1000;
  /** Manifests posted to the web form, by the code GitHub's redirect carries (one use each). */
  private readonly manifestCodes = new Map<string, Record<string, unknown>>();
  readonly manifestApps: FakeManifestApp[] = [];
  /** Assignees, reviewers, open/closed, merges and workflow re-runs (test/github/fake-github-hands.ts). */
  readonly hands = new FakeHands((repo, number) => this.issue(repo, number));
  /** Repositories, the open pull requests list and reviews (test/github/fake-github-open-work.ts). */
  readonly openWork = new FakeOpenWork((repo) => this.allIssues(repo), (repo, number) => this.hands.requestedReviewers(repo, number));
  /**
   * Requests that spent rate limit: every authenticated answer but a 304, as GitHub
   * counts them ("a conditional request that returns 304 does not count").
   */
  rateLimitUsed = 0;
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly options: FakeGithubOptions = {}) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  addIssue(repo: string, fields: Partial<FakeIssue> = {}): FakeIssue {
    const list = this.issues.get(repo) ?? [];
    this.issues.set(repo, list);
    const number = fields.number ?? list.length + 1;
    const now = new Date().toISOString();
    const issue: FakeIssue = {
      id: this.nextId++,
      number,
      title: `issue ${number}`,
      body: null,
      state: 'open',
      html_url: `https://github.test/${repo}/issues/${number}`,
      created_at: now,
      updated_at: now,
      labels: [],
      comments: [],
      ...fields,
    };
    list.push(issue);
    return issue;
  }

  addCheckRun(repo: string, fields: Partial<FakeCheckRun> & { name: string; head_sha: string }): FakeCheckRun {
    const run: FakeCheckRun = {
      id: this.nextId++,
      status: 'completed',
      conclusion: 'success',
      app: 'github-actions',
      output: { title: null, summary: null },
      annotations: [],
      ...fields,
    };
    this.checkRuns.set(repo, [...(this.checkRuns.get(repo) ?? []), run]);
    return run;
  }

  setLabels(repo: string, labels: FakeLabel[]): void {
    this.labelSets.set(repo, [...labels]);
  }

  issue(repo: string, number: number): FakeIssue | undefined {
    return this.issues.get(repo)?.find((i) => i.number === number);
  }

  allIssues(repo: string): FakeIssue[] {
    return this.issues.get(repo) ?? [];
  }

  /** A hook's deliveries, any order; listed newest first. `hook` is "repos/o/r/hooks/1" or "orgs/o/hooks/1". */
  setDeliveries(hook: string, list: FakeDelivery[]): void {
    this.deliveries.set(hook, [...list]);
  }

  inject(injection: Injection): void {
    this.injections.push(injection);
  }

  /** Requests matching a method and a path pattern. */
  calls(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.url);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const method = req.method ?? 'GET';
      const ifNoneMatch = req.headers['if-none-match'];
      const recorded: RecordedRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        authorization: req.headers.authorization,
        body,
        ...(req.headers.range ? { range: req.headers.range } : {}),
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
      };
      this.requests.push(recorded);
      let reply: Reply;
      try {
        reply = this.route(recorded);
      } catch (err) {
        reply = { status: 500, body: { message: (err as Error).message } };
      }
      const answer = reply.status === 204 ? undefined : (reply.text ?? JSON.stringify(reply.body));
      // GitHub's ETags: a weak validator of the answer; the same answer to an If-None-Match is a 304 with no body.
      const etag = method === 'GET' && reply.status === 200 && answer !== undefined ? `W/"${crypto.createHash('sha256').update(answer).digest('hex').slice(0, 32)}"` : undefined;
      const notModified = etag !== undefined && ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(etag);
      recorded.status = notModified ? 304 : reply.status;
      if (!notModified && reply.status !== 401 && recorded.authorization) this.rateLimitUsed++;
      const headers = { 'content-type': 'application/json; charset=utf-8', ...(etag ? { etag } : {}), 'x-ratelimit-used': String(this.rateLimitUsed), ...(reply.headers ?? {}) };
      res.writeHead(notModified ? 304 : reply.status, headers);
      res.end(notModified ? undefined : answer);
    });
  }

  private route(req: RecordedRequest): Reply {
    const index = this.injections.findIndex((i) => i.method === req.method && i.path.test(req.path));
    const injection = index >= 0 ? this.injections.splice(index, 1)[0] : undefined;
    if (injection && !injection.afterEffect) return { status: injection.status, body: { message: injection.message ?? 'injected failure' }, ...(injection.headers ? { headers: injection.headers } : {}) };
    const signed = req.method === 'GET' ? req.path.match(SIGNED_LOGS) : null;
    const reply = signed ? this.signedLog(req, Number(signed[1])) : (this.manifestFlow(req) ?? this.authorize(req) ?? this.dispatch(req));
    if (injection) return { status: injection.status, body: { message: 'injected failure after the effect' } };
    return reply;
  }

  private authorize(req: RecordedRequest): Reply | undefined {
    const [scheme, credential] = (req.authorization ?? '').split(' ');
    const appRoute = req.path === '/app' || req.path.startsWith('/app/') || /^\/(repos\/[^/]+\/[^/]+|orgs\/[^/]+)\/installation$/.test(req.path);
    if (appRoute) {
      return credential && /^bearer$/i.test(scheme ?? '') && this.validJwt(credential)
        ? undefined
        : { status: 401, body: { message: 'A JSON web token could not be decoded' } };
    }
    const ok =
      credential !== undefined &&
      /^(token|bearer)$/i.test(scheme ?? '') &&
      ((this.options.tokens ?? []).includes(credential) || this.installationTokens.has(credential));
    return ok ? undefined : { status: 401, body: { message: 'Bad credentials' } };
  }

  private validJwt(jwt: string): boolean {
    return this.jwtApp(jwt) !== undefined;
  }

  /** The App (configured, or made from a manifest) whose key signed this unexpired JWT. */
  private jwtApp(jwt: string): { appId: number; slug: string } | undefined {
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number };
    if ((claims.exp ?? 0) * 1000 <= Date.now()) return undefined;
    const apps = [
      ...(this.options.app ? [{ appId: this.options.app.appId, slug: 'vigil-test', publicKey: this.options.app.publicKey }] : []),
      ...this.manifestApps.map((a) => ({ appId: a.id, slug: a.slug, publicKey: a.publicKey })),
    ];
    return apps.find(
      (app) =>
        String(claims.iss) === String(app.appId) &&
        crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), app.publicKey, Buffer.from(signature, 'base64url')),
    );
  }

  /**
   * GitHub's App manifest flow: the browser posts `manifest` to /settings/apps/new (on the
   * web host; here the same server), GitHub redirects to the manifest's redirect_url with a
   * code, and the code is exchanged — without authentication — for the App's id, key and secret.
   */
  private manifestFlow(req: RecordedRequest): Reply | undefined {
    if (req.method === 'POST' && /^\/(settings|organizations\/[^/]+\/settings)\/apps\/new$/.test(req.path)) {
      const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
      const manifest = JSON.parse(form.get('manifest') ?? 'null') as Record<string, unknown> | null;
      if (!manifest || typeof manifest.redirect_url !== 'string') return { status: 422, body: { message: 'manifest: redirect_url is required' } };
      const code = crypto.randomBytes(10).toString('hex');
      this.manifestCodes.set(code, manifest);
      const back = new URL(manifest.redirect_url);
      back.searchParams.set('code', code);
      const state = req.query.get('state');
      if (state) back.searchParams.set('state', state);
      return { status: 302, body: {}, headers: { location: back.toString() } };
    }
    const m = req.path.match(/^\/app-manifests\/([^/]+)\/conversions$/);
    if (req.method !== 'POST' || !m) return undefined;
    const manifest = this.manifestCodes.get(m[1]!);
    if (!manifest) return notFound();
    this.manifestCodes.delete(m[1]!);
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = this.nextId++;
    const slug = String(manifest.name ?? 'app').toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const webhookSecret = crypto.randomBytes(20).toString('hex');
    this.manifestApps.push({ id, slug, manifest, publicKey, webhookSecret });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const body = { id, slug, name: manifest.name, html_url: `https://github.test/apps/${slug}`, pem, webhook_secret: webhookSecret, client_id: `Iv1.${id}`, client_secret: 'c'.repeat(40) };
    return { status: 201, body };
  }

  private dispatch(req: RecordedRequest): Reply {
    const { method, path } = req;
    let m: RegExpMatchArray | null;
    const hand = this.hands.dispatch(req);
    if (hand) return hand;
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/))) {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue) return notFound();
      if (method === 'GET') {
        const since = req.query.get('since');
        const list = issue.comments.filter((c) => !since || c.updated_at >= since);
        return this.page(req, list);
      }
      if (method === 'POST') {
        const now = new Date().toISOString();
        const id = this.nextId++;
        const comment: FakeComment = {
          id,
          body: String((req.body as { body?: unknown }).body),
          html_url: `${issue.html_url}#issuecomment-${id}`,
          created_at: now,
          updated_at: now,
          ...this.author(),
        };
        issue.comments.push(comment);
        issue.updated_at = now;
        return { status: 201, body: comment };
      }
    }
    if (method === 'GET') {
      const read = this.dispatchRead(req);
      if (read) return read;
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/labels$/)) && method === 'POST') {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue) return notFound();
      for (const label of (req.body as { labels: string[] }).labels) if (!issue.labels.includes(label)) issue.labels.push(label);
      return { status: 200, body: issue.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })) };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues$/))) {
      const repo = m[1]!;
      if (method === 'GET') return this.page(req, this.listIssues(repo, req.query));
      if (method === 'POST') {
        const { title, body } = req.body as { title: string; body?: string };
        const issue = this.addIssue(repo, { title, body: body ?? null, ...this.author() });
        return { status: 201, body: issueJson(issue) };
      }
    }
    if ((m = path.match(/^\/((?:repos\/[^/]+\/[^/]+|orgs\/[^/]+)\/hooks\/\d+)\/deliveries$/)) && method === 'GET') {
      const list = this.deliveries.get(m[1]!);
      if (!list) return notFound();
      return this.cursorPage(req, [...list].sort((a, b) => b.delivered_at.localeCompare(a.delivered_at) || b.id - a.id));
    }
    if ((m = path.match(/^\/((?:repos\/[^/]+\/[^/]+|orgs\/[^/]+)\/hooks\/\d+)\/deliveries\/(\d+)\/attempts$/)) && method === 'POST') {
      const deliveryId = Number(m[2]);
      const list = this.deliveries.get(m[1]!);
      if (!list?.some((d) => d.id === deliveryId)) return notFound();
      return { status: 202, body: {} };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/installation$/)) && method === 'GET') {
      if (!this.options.app || !this.issues.has(m[1]!)) return notFound();
      return { status: 200, body: { id: this.options.app.installationId, app_id: this.options.app.appId } };
    }
    if ((m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/)) && method === 'POST') {
      if (Number(m[1]) !== this.options.app?.installationId) return notFound();
      const token = `ghs_${crypto.randomBytes(12).toString('hex')}`;
      this.installationTokens.add(token);
      const expires_at = new Date(Date.now() + 3600_000).toISOString();
      return { status: 201, body: { token, expires_at, permissions: { issues: 'write' }, repository_selection: 'all' } };
    }
    return notFound();
  }

  /** The GET routes of decisions' reads (issue 14): a thread, a diff, check runs and logs, search, labels. */
  private dispatchRead(req: RecordedRequest): Reply | undefined {
    const { path, query } = req;
    let m: RegExpMatchArray | null;
    const openWork = this.openWork.dispatch(req);
    if (openWork) return openWork.list ? this.page(req, openWork.list) : openWork;
    if (path === '/user') {
      const scopes = this.options.scopes ? { 'x-oauth-scopes': this.options.scopes.join(', ') } : undefined;
      return { status: 200, body: { login: this.options.login ?? 'octo', type: 'User' }, ...(scopes ? { headers: scopes } : {}) };
    }
    if (path === '/app') {
      const [, jwt] = (req.authorization ?? '').split(' ');
      const app = jwt ? this.jwtApp(jwt) : undefined;
      return app ? { status: 200, body: { id: app.appId, slug: app.slug, name: app.slug } } : notFound();
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/))) {
      const issue = this.issue(m[1]!, Number(m[2]));
      return issue ? { status: 200, body: issueJson(issue) } : notFound();
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)(\/files)?$/))) {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue?.pull) return notFound();
      if (m[3]) return this.page(req, issue.pull.files.map((f) => ({ sha: 'f'.repeat(40), changes: f.additions + f.deletions, ...f })));
      const { files, ...pull } = issue.pull;
      const body: Record<string, unknown> = { number: issue.number, title: issue.title, state: issue.state, changed_files: files.length, user: issue.user ?? null, ...pull };
      delete body.reviews; // GitHub lists them at their own route
      return { status: 200, body };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/commits\/([^/]+)\/check-runs$/))) {
      const ref = decodeURIComponent(m[2]!);
      const runs = (this.checkRuns.get(m[1]!) ?? []).filter((r) => r.head_sha === ref || r.refs?.includes(ref));
      const page = this.page(req, runs.map((r) => checkRunJson(r, this.url, m![1]!)));
      return { ...page, body: { total_count: runs.length, check_runs: page.body } };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/check-runs\/(\d+)(\/annotations)?$/))) {
      const run = this.checkRuns.get(m[1]!)?.find((r) => r.id === Number(m![2]));
      if (!run) return notFound();
      return m[3] ? this.page(req, run.annotations.map((a) => ({ end_line: a.start_line, blob_href: '', ...a }))) : { status: 200, body: checkRunJson(run, this.url, m[1]!) };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/actions\/jobs\/(\d+)\/logs$/))) {
      const run = this.checkRuns.get(m[1]!)?.find((r) => r.id === Number(m![2]));
      if (!run || run.log === undefined || run.app !== 'github-actions') return notFound();
      return { status: 302, body: {}, text: '', headers: { location: `${this.url}/_signed-logs/${run.id}?sig=${crypto.randomBytes(8).toString('hex')}` } };
    }
    if (path === '/search/issues') {
      const q = query.get('q') ?? '';
      const repos = [...q.matchAll(/(?:^|\s)repo:(\S+)/g)].map((r) => r[1]!);
      const words = q.split(/\s+/).filter((w) => w && !/^\w+:/.test(w)).map((w) => w.toLowerCase());
      const items = repos
        .flatMap((repo) => this.allIssues(repo))
        .filter((i) => words.every((w) => `${i.title} ${i.body ?? ''}`.toLowerCase().includes(w)))
        .map(issueJson);
      const page = this.page(req, items);
      return { ...page, body: { total_count: items.length, incomplete_results: false, items: page.body } };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/labels$/))) {
      const labels = this.labelSets.get(m[1]!);
      if (!labels) return notFound();
      return this.page(req, labels.map((l, i) => ({ id: i + 1, color: 'ededed', default: false, description: null, ...l })));
    }
    return undefined;
  }

  /** The signed log URL: no credential needed; `Range: bytes=-N` answered with the end, as blob storage does. */
  private signedLog(req: RecordedRequest, id: number): Reply {
    const run = [...this.checkRuns.values()].flat().find((r) => r.id === id);
    if (!run?.log || !req.query.get('sig')) return { status: 403, body: {}, text: 'AuthenticationFailed' };
    const bytes = Buffer.from(run.log, 'utf8');
    const range = /^bytes=-(\d+)$/.exec(req.range ?? '');
    const plain = { 'content-type': 'text/plain; charset=utf-8' };
    if (range && this.options.logRanges !== false && Number(range[1]) < bytes.length) {
      const start = bytes.length - Number(range[1]);
      return { status: 206, body: {}, text: bytes.subarray(start), headers: { ...plain, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } };
    }
    return { status: 200, body: {}, text: run.log, headers: plain };
  }

  private author(): { user?: FakeUser } {
    const login = this.options.login;
    return login ? { user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } } : {};
  }

  private listIssues(repo: string, query: URLSearchParams): unknown[] {
    const state = query.get('state') ?? 'open';
    const since = query.get('since');
    const assignee = query.get('assignee');
    const desc = (query.get('direction') ?? 'desc') === 'desc';
    const key = query.get('sort') === 'updated' ? 'updated_at' : 'created_at';
    return this.allIssues(repo)
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => !since || i.updated_at >= since)
      .filter((i) => !assignee || (i.assignees ?? []).some((a) => a.toLowerCase() === assignee.toLowerCase()))
      .sort((a, b) => (desc ? -1 : 1) * (a[key].localeCompare(b[key]) || a.number - b.number))
      .map(issueJson);
  }

  /** page/per_page pagination with a Link header, as most list endpoints do. */
  private page(req: RecordedRequest, list: unknown[]): Reply {
    const perPage = Number(req.query.get('per_page') ?? 30);
    const page = Number(req.query.get('page') ?? 1);
    const items = list.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < list.length) {
      const next = new URL(req.path, this.url);
      req.query.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.href}>; rel="next"`;
    }
    return { status: 200, body: items, headers };
  }

  /** Hook deliveries paginate by an opaque cursor. */
  private cursorPage(req: RecordedRequest, list: FakeDelivery[]): Reply {
    const perPage = Number(req.query.get('per_page') ?? 30);
    const cursor = req.query.get('cursor');
    const start = cursor ? Number(cursor.replace(/^v1_/, '')) : 0;
    const items = list.slice(start, start + perPage).map((d) => ({
      redelivery: false,
      duration: 0.1,
      status: d.status_code >= 200 && d.status_code < 300 ? 'OK' : 'Invalid HTTP Response',
      event: 'issues',
      action: 'opened',
      installation_id: null,
      repository_id: 1,
      ...d,
    }));
    const headers: Record<string, string> = {};
    if (start + perPage < list.length) {
      const next = new URL(req.path, this.url);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('cursor', `v1_${start + perPage}`);
      headers.link = `<${next.href}>; rel="next"`;
    }
    return { status: 200, body: items, headers };
  }
}

function issueJson(issue: FakeIssue): unknown {
  const { comments, labels, pull, assignees, ...rest } = issue;
  const pullRequest = pull ? { pull_request: { url: issue.html_url.replace('/issues/', '/pulls/') } } : {};
  const people = (assignees ?? []).map((login) => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }));
  return { ...rest, ...pullRequest, comments: comments.length, labels: labels.map((name) => ({ name })), assignees: people };
}

function checkRunJson(run: FakeCheckRun, base: string, repo: string): unknown {
  const { id, name, head_sha, status, conclusion, app, annotations, output } = run;
  return {
    id,
    name,
    head_sha,
    status,
    conclusion,
    html_url: `https://github.test/${repo}/runs/${run.id}`,
    app: { slug: app },
    output: { ...output, text: null, annotations_count: annotations.length, annotations_url: `${base}/repos/${repo}/check-runs/${run.id}/annotations` },
  };
}

function notFound(): Reply {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
}
