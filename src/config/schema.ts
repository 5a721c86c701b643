import { z } from 'zod';
import { cronProblem } from '../cron.js';
import { foreignZone } from '../time-zone.js';
import { ModelConfig } from './model-schema.js';

export { DEFAULT_SKIP_EVENTS, DecisionBudgets, ModelConfig, ModelPrice } from './model-schema.js';

/**
 * The one configuration schema (docs/architecture.md, conventions). Every object is strict so a misspelt
 * key is an error naming the key, not a silently ignored setting. Defaults live here
 * (and in the sections kept in files of their own, `model-schema.ts`) and nowhere else.
 */

const clockRange = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

const cronExpression = z.string().superRefine((value, ctx) => {
  const why = cronProblem(value);
  if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" is not a valid cron expression (${why})` });
});

const timeZone = z.string().refine(isTimeZone, (value) => ({ message: `"${value}" is not a known IANA time zone` }));

function isTimeZone(value: string): boolean {
  // The system's own zone is known without asking Intl, which would load ICU's tables.
  if (foreignZone(value) === undefined) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** "." and ".." are no names: `octo/..` would be a path out of a folder named after a repo (issue 12). */
const DOT_SEGMENT = /(^|\/)\.{1,2}(\/|$)/;

/** A real repository: what a watched clone or an action names. */
export const repoName = z
  .string()
  .regex(/^[\w.-]+\/[\w.-]+$/, 'must look like "owner/repo"')
  .refine((name) => !DOT_SEGMENT.test(name), 'must not have "." or ".." as the owner or the repo');
// A pattern over repositories in filters and rules: "*", "octo/*", "*/docs".
const repoPattern = z
  .string()
  .regex(/^(\*|[\w.*-]+\/[\w.*-]+)$/, 'must look like "owner/repo" or "*" (wildcards allowed)')
  .refine((name) => !DOT_SEGMENT.test(name), 'must not have "." or ".." as the owner or the repo');

export const TickConfig = z
  .object({
    schedule: cronExpression.default('*/15 * * * *'),
    activeHours: z.string().regex(clockRange, 'must look like "08:00-22:00"').optional(),
    timezone: timeZone.optional(),
    /** An open pull request not updated for this many days is named idle in the tick's open-work digest (issue 15). */
    staleDays: z.number().int().positive().max(365).default(7),
  })
  .strict();

/**
 * An owner-written rule. The offline `rules` provider decides with every rule; with a
 * model provider only rules marked `"decide": "rules"` apply — they propose without a
 * model call — and the model decides everything else (issue 14).
 */
export const DecisionRule = z
  .object({
    /** How the rule is named in summaries and logs; `rules[i]` when unset. */
    name: z.string().min(1).max(80).optional(),
    on: z.string().min(1),
    /** `rules`: this rule decides the events it matches even with a model provider; `model` (the default when unset): only the offline provider uses it. */
    decide: z.enum(['rules', 'model']).optional(),
    /** Field matches against the event: `{ "payload.repository.full_name": "octo/app" }`. */
    match: z.record(z.union([z.string(), z.number(), z.boolean()])).optional(),
    propose: z
      .object({
        action: z.string().min(1),
        params: z.record(z.unknown()).default({}),
        rationale: z.string().optional(),
      })
      .strict(),
  })
  .strict();

export const PermissionRule = z
  .object({
    action: z.string().min(1),
    repo: repoPattern.optional(),
    decision: z.enum(['allow', 'ask', 'deny']),
  })
  .strict();

export const PermissionsConfig = z
  .object({
    mode: z.enum(['observe', 'suggest', 'auto']).default('auto'),
    rules: z.array(PermissionRule).default([]),
    approvalTtlHours: z.number().positive().max(24 * 30).default(24),
    /**
     * After this many approvals in a row of one action on one repository (no denial
     * between), vigil offers the owner the rule that would have allowed it (issue 15);
     * 0: never.
     */
    suggestAfter: z.number().int().min(0).max(1000).default(5),
  })
  .strict();

export const GithubConfig = z
  .object({
    repos: z.array(repoPattern).default(['*/*']),
    events: z.array(z.string()).default(['*']),
    /**
     * The webhook whose missed deliveries the worker asks GitHub to redeliver (issue 3);
     * it lives on `hookRepo` or on `hookOrg`. `hookId` alone still parses — the public example
     * in docs/contract.md writes it so — but the sweep then logs `github.sweep_failed`
     * naming the missing key.
     */
    hookId: z.number().int().positive().optional(),
    /** "owner/repo" of a repository webhook (Settings → Webhooks). */
    hookRepo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be "owner/repo"').optional(),
    /** Organisation name of an organisation webhook. */
    hookOrg: z.string().regex(/^[\w.-]+$/, 'must be an organisation name').optional(),
    /** GitHub App auth: the installation to act as; looked up per repository when unset. */
    installationId: z.number().int().positive().optional(),
    /** The owner's GitHub login, named in the disclosure line of what vigil writes ("on behalf of @login"). */
    ownerLogin: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a GitHub login').optional(),
    webhookProxyUrl: z.string().url().optional(),
    /**
     * Deliveries of one CI run (one head SHA) and bursts on one issue or pull request wait
     * this long after the newest of them, then are decided as one event (issue 14). 0: each alone.
     */
    coalesceSeconds: z.number().int().min(0).max(3600).default(20),
  })
  .strict()
  .superRefine((github, ctx) => {
    if (github.hookRepo && github.hookOrg) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['hookOrg'], message: 'set hookRepo or hookOrg, not both' });
    }
    if (github.hookId === undefined && (github.hookRepo || github.hookOrg)) {
      const key = github.hookRepo ? 'hookRepo' : 'hookOrg';
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'needs github.hookId, the id of the webhook' });
    }
  });

