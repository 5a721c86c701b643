import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

export function dashboardToken(home: string): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
}

/** Log in the way the /login form does; returns the session cookie and the page's CSRF token. */
export async function login(url: string, token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const page = await (await fetch(`${url}/`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? '';
  expect(csrf).not.toBe('');
  return { cookie, csrf, setCookie };
}
