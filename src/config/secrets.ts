import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { errorText, VigilError } from '../errors.js';
import { MIN_SECRET_LENGTH, makeSecretMask, maskSecrets, maskedValues, secretEnvValues, withRecognised, type SecretMask } from '../secrets/index.js';
import { readJsonWithout } from './json-without.js';
import { describeZodError } from './load.js';

/**
 * A GitHub App to act as (issue 3), when there is no `githubToken`: its id and its
 * private key (the PEM text, or a file path relative to secrets.json). The
 * installation comes from config `github.installationId`, or is looked up per repository.
 */
const GithubAppSecret = z
  .object({
    appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'must be a number')]),
    privateKey: z.string().includes('PRIVATE KEY', { message: 'must be the PEM text of the App\'s private key' }).optional(),
    privateKeyPath: z.string().min(1).optional(),
  })
  .strict()
  .refine((app) => Boolean(app.privateKey) !== Boolean(app.privateKeyPath), {
    message: 'needs privateKey or privateKeyPath (one of them)',
  });

/** secrets.json (mode 0600). Later issues may add keys; unknown keys are kept. */
export const SecretsFile = z
  .object({
    webhookSecret: z.string().min(16),
    dashboardToken: z.string().min(16),
    vapid: z.object({ publicKey: z.string().min(1), privateKey: z.string().min(1) }),
    githubToken: z.string().optional(),
    githubApp: GithubAppSecret.optional(),
    /** Signs the capability tokens in approval notifications (issue 6); made at init. */
    capabilityKey: z.string().min(32).optional(),
    ntfyToken: z.string().optional(),
    /** The Telegram bot that sends to config `notify.telegram.chatId` (issue 16). */
    telegramBotToken: z.string().optional(),
    /** The SMTP login's password for config `notify.email` (issue 16). */
    smtpPassword: z.string().optional(),
    anthropicApiKey: z.string().optional(),
    /** For `model.provider: "openai"`; local servers (Ollama, llama.cpp) need none. */
    openaiApiKey: z.string().optional(),
  })
  .passthrough();
export type SecretsFile = z.infer<typeof SecretsFile>;

/** What components receive: the file, with the environment's overrides applied. */
export interface Secrets {
  /** First one signs; all verify (rotation). */
  webhookSecrets: string[];
  dashboardToken: string;
  vapid: { publicKey: string; privateKey: string };
  /** HMAC key of approval capability tokens; homes made before issue 6 derive it from the dashboard token. */
  capabilityKey: string;
  ntfyToken?: string;
  telegramBotToken?: string;
  smtpPassword?: string;
  githubToken?: string;
  /** Used when there is no token. */
  githubApp?: { appId: number; privateKey: string };
  anthropicApiKey?: string;
  openaiApiKey?: string;
  /**
   * Loaded with `withholdGithub`: GitHub credentials exist (in the file or the environment)
   * but were not read — the worker holds them.
   */
  githubWithheld?: boolean;
}

/** secrets.json keys the daemon never reads (issue 14): only the worker acts on GitHub. */
const GITHUB_KEYS = ['githubToken', 'githubApp'];

export interface LoadSecretsOptions {
  /**
   * The daemon's load: `githubToken` and `githubApp` are stepped over without being read
   * into memory (and an App's key file is not opened); `githubWithheld` says they exist.
   */
  withholdGithub?: boolean;
}

export function loadSecrets(file: string, env: NodeJS.ProcessEnv = process.env, options: LoadSecretsOptions = {}): Secrets {
  let raw: unknown;
  let withheld: string[] = [];
  try {
    if (options.withholdGithub) ({ value: raw, found: withheld } = readJsonWithout(file, GITHUB_KEYS));
    else raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VigilError('VIGIL_ERR_SECRETS', `${file}: ${errorText(err)}`, { cause: err });
  }
  const parsed = SecretsFile.safeParse(raw);
  if (!parsed.success) throw new VigilError('VIGIL_ERR_SECRETS', `${file}: ${describeZodError(parsed.error)}`);
  const file_ = parsed.data;
  const secrets = secretsWithEnv(file, file_, env);
  if (options.withholdGithub && (withheld.length > 0 || secrets.githubToken || secrets.githubApp)) secrets.githubWithheld = true;
  // From here on no exit of this process lets any of them out (src/secrets/mask.ts).
  maskSecrets(heldSecretValues(secrets, env, raw));
  return secrets;
}

function secretsWithEnv(file: string, file_: SecretsFile, env: NodeJS.ProcessEnv): Secrets {
  const webhookSecrets = [file_.webhookSecret];
  const fromEnv = env.GITHUB_WEBHOOK_SECRET?.trim();
  if (fromEnv) webhookSecrets.unshift(fromEnv);
  return {
    webhookSecrets,
    dashboardToken: file_.dashboardToken,
    vapid: file_.vapid,
    capabilityKey: file_.capabilityKey ?? deriveCapabilityKey(file_.dashboardToken),
    ...(file_.ntfyToken ? { ntfyToken: file_.ntfyToken } : {}),
    ...(file_.telegramBotToken ? { telegramBotToken: file_.telegramBotToken } : {}),
    ...(file_.smtpPassword ? { smtpPassword: file_.smtpPassword } : {}),
    githubToken: env.GITHUB_TOKEN?.trim() || file_.githubToken,
    ...githubApp(file, file_.githubApp, env),
    anthropicApiKey: env.ANTHROPIC_API_KEY?.trim() || file_.anthropicApiKey,
    openaiApiKey: env.OPENAI_API_KEY?.trim() || file_.openaiApiKey,
  };
}

