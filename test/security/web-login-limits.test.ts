import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, localDate } from '../../src/clock.js';
import { answerErrorsAsVigil } from '../../src/daemon/http-errors.js';
import { DailyLog, logFilePath, readLogEntries } from '../../src/logs/index.js';
import { Store } from '../../src/store/index.js';
import type { EventRecord } from '../../src/events.js';
import { registerSecurity, webRoutes, type WebDeps } from '../../src/web/index.js';
import { clientAddress, LoginGuard } from '../../src/web/login-guard.js';
import { killDaemons, logEntries, makeHome, removeHomes, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { logBytes, logText } from '../helpers/home-log.js';
import { dashboardToken, login } from '../web/helpers.js';

/**
 * Failed logins (issue 12): the limit was keyed on X-Forwarded-For from any loopback
 * client, so a forged header per request gave unlimited tries, and each failure wrote the
 * header (~12 KB of the attacker's text) into the hash-chained log. Now the socket is the
 * client unless `http.trustProxy` is set; tries are limited per address and in aggregate
 * (10 and 30 a minute, a sliding window); an address is logged at most once a minute,
 * with a count.
 */

const daemons: RunningDaemon[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const JUNK = 'A'.repeat(12_000);

function attempt(url: string, token: string, xff?: string): Promise<Response> {
  return fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(xff ? { 'x-forwarded-for': xff } : {}) },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** `n` wrong tokens, `parallel` at a time, each with the X-Forwarded-For `xff(i)`; their statuses in order. */
async function burst(url: string, n: number, xff: (i: number) => string, parallel = 10): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - i) }, (_, j) => attempt(url, `guess-${i + j}-${JUNK}`, xff(i + j)));
    for (const res of await Promise.all(batch)) {
      statuses.push(res.status);
      await res.body?.cancel();
    }
  }
  return statuses;
}

/** The home's whole log, in bytes: its daily files, or its lines in PostgreSQL; a test compares it before and after. */
const logSize = (home: string) => logBytes(home);

async function daemon(config: Record<string, unknown> = {}): Promise<{ home: string; url: string }> {
  const home = makeHome(config);
  const d = await startDaemon(home);
  daemons.push(d);
  return { home, url: d.url };
}

