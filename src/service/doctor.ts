import { loadSecrets, type Config, type Secrets } from '../config/index.js';
import type { HomePaths } from '../home/index.js';
import type { ServiceHost } from './host.js';
import type { TeamDoctorReader } from '../store/index.js';
import { errorText } from '../errors.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to type or change; printed on the same line. */
  fix?: string;
}

export interface DoctorInput {
  paths: HomePaths;
  env: NodeJS.ProcessEnv;
  host: ServiceHost;
  /** Clock for "last delivery 3 min ago". */
  now: number;
}

/** What the checks share: the config is loaded once, by the config check, and reused. */
export interface DoctorState {
  config?: Readonly<Config>;
  /** Set by the node check when this Node.js cannot open the store: the database checks stand aside. */
  storeUnreadable?: string;
  /**
   * A team's home (config `store.url`, issue 19): the team's database, opened by the
   * database check and read by the checks after it; `unreachable` says why it did not
   * answer. Closed when the checks end.
   */
  team?: { url: string; reader: TeamDoctorReader; unreachable?: string };
}

export type Check = (input: DoctorInput, state: DoctorState) => CheckResult | Promise<CheckResult>;
/** A check that reports several lines (one per notification channel). */
export type MultiCheck = (input: DoctorInput, state: DoctorState) => CheckResult[] | Promise<CheckResult[]>;

/** Checks run in order, each isolated: one that throws is reported as failed, the rest still run. */
export async function runChecks(checks: readonly [string, Check | MultiCheck][], input: DoctorInput): Promise<CheckResult[]> {
  const state: DoctorState = {};
  const results: CheckResult[] = [];
  try {
    for (const [name, check] of checks) {
      try {
        results.push(...[await check(input, state)].flat());
      } catch (err) {
        results.push({ name, status: 'fail', detail: `the check itself failed: ${errorText(err)}` });
      }
    }
  } finally {
    await state.team?.reader.close();
  }
  return results;
}

export function formatCheck(result: CheckResult): string {
  const fix = result.fix ? ` → fix: ${result.fix}` : '';
  return `${result.status.padEnd(4)}  ${result.name.padEnd(15)} ${result.detail}${fix}`;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix?: string): CheckResult => ({ name, status: 'warn', detail, ...(fix ? { fix } : {}) });
export const fail = (name: string, detail: string, fix?: string): CheckResult => ({ name, status: 'fail', detail, ...(fix ? { fix } : {}) });

/** A check that needs the config says so instead of guessing when the config is broken. */
export function needsConfig(name: string, state: DoctorState): CheckResult | Readonly<Config> {
  return state.config ?? warn(name, 'not checked: config.json does not load (see the config line)');
}

/**
 * The keys a model check talks with: secrets.json's, or when it does not load (the secrets
 * line reports why) what the environment gives — a key may come from there alone.
 */
export function modelSecrets(paths: HomePaths, env: NodeJS.ProcessEnv): Partial<Secrets> {
  try {
    return loadSecrets(paths.secrets, env);
  } catch {
    return { anthropicApiKey: env.ANTHROPIC_API_KEY?.trim(), openaiApiKey: env.OPENAI_API_KEY?.trim() };
  }
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