export const WatchedRepo = z
  .object({
    name: repoName,
    path: z.string().min(1).optional(),
  })
  .strict();

export const AgentConfig = z
  .object({
    command: z.array(z.string()).min(1).optional(),
    maxTurns: z.number().int().positive().default(30),
    /** Tokens (input + output, cache included) one task may spend with the built-in agent. */
    maxTokens: z.number().int().positive().default(500_000),
    /** Wall time of one task, agent command included (fractions allowed). */
    maxMinutes: z.number().positive().default(30),
    /** Agent tasks run at once, in their own lane beside every other action (issue 15). */
    concurrency: z.number().int().min(1).max(8).default(1),
    /** Command prefixes the built-in agent's bash may run; none: bash refuses everything. */
    allowCommands: z.array(z.string()).default([]),
    /** Extra paths the sandboxed external agent may read (its login, e.g. "~/.claude"); bound read-only. */
    allowPaths: z.array(z.string().min(1)).default([]),
    /** Hosts the external agent may reach (its model API); empty: no restriction beyond the sandbox's. */
    allowHosts: z.array(z.string().min(1)).default([]),
    /** Run commands and the external agent without a sandbox where none can start. Off: they are refused. */
    unsandboxed: z.boolean().default(false),
  })
  .strict();

/** A Slack or Discord incoming webhook, or any URL that takes vigil's own JSON (src/notify/webhook.ts). */
const NotifyWebhook = z
  .object({
    url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
    format: z.enum(['slack', 'discord', 'json']),
  })
  .strict();

const NotifyEmail = z
  .object({
    to: z.string().email(),
    from: z.string().email(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
  })
  .strict();

/** How vigil reaches its owner (issue 6, src/notify): web push to subscribed browsers always, the rest when set. */
export const NotifyConfig = z
  .object({
    /** Desktop notifications (node-notifier) where there is a desktop session. */
    desktop: z.boolean().default(false),
    /** ntfy: a POST to this topic URL; the token (or secrets.json `ntfyToken`) goes in as a Bearer token. */
    ntfy: z.object({ url: z.string().url(), token: z.string().optional() }).strict().optional(),
    /** Only `high` urgency passes in these hours; what is held comes as one digest after them. */
    quietHours: z.string().regex(clockRange, 'must look like "22:00-07:00"').optional(),
    /** The zone quiet hours are read in; `tick.timezone`, else the process's local zone, when unset. */
    timezone: timeZone.optional(),
    /** At most this many notifications an hour (high ones included); the rest wait for the digest. */
    maxPerHour: z.number().int().min(1).max(1000).default(20),
    /** A channel that takes longer than this is given up on for that notification; the others are not held up. */
    timeoutSeconds: z.number().positive().max(120).default(10),
    /** The dashboard as the owner's devices reach it (https://…): notification links and ntfy's Approve / Deny buttons. */
    publicUrl: z.string().url().optional(),
    /** The VAPID contact (RFC 8292) push services may write to: "mailto:you@example.com" or an https URL. */
    pushContact: z.string().regex(/^(mailto:|https:\/\/)/, 'must start with "mailto:" or "https://"').default('mailto:vigil@example.com'),
    /** Incoming webhooks (issue 16): each URL is a secret (it is the credential), masked at every exit. */
    webhooks: z.array(NotifyWebhook).default([]),
    /** Telegram: messages from the bot whose token is secrets.json `telegramBotToken` to this chat. */
    telegram: z.object({ chatId: z.union([z.string().min(1), z.number().int()]) }).strict().optional(),
    /** E-mail over SMTP (nodemailer); the password is secrets.json `smtpPassword`, the login `user` (else `from`). */
    email: NotifyEmail.optional(),
  })
  .strict();

export const DreamConfig = z
  .object({
    idleMinutes: z.number().positive().default(30),
    minHours: z.number().nonnegative().default(24),
    staleDays: z.number().positive().default(60),
  })
  .strict();

export const HttpConfig = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(7433),
    /** Believe X-Forwarded-For (a reverse proxy in front of vigil); off, the socket's address is the client's. */
    trustProxy: z.boolean().default(false),
    /** A request body must arrive within this many seconds, or the connection is cut. */
    bodyTimeoutSeconds: z.number().positive().max(600).default(30),
  })
  .strict();

