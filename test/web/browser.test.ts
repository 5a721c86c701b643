/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against a real daemon: log in with the token, watch an approval
 * appear without reloading, press Approve and see the action succeed in the live
 * timeline. Screenshots of the pages go to test/artifacts/ for a person to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logEntries, makeHome, removeHomes, ROOT, runCli, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';
import { FakePushService } from '../notify/fake-push.js';
import { dashboardToken } from './helpers.js';

const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'noted by {{payload.trigger}} tick' }, rationale: 'worth remembering' } }],
  permissions: { mode: 'suggest', rules: [] },
};

let browser: Browser;
let push: FakePushService;
const daemons: RunningDaemon[] = [];
beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  push = await FakePushService.start();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await push?.close();
});
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function openDashboard(config: Record<string, unknown>): Promise<{ home: string; url: string; context: BrowserContext; page: Page }> {
  const home = makeHome(config);
  const daemon = await startDaemon(home, { NODE_EXTRA_CA_CERTS: push.caFile });
  daemons.push(daemon);
  const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
  await context.grantPermissions(['notifications'], { origin: daemon.url });
  return { home, url: daemon.url, context, page: await context.newPage() };
}

async function logIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('the dashboard in headless Chromium', () => {
  it('log in with the token, see the approval arrive live, press Approve, see the action succeed', async () => {
    const { home, url, context, page } = await openDashboard(ASK_ON_TICK);
    try {
      // A wrong token does not log in.
      await page.goto(`${url}/login`);
      await shot(page, 'login');
      await page.fill('#token', 'certainly-not-the-token');
      await page.click('button[type=submit]');
      await expect.poll(() => page.textContent('[role=alert]')).toBe('That token is not right.');
      expect(new URL(page.url()).pathname).toBe('/login');
      expect((await context.cookies()).find((c) => c.name === 'vigil_session')).toBeUndefined();

      await logIn(page, url, dashboardToken(home));
      const cookie = (await context.cookies()).find((c) => c.name === 'vigil_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await page.waitForSelector('#approvals-empty:not([hidden])');
      // Proof that the page is never reloaded: this mark would be lost.
      await page.evaluate(() => ((window as unknown as { mark: string }).mark = 'same page'));

      expect(runCli(home, ['tick']).status).toBe(0);
      const item = await page.waitForSelector('#approval-list li.approval', { timeout: 10_000 });
      const id = (await item.getAttribute('data-id'))!;
      expect(await item.textContent()).toContain('noted by manual tick');
      await shot(page, 'dashboard-approval');

      // A state-changing request without the CSRF token is refused, even with the session cookie.
      const forged = await page.evaluate(async (approvalId) => {
        const res = await fetch(`/api/approvals/${approvalId}/approve`, { method: 'POST', credentials: 'same-origin' });
        return { status: res.status, body: (await res.json()) as { code: string } };
      }, id);
      expect(forged).toEqual({ status: 403, body: expect.objectContaining({ code: 'VIGIL_ERR_CSRF' }) });
      expect(await page.locator(`#approval-${id}`).count()).toBe(1);

      await page.click(`#approval-${id} button:text-is("Approve")`);
      // The thread turns to done; its raw records (behind the toggle) name the action.
      await page.waitForSelector('li.thread[data-state="done"]', { timeout: 15_000 });
      const done = await page.waitForSelector('ol.raw-lines li[data-type="action.succeeded"]', { state: 'attached' });
      expect(await done.textContent()).toContain(`actionId=${id}`);
      await page.waitForSelector('#approvals-empty:not([hidden])');
      expect(await page.evaluate(() => (window as unknown as { mark?: string }).mark)).toBe('same page');
      expect(logEntries(home).find((e) => e.type === 'approval.granted')).toMatchObject({ actionId: id, by: 'dashboard' });
      await shot(page, 'dashboard-approved');

      await page.goto(`${url}/memory?q=noted`);
      const memory = (await page.textContent('main'))!;
      // The note in memory/notes.md, and the same words in today's log (full-text search).
      expect(memory).toMatch(/In memory: [1-9]\d* hit/);
      expect(memory).toMatch(/In the logs: [1-9]\d* hit/);
      expect(memory).toContain('noted by manual tick');
      await shot(page, 'memory');
      await page.goto(`${url}/push`);
      await shot(page, 'push');
    } finally {
      await context.close();
    }
    // Two daemons' worth of work and seven page loads: ~27 s alone on a loaded 2-core machine.
  }, 60_000);

  it('the service worker shows vigil\'s push with Approve and Deny, and its token answers without a login', async () => {
    const { home, url, context, page } = await openDashboard(ASK_ON_TICK);
    try {
      const token = dashboardToken(home);
      await logIn(page, url, token);
      // The page registers the service worker; Chromium gives this CDP access to it.
      const cdp = await context.newCDPSession(page);
      const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
      await cdp.send('ServiceWorker.enable');
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      const registration = await waitFor(() => registrations.find((r) => r.scopeURL === `${url}/` && !r.isDeleted), 10_000, 'service worker');

      // Headless Chromium reaches no real push service: the fake one stands in for it, and
      // what vigil sent there is handed to the service worker exactly as received.
      const phone = push.subscribe('chromium');
      const subscribed = await fetch(`${url}/api/push/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(phone),
      });
      expect(subscribed.status).toBe(201);
      expect(runCli(home, ['tick']).status).toBe(0);
      const message = await waitFor(() => push.messages.find((m) => m.path === '/push/chromium'), 15_000, 'push');
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${url}/`, registrationId: registration.registrationId, data: message.payload });

      const notifications = () =>
        page.evaluate(async () => {
          const reg = await navigator.serviceWorker.ready;
          return (await reg.getNotifications()).map((n) => ({
            title: n.title,
            body: n.body,
            tag: n.tag,
            // `actions` is in the Notifications spec, not in TypeScript's DOM types.
            actions: (n as unknown as { actions: { title: string }[] }).actions.map((a) => a.title),
            data: n.data as { approval: { id: string; approveToken: string } },
          }));
        });
      // Chromium wakes the service worker for the push on its own schedule: slow on a loaded 2-core machine.
      await expect.poll(async () => (await notifications()).length, { timeout: 45_000 }).toBe(1);
      const [shownNow] = await notifications();
      expect(shownNow).toMatchObject({ title: 'Approve memory.note?', body: 'noted by manual tick\nworth remembering', actions: ['Approve', 'Deny'] });
      const { approval } = shownNow!.data;
      expect(shownNow!.tag).toBe(`approval-${approval.id}`);

      // What the Approve action posts (headless Chromium cannot tap a notification): no cookie needed.
      const answered = await fetch(`${url}/push/approvals/${approval.id}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: approval.approveToken }),
      });
      expect(await answered.json()).toEqual({ id: approval.id, state: 'approved' });
      await page.waitForSelector('li.thread[data-state="done"]', { timeout: 15_000 });
      expect(logEntries(home).find((e) => e.type === 'approval.granted')).toMatchObject({ actionId: approval.id, by: 'push' });
    } finally {
      await context.close();
    }
  }, 90_000);
});
