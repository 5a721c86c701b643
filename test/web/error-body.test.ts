import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postDelivery, useWebhookDaemon } from '../helpers/webhooks.js';
import { dashboardToken, login } from './helpers.js';

/** Every error answer of the daemon, whatever route: the status of docs/contract.md and exactly `{ code, message }`. */
async function errorOf(res: Response): Promise<{ status: number; code: unknown }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort(), JSON.stringify(body)).toEqual(['code', 'message']);
  expect(typeof body.message).toBe('string');
  return { status: res.status, code: body.code };
}

describe('one error body on every route of a running daemon', () => {
  const shared = useWebhookDaemon();

  it('webhooks, the API, the capability route, a page\'s form and an unknown route answer { code, message } with their statuses', async () => {
    const url = shared.daemon.url;
    const token = dashboardToken(shared.home);
    const bearer = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });

    // Webhooks: the refusals are judged by the route; the body shape is the handler's.
    const unsigned = await postDelivery(url, shared.secret, body, { event: 'issues', deliveryId: crypto.randomUUID(), signature: null });
    expect([unsigned.status, unsigned.body.code, Object.keys(unsigned.body).sort()]).toEqual([401, 'VIGIL_ERR_SIGNATURE', ['code', 'message']]);
    const headless = await postDelivery(url, shared.secret, body, {});
    expect([headless.status, headless.body.code, Object.keys(headless.body).sort()]).toEqual([400, 'VIGIL_ERR_WEBHOOK_HEADERS', ['code', 'message']]);

    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['no credentials', fetch(`${url}/api/approvals`), 401, 'VIGIL_ERR_UNAUTHORISED'],
      ['an unknown answer', fetch(`${url}/api/approvals/abc/maybe`, { method: 'POST', headers: bearer }), 404, 'VIGIL_ERR_NOT_FOUND'],
      ['an unknown approval', fetch(`${url}/api/approvals/nosuch/approve`, { method: 'POST', headers: bearer }), 404, 'VIGIL_ERR_APPROVAL_NOT_FOUND'],
      [
        'a bad push subscription',
        fetch(`${url}/api/push/subscriptions`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ endpoint: 'nope' }) }),
        400,
        'VIGIL_ERR_PUSH_SUBSCRIPTION',
      ],
      ['a JSON body that does not parse', fetch(`${url}/api/push/subscriptions`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"endpoint":' }), 400, 'VIGIL_ERR_BAD_REQUEST'],
      ['a capability answer without a token', fetch(`${url}/push/approvals/nosuch/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 400, 'VIGIL_ERR_CAPABILITY'],
      ['a capability answer with a forged token', fetch(`${url}/push/approvals/nosuch/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'forged' }) }), 403, 'VIGIL_ERR_CAPABILITY'],
      ['an unknown route', fetch(`${url}/no/such/route`), 404, 'VIGIL_ERR_NOT_FOUND'],
    ];
    for (const [what, answer, status, code] of cases) {
      expect(await errorOf(await answer), what).toEqual({ status, code });
    }
    const unauthorised = await fetch(`${url}/api/status`);
    expect(unauthorised.headers.get('www-authenticate')).toBe('Bearer');

    // A logged-in browser without its CSRF token, on the API and on a page's form.
    const { cookie } = await login(url, token);
    const noCsrf = await fetch(`${url}/api/push/test`, { method: 'POST', headers: { cookie } });
    expect(await errorOf(noCsrf)).toEqual({ status: 403, code: 'VIGIL_ERR_CSRF' });
    const logout = await fetch(`${url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(await errorOf(logout)).toEqual({ status: 403, code: 'VIGIL_ERR_CSRF' });
    // A page without a session is still a redirect to /login, not an error body.
    expect((await fetch(`${url}/`, { redirect: 'manual' })).status).toBe(303);
  });
});