export const ExecConfig = z
  .object({
    /** The worker exits after this long without work, so an idle vigil is one process. */
    idleExitSeconds: z.number().int().min(1).default(120),
  })
  .strict();

/** What vigil.db and the spool keep (issue 18); the daily logs are never pruned. */
export const StoreConfig = z
  .object({
    /** Handled inbox rows, their decisions and the spool segments only they used are pruned after this many days (on a team: the shared tables, src/store/pg/retention.ts). */
    retainDays: z.number().int().min(1).default(90),
    /**
     * `postgres://…`: a team's vigil keeps its state in PostgreSQL, shared by several nodes
     * (issue 19); absent (and no `DATABASE_URL`), SQLite in the home as always.
     */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /** How long a node's claim or role outlives its silence before another node takes it over (PostgreSQL only). */
    leaseSeconds: z.number().int().min(5).max(600).default(30),
  })
  .strict();

/** Operational log lines on stdout (journald, launchd); the daily logs record everything regardless. */
export const LogConfig = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

/**
 * Who vigil works for (issue 16, `vigil init` asks): the GitHub login named in what vigil
 * writes and the zone times are read in. `github.ownerLogin` and `tick.timezone`, when
 * set, win over these.
 */
export const OwnerConfig = z
  .object({
    login: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a GitHub login').optional(),
    /** How prompts name the owner ("Ada Lovelace"); the login when unset. */
    name: z.string().min(1).max(80).optional(),
    timezone: timeZone.optional(),
    /** When the owner works, in their zone ("09:00-18:00"): told to the model with the owner's local time. */
    workingHours: z.string().regex(clockRange, 'must look like "09:00-18:00"').optional(),
    /**
     * The name an owner's GitHub comment mentions to speak to vigil (`@vigil` when unset):
     * such a comment by the owner is an instruction, by anyone else third-party data.
     */
    handle: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/, 'must be a GitHub login or handle').optional(),
  })
  .strict();

export const Config = z
  .object({
    $schema: z.string().optional(),
    owner: OwnerConfig.default({}),
    tick: TickConfig.default({}),
    model: ModelConfig.default({}),
    rules: z.array(DecisionRule).default([]),
    permissions: PermissionsConfig.default({}),
    github: GithubConfig.default({}),
    repos: z.array(WatchedRepo).default([]),
    agent: AgentConfig.default({}),
    notify: NotifyConfig.default({}),
    dream: DreamConfig.default({}),
    http: HttpConfig.default({}),
    exec: ExecConfig.default({}),
    store: StoreConfig.default({}),
    log: LogConfig.default({}),
  })
  .strict();

export type Config = z.infer<typeof Config>;
export type TickConfig = z.infer<typeof TickConfig>;
export type OwnerConfig = z.infer<typeof OwnerConfig>;
export type ModelConfig = z.infer<typeof ModelConfig>;
export type DecisionRule = z.infer<typeof DecisionRule>;
export type PermissionsConfig = z.infer<typeof PermissionsConfig>;
export type PermissionRule = z.infer<typeof PermissionRule>;
export type GithubConfig = z.infer<typeof GithubConfig>;
export type WatchedRepo = z.infer<typeof WatchedRepo>;
export type HttpConfig = z.infer<typeof HttpConfig>;
export type ExecConfig = z.infer<typeof ExecConfig>;
export type LogConfig = z.infer<typeof LogConfig>;
export type NotifyConfig = z.infer<typeof NotifyConfig>;