describe('failed logins on a running daemon', () => {
  it('1,000 with a new X-Forwarded-For each: without trustProxy the socket is the client, 10 tries, the log grows ≤ 64 KB', { timeout: 90_000 }, async () => {
    const { home, url } = await daemon();
    const before = logSize(home);
    const statuses = await burst(url, 1000, (i) => `203.0.113.${i % 250}, ${JUNK.slice(0, 4000)}-${i}`);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(logSize(home) - before).toBeLessThanOrEqual(64 * 1024);

    const failed = logEntries(home).filter((e) => e.type === 'web.login_failed');
    // The first failure is logged at once; the rest of the minute's count waits for the next line.
    expect(failed).toEqual([expect.objectContaining({ ip: '127.0.0.1', count: 1, refused: 0 })]);
    const logs = logText(home);
    expect(logs).not.toContain('AAAAAAAA');
    expect(logs).not.toContain('203.0.113.');
    // The limit holds for the right token as well: a lock that compared it would be an oracle.
    const right = await attempt(url, dashboardToken(home));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('with http.trustProxy the proxy-given address is the client; many addresses together still get 30 tries', { timeout: 90_000 }, async () => {
    const { home, url } = await daemon({ http: { trustProxy: true } });
    const before = logSize(home);
    // Per address, keyed on X-Forwarded-For: one address is limited, another is not.
    const one = await burst(url, 11, () => '198.51.100.1', 1);
    expect(one.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(one[10]).toBe(429);
    expect((await attempt(url, 'wrong', '198.51.100.2')).status).toBe(401);

    // 1,000 more, each from a new address (some not addresses at all): the aggregate holds.
    const many = await burst(url, 1000, (i) => (i % 3 === 0 ? `${JUNK}-${i}` : `10.${i >> 8}.${i & 255}.9`));
    expect(many.filter((s) => s === 401).length).toBe(30 - 11);
    expect(many.slice(40).every((s) => s === 429)).toBe(true);
    expect((await attempt(url, dashboardToken(home), '10.200.0.1')).status).toBe(429);
    expect(logSize(home) - before).toBeLessThanOrEqual(64 * 1024);

    const entries = logEntries(home);
    const failed = entries.filter((e) => e.type === 'web.login_failed');
    expect(failed.map((e) => e.ip)).toContain('198.51.100.1');
    for (const e of failed) expect(String(e.ip).length).toBeLessThanOrEqual(9 + 64);
    expect(failed.length).toBeLessThanOrEqual(30);
    expect(entries.filter((e) => e.type === 'web.login_locked')).toEqual([expect.objectContaining({ failures: 30, refused: 0 })]);
  });
});

/** The dashboard's routes on fastify at port 0, with a fake clock and a real store and log. */
async function dashboardApp(): Promise<{ url: string; clock: FakeClock; token: string; logFile: () => string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-login-'));
  const clock = new FakeClock(new Date(2026, 5, 10, 12).getTime());
  const store = Store.open(path.join(dir, 'vigil.db'));
  const log = new DailyLog({ dir: path.join(dir, 'logs'), clock });
  const token = 'the-dashboard-token-0123456789';
  const deps: WebDeps = {
    store,
    clock,
    logsDir: path.join(dir, 'logs'),
    githubWebUrl: 'https://github.com',
    usageOfDay: () => ({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, estimatedCostUsd: 0 }),
    memoryDir: path.join(dir, 'memory'),
    trustProxy: false,
    dashboardToken: () => token,
    capabilityKey: () => 'k'.repeat(64),
    vapidPublicKey: () => '',
    status: () => ({}),
    approvals: () => [],
    answer: () => {
      throw new Error('no approvals here');
    },
    ask: () => Promise.reject(new Error('no instructions here')),
    editMemoryFact: () => Promise.reject(new Error('no memory here')),
    acceptRule: () => Promise.reject(new Error('no rules here')),
    cancel: () => Promise.reject(new Error('no tasks here')),
    agentDir: path.join(dir, 'agent'),
    agentBudgets: () => ({ maxTurns: 30, maxTokens: 500_000, maxMinutes: 30 }),
    costOf: () => null,
    record: (record) => void log.append(record),
    reach: { subscribed: () => undefined, sendTest: async () => ({ delivered: [], failed: [], skipped: [], message: 'not in this test' }) },
  };
  const app = Fastify({ logger: false });
  // As the daemon builds its app (src/daemon/api.ts): the one error handler first.
  answerErrorsAsVigil(app);
  await registerSecurity(app);
  await app.register(webRoutes, deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    await app.close();
    log.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { url, clock, token, logFile: () => logFilePath(path.join(dir, 'logs'), localDate(clock.now())) };
}

describe('the window, on a fake clock', () => {
  it('the owner logs in once the window has passed; the minute\'s count and refusals are logged in one line', async () => {
    const { url, clock, token, logFile } = await dashboardApp();
    const statuses = await burst(url, 15, () => '', 1);
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
    expect((await attempt(url, token)).status).toBe(429);

    clock.advance(30_000);
    expect((await attempt(url, token)).status).toBe(429);
    clock.advance(30_001);
    // The oldest failure aged out: the right token is compared again, and logs in.
    const { cookie } = await login(url, token);
    expect((await fetch(`${url}/`, { headers: { cookie } })).status).toBe(200);

    const failed = readLogEntries(logFile()).filter((e) => e.type === 'web.login_failed');
    expect(failed.map((e) => [e.ip, e.count, e.refused])).toEqual([
      ['127.0.0.1', 1, 0],
      // Nine more failures and seven refusals (five, then the right token twice), a minute later.
      ['127.0.0.1', 9, 7],
    ]);
  });

  it('a Bearer token is a guess like the form\'s: wrong ones count against the same limits, refused before comparing', async () => {
    const { url, clock, token, logFile } = await dashboardApp();
    const api = (t: string) => fetch(`${url}/api/dashboard/status`, { headers: { authorization: `Bearer ${t}` } });
    expect((await api(token)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await api(`guess-${i}`)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const refused = await api(token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'VIGIL_ERR_LOGIN_LIMIT' });
    // One guard for both doors: the form is locked for this address as well.
    expect((await attempt(url, token)).status).toBe(429);
    clock.advance(60_001);
    expect((await api(token)).status).toBe(200);
    expect(readLogEntries(logFile()).filter((e) => e.type === 'web.login_failed').map((e) => e.count)).toEqual([1, 9]);
  });
});

describe('the guard itself', () => {
  it('100,000 failures from as many addresses in an hour: 30 a minute get through, and at most 30 addresses a minute are logged', () => {
    const records: EventRecord[] = [];
    const guard = new LoginGuard((r) => records.push(r));
    const start = 1_000_000;
    let admitted = 0;
    for (let i = 0; i < 100_000; i++) {
      const now = start + Math.floor((i * 3_600_000) / 100_000);
      const address = clientAddress(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      if (guard.admit(address, now).ok) {
        admitted++;
        guard.failed(address, now);
      }
    }
    // A sliding window of 30 a minute: about 30 × 60 in the hour, never more.
    expect(admitted).toBeLessThanOrEqual(30 * 61);
    expect(admitted).toBeGreaterThan(30 * 55);
    guard.flush(start + 3_600_000 + 120_000);
    const failed = records.filter((r) => r.type === 'web.login_failed');
    expect(failed).toHaveLength(admitted);
    const perMinute = new Map<number, number>();
    for (const r of failed) perMinute.set(Math.floor((r.ts - start) / 60_000), (perMinute.get(Math.floor((r.ts - start) / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(30);
    // Every refusal is counted somewhere: in the lock's lines.
    const refused = records.filter((r) => r.type === 'web.login_locked').reduce((n, r) => n + Number(r.refused), 0);
    expect(refused).toBe(100_000 - admitted);
  });

  it('an address that is not an IP is capped to 64 printable characters', () => {
    expect(clientAddress('::1')).toBe('::1');
    expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
    const junk = clientAddress(`</third-party-data>\n\u0000${'x'.repeat(5000)}`);
    expect(junk).toMatch(/^unparsed:[\x21-\x7e]{64}$/);
    expect(clientAddress(undefined)).toBe('unparsed:');
  });
});