export { secretEnvValues };

/** Fields of secrets.json that are not secret: the rest, known keys or not, is. */
const PUBLIC_FIELDS = new Set(['vapid.publicKey', 'githubApp.appId', 'githubApp.privateKeyPath']);

/**
 * Every secret value vigil holds: the parsed secrets (environment overrides applied),
 * every value of secrets.json as written (an override does not make the file's value
 * public; keys later issues add are secret too), and the secret environment variables.
 */
export function heldSecretValues(secrets: Partial<Secrets>, env: NodeJS.ProcessEnv = {}, file?: unknown): string[] {
  const values = [
    ...(secrets.webhookSecrets ?? []),
    secrets.dashboardToken,
    secrets.vapid?.privateKey,
    secrets.capabilityKey,
    secrets.ntfyToken,
    secrets.telegramBotToken,
    secrets.smtpPassword,
    secrets.githubToken,
    secrets.githubApp?.privateKey,
    secrets.anthropicApiKey,
    secrets.openaiApiKey,
    ...fileValues(file, ''),
    ...secretEnvValues(env),
  ];
  // Shorter values are not masked (src/secrets/forms.ts says why): they would redact words.
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))];
}

/**
 * The GitHub credentials' secret values, for the fingerprints the daemon recognises them
 * by (src/config/daemon-secrets.ts): as parsed (environment overrides, the App's key
 * file) and every value under the withheld keys of secrets.json as written.
 */
export function withheldSecretValues(file: string, env: NodeJS.ProcessEnv): string[] {
  const secrets = loadSecrets(file, env);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const values = [secrets.githubToken, secrets.githubApp?.privateKey, ...GITHUB_KEYS.flatMap((key) => fileValues(raw[key], key))];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))];
}

function fileValues(value: unknown, at: string): string[] {
  if (PUBLIC_FIELDS.has(at)) return [];
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => fileValues(v, at ? `${at}.${key}` : key));
}

/**
 * The redactor of a process that holds these secrets: theirs, the secret environment
 * variables, and whatever this process masked already. It also masks them process-wide,
 * for a process that got its secrets some other way than `loadSecrets` (e.g. over IPC).
 */
export function redactorFor(secrets: Partial<Secrets>, env: NodeJS.ProcessEnv = process.env): SecretMask {
  const values = heldSecretValues(secrets, env);
  maskSecrets(values);
  return withRecognised(makeSecretMask([...values, ...maskedValues()]));
}

/** `GITHUB_APP_ID` and `GITHUB_APP_PRIVATE_KEY` (PEM; `\n` escapes allowed) override the file's App. */
function githubApp(
  file: string,
  fromFile: z.infer<typeof GithubAppSecret> | undefined,
  env: NodeJS.ProcessEnv,
): { githubApp?: { appId: number; privateKey: string } } {
  const envId = env.GITHUB_APP_ID?.trim();
  const envKey = env.GITHUB_APP_PRIVATE_KEY?.trim().replace(/\\n/g, '\n');
  if (envId && !/^\d+$/.test(envId)) throw new VigilError('VIGIL_ERR_SECRETS', `GITHUB_APP_ID: "${envId}" is not a number`);
  const appId = envId || (fromFile ? String(fromFile.appId) : undefined);
  let privateKey = envKey || fromFile?.privateKey;
  if (!privateKey && fromFile?.privateKeyPath) {
    const keyFile = path.resolve(path.dirname(file), fromFile.privateKeyPath);
    try {
      privateKey = fs.readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new VigilError('VIGIL_ERR_SECRETS', `githubApp.privateKeyPath: ${errorText(err)}`, { cause: err });
    }
  }
  if (!appId && !privateKey) return {};
  if (!appId || !privateKey) {
    const missing = appId ? 'a private key (GITHUB_APP_PRIVATE_KEY or githubApp.privateKey)' : 'an App id (GITHUB_APP_ID or githubApp.appId)';
    throw new VigilError('VIGIL_ERR_SECRETS', `the GitHub App needs ${missing}`);
  }
  return { githubApp: { appId: Number(appId), privateKey } };
}

export function generateSecrets(): SecretsFile {
  return {
    webhookSecret: crypto.randomBytes(32).toString('hex'),
    dashboardToken: crypto.randomBytes(24).toString('base64url'),
    vapid: generateVapidKeys(),
    capabilityKey: crypto.randomBytes(32).toString('hex'),
  };
}

/** Rotating the dashboard token then also voids outstanding capability tokens, which is what an owner would expect. */
function deriveCapabilityKey(dashboardToken: string): string {
  return Buffer.from(crypto.hkdfSync('sha256', dashboardToken, 'vigil', 'capability-key', 32)).toString('hex');
}

/**
 * VAPID keys are a P-256 key pair: the public key as the uncompressed point and the
 * private key as the raw scalar, both base64url (RFC 8292) — the form web-push expects.
 */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const priv = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(pub.x as string, 'base64url'),
    Buffer.from(pub.y as string, 'base64url'),
  ]);
  return { publicKey: point.toString('base64url'), privateKey: priv.d as string };
}
