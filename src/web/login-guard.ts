import net from 'node:net';
import { eventRecord, type EventRecord } from '../events.js';
import type { AuthDeps } from './types.js';

/**
 * The limits on guessing the dashboard token at `/login` (issue 12). Per address: ten
 * failures a minute. In aggregate: thirty a minute across every address, so a burst
 * from many addresses (or many forged `X-Forwarded-For` values behind a proxy) gets no
 * more tries than a few addresses would. While a limit holds, every attempt it covers is
 * refused with 429 before the token is compared — the right token too, or the lock would
 * answer "right" or "wrong" at any pace. The owner's way in meanwhile: a browser that is
 * already logged in keeps its session, and the CLI's Bearer token is not a login; a new
 * login gets in once the window's oldest failure ages out (sliding window).
 */
export const LOGIN_LIMITS = { perAddress: 10, aggregate: 30, windowMs: 60_000, logEveryMs: 60_000 } as const;

export type LoginLimits = { [K in keyof typeof LOGIN_LIMITS]: number };

export type Admission = { ok: true } | { ok: false; scope: 'address' | 'all'; retryAfterMs: number };

interface AddressState {
  /** Times of failures still inside the window. */
  failures: number[];
  /** Failures and refusals since this address's last log line. */
  unlogged: number;
  refused: number;
  loggedAt: number | null;
}

/** The longest address text a log line may carry (an IPv6 address with a zone fits). */
const ADDRESS_CHARS = 64;

/**
 * The client address as the guard keys and logs it. `ip` is fastify's: the socket's peer,
 * or with `http.trustProxy` the address the proxy appended to `X-Forwarded-For`, which a
 * client can fill with anything; what is not an IP address is capped and reduced to
 * printable ASCII, so no attacker text beyond a short, inert field reaches the log.
 */
export function clientAddress(ip: string | undefined): string {
  if (ip && net.isIP(ip)) return ip;
  return `unparsed:${(ip ?? '').slice(0, ADDRESS_CHARS).replace(/[^\x21-\x7e]/g, '?')}`;
}

/**
 * Failed logins, counted per address and in aggregate over a sliding window, and logged
 * at most once per `logEveryMs` per address with a count (each failure used to write
 * the attacker's text into the hash-chained log, ~12 KB a request). Memory stays bounded:
 * only admitted failures create an address, and the aggregate limit caps those per window.
 */
export class LoginGuard {
  private readonly addresses = new Map<string, AddressState>();
  private readonly all: number[] = [];
  private allRefused = 0;
  private allLoggedAt: number | null = null;

  constructor(
    private readonly record: (record: EventRecord) => void,
    readonly limits: LoginLimits = LOGIN_LIMITS,
  ) {}

  /** Whether an attempt from `address` may compare a token now; a refusal is counted for the log. */
  admit(address: string, now: number): Admission {
    this.flush(now);
    if (this.all.length >= this.limits.aggregate) {
      this.allRefused++;
      return { ok: false, scope: 'all', retryAfterMs: this.all[0]! + this.limits.windowMs - now };
    }
    const state = this.addresses.get(address);
    if (state && state.failures.length >= this.limits.perAddress) {
      state.refused++;
      return { ok: false, scope: 'address', retryAfterMs: state.failures[0]! + this.limits.windowMs - now };
    }
    return { ok: true };
  }

  /** An admitted attempt whose token was wrong. */
  failed(address: string, now: number): void {
    let state = this.addresses.get(address);
    if (!state) {
      state = { failures: [], unlogged: 0, refused: 0, loggedAt: null };
      this.addresses.set(address, state);
    }
    state.failures.push(now);
    state.unlogged++;
    this.all.push(now);
    if (this.due(state.loggedAt, now)) this.logAddress(address, state, now);
    if (this.all.length >= this.limits.aggregate && this.due(this.allLoggedAt, now)) this.logLock(now);
  }

  /**
   * Ages failures out of the window, writes the counts whose interval is up, and forgets
   * addresses with nothing left to count. Called on every attempt and by a timer.
   */
  flush(now: number): void {
    const since = now - this.limits.windowMs;
    while (this.all.length && this.all[0]! <= since) this.all.shift();
    for (const [address, state] of this.addresses) {
      while (state.failures.length && state.failures[0]! <= since) state.failures.shift();
      const pending = state.unlogged + state.refused > 0;
      if (pending && this.due(state.loggedAt, now)) this.logAddress(address, state, now);
      else if (!pending && state.failures.length === 0) this.addresses.delete(address);
    }
    if (this.allRefused > 0 && this.due(this.allLoggedAt, now)) this.logLock(now);
  }

  private due(loggedAt: number | null, now: number): boolean {
    return loggedAt === null || now - loggedAt >= this.limits.logEveryMs;
  }

  private logAddress(address: string, state: AddressState, now: number): void {
    this.record(eventRecord('web.login_failed', { ip: address, count: state.unlogged, refused: state.refused }, now));
    state.unlogged = 0;
    state.refused = 0;
    state.loggedAt = now;
  }

  private logLock(now: number): void {
    const retryAfterSeconds = this.all.length ? Math.ceil((this.all[0]! + this.limits.windowMs - now) / 1000) : 0;
    this.record(eventRecord('web.login_locked', { failures: this.all.length, refused: this.allRefused, retryAfterSeconds }, now));
    this.allRefused = 0;
    this.allLoggedAt = now;
  }
}

const guards = new WeakMap<object, LoginGuard>();

/**
 * The one guard of a daemon's HTTP app, shared by the login form and the API's Bearer
 * check so that both doors count against the same limits. Keyed on the store, which is
 * the daemon's own: every route scope gets the same deps, but not always the same object.
 */
export function loginGuardOf(deps: Pick<AuthDeps, 'store' | 'record'>): LoginGuard {
  let guard = guards.get(deps.store);
  if (!guard) {
    // A team node's record answers with a promise that never rejects (AuthDeps).
    guard = new LoginGuard((record) => void deps.record(record));
    guards.set(deps.store, guard);
  }
  return guard;
}

/** A try at the token: refused by a limit before the token was compared, or admitted and judged. */
export type LoginCheck = Exclude<Admission, { ok: true }> | { ok: true; right: boolean };

/**
 * One try at the token, `isRight` comparing it only once the limits admit the try (a
 * refusal that compared it would tell a right guess from a wrong one): this process's
 * limits, then — on a team node — the team's, judged in the database under one lock over
 * every node, so that a load balancer's nodes do not each grant their own ten tries a
 * minute, nor ten tries sent at once all read the same count. A wrong token is a failure.
 */
export async function checkLogin(deps: Pick<AuthDeps, 'loginFailures'>, guard: LoginGuard, address: string, now: number, isRight: () => boolean): Promise<LoginCheck> {
  const here = guard.admit(address, now);
  if (!here.ok) return here;
  let right: boolean;
  if (deps.loginFailures) {
    const team = await deps.loginFailures.attempt(address, now, guard.limits, isRight);
    if (!team.admitted) return { ok: false, scope: team.scope, retryAfterMs: team.retryAfterMs };
    right = team.right;
  } else {
    right = isRight();
  }
  if (!right) guard.failed(address, now);
  return { ok: true, right };
}
