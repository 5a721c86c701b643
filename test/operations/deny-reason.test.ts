/**
 * The owner's reason with a denial (issue 15): `vigil deny ID --reason …` through the
 * running daemon's route, and the dashboard's approval card as a plain form (no script,
 * the session's CSRF token in `_csrf`). The reason is kept with the answer and logged,
 * one line, capped and redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { dashboardToken, login } from '../web/helpers.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

const ASK_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: 'noted on a tick' } } }],
  permissions: { mode: 'suggest', rules: [] },
};

async function daemonWithApproval() {
  const home = makeHome(ASK_ON_TICK);
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const seen = logEntries(home).filter((e) => e.type === 'approval.requested').length;
  const next = async () => {
    expect(runCli(home, ['tick']).status).toBe(0);
    const all = await waitFor(() => {
      const list = logEntries(home).filter((e) => e.type === 'approval.requested');
      return list.length > seen + asked ? list : undefined;
    // Generous: the first tick of a fresh daemon, on a machine running the whole suite.
    }, 60_000, 'approval');
    asked++;
    return String(all[all.length - 1]!.actionId);
  };
  let asked = 0;
  return { home, url: daemon.url, next };
}

const stored = (home: string, id: string) =>
  query<{ state: string; answer_reason: string | null; answered_at: number | null; answered_by: string }>(
    home,
    'SELECT state, answer_reason, answered_at, answered_by FROM actions WHERE id = ?',
    id,
  )[0]!;

describe('a denial with the owner\'s reason', () => {
  it('vigil deny ID --reason: kept with the answer and logged, one line, a secret redacted, capped at 500 characters', { timeout: 120_000 }, async () => {
    const { home, next } = await daemonWithApproval();
    const id = await next();
    const secret = (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { webhookSecret: string }).webhookSecret;
    const words = `labels here\nare mine to set, not ${secret} ${'x'.repeat(600)}`;
    const denied = runCli(home, ['deny', id, '--reason', words]);
    expect(denied.stderr).toBe('');
    expect(denied.stdout).toContain(`${id}: denied`);

    const row = stored(home, id);
    expect(row).toMatchObject({ state: 'denied', answered_by: 'cli' });
    expect(row.answered_at).toEqual(expect.any(Number));
    expect(row.answer_reason).toMatch(/^labels here are mine to set, not \[redacted\] x+…$/);
    expect(row.answer_reason).toHaveLength(500);
    const logged = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.denied' && e.actionId === id), 10_000, 'approval.denied');
    expect(logged).toMatchObject({ by: 'cli', reason: row.answer_reason });
    expect(JSON.stringify(logEntries(home))).not.toContain(secret);

    // Without a reason nothing is added; an approval keeps none either.
    const other = await next();
    expect(runCli(home, ['deny', other]).status).toBe(0);
    expect(stored(home, other).answer_reason).toBeNull();
    expect(logEntries(home).find((e) => e.type === 'approval.denied' && e.actionId === other)).not.toHaveProperty('reason');
  });

  it('the dashboard card is a form: its reason field denies with the owner\'s words; without the CSRF token nothing is answered', { timeout: 120_000 }, async () => {
    const { home, url, next } = await daemonWithApproval();
    const id = await next();
    const { cookie, csrf } = await login(url, dashboardToken(home));
    const page = await (await fetch(`${url}/`, { headers: { cookie } })).text();
    expect(page).toContain(`<form class="answer" method="post" action="/approvals/${id}">`);
    expect(page).toContain(`<input type="hidden" name="_csrf" value="${csrf}">`);
    expect(page).toMatch(new RegExp(`<input id="reason-${id}" name="reason" type="text" maxlength="500"`));

    const post = (fields: Record<string, string>) =>
      fetch(`${url}/approvals/${id}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const forged = await post({ answer: 'deny', reason: 'forged' });
    expect(forged.status).toBe(403);
    expect(stored(home, id).state).toBe('awaiting_approval');

    const answered = await post({ _csrf: csrf, answer: 'deny', reason: 'not on the docs repo' });
    expect(answered.status).toBe(303);
    expect(answered.headers.get('location')).toBe('/');
    expect(stored(home, id)).toMatchObject({ state: 'denied', answered_by: 'dashboard', answer_reason: 'not on the docs repo' });
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.denied' && e.actionId === id && e.reason === 'not on the docs repo'), 10_000, 'logged');

    // Answered once: the same form again is refused as closed.
    expect((await post({ _csrf: csrf, answer: 'approve' })).status).toBe(409);
  });
});
