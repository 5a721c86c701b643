import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/exec/handlers/index.js';
import { actionMarker } from '../../src/github-api/disclosure.js';
import { handlerContext, newActionIdForTest, REPO, session, TOKEN, useGithubWorld } from './helpers.js';

const world = useGithubWorld();
const DISCLOSURE = /Written by vigil, an AI agent, on behalf of /;

const comment = HANDLERS['github.comment']!;
const createIssue = HANDLERS['github.create_issue']!;
const label = HANDLERS['github.label']!;

describe('github.comment', () => {
  it('posts once, ending with the disclosure line and the hidden marker', async () => {
    const fake = await world.fake();
    fake.addIssue(REPO, { number: 7 });
    const store = world.store();
    const github = session({ fake, store, config: { ownerLogin: 'alice' } });
    const id = newActionIdForTest();

    const result = (await comment({ repo: REPO, number: 7, body: 'Looks like a duplicate of #3.' }, handlerContext(github, store, id))) as {
      url: string;
      id: number;
      reused: boolean;
    };

    const posts = fake.calls('POST', /^\/repos\/octo\/app\/issues\/7\/comments$/);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.authorization).toBe(`token ${TOKEN}`);
    const body = (posts[0]!.body as { body: string }).body;
    expect(body.startsWith('Looks like a duplicate of #3.')).toBe(true);
    expect(body).toMatch(DISCLOSURE);
    expect(body).toContain('on behalf of @alice');
    // The marker is last, after the visible line.
    expect(body.endsWith(actionMarker(id))).toBe(true);
    expect(body.indexOf('Written by vigil')).toBeLessThan(body.indexOf(actionMarker(id)));
    const stored = fake.issue(REPO, 7)!.comments;
    expect(stored).toHaveLength(1);
    expect(result).toEqual({ url: stored[0]!.html_url, id: stored[0]!.id, reused: false });
  });

  it('a second run of the same action finds its marker and does not post again', async () => {
    const fake = await world.fake();
    const issue = fake.addIssue(REPO, { number: 7 });
    // Other comments, one by an earlier action, around it.
    issue.comments.push({ id: 1, body: `earlier ${actionMarker('otheraction')}`, html_url: 'x#1', created_at: issue.created_at, updated_at: issue.created_at });
    const store = world.store();
    const github = session({ fake, store });
    const id = newActionIdForTest();
    const ctx = handlerContext(github, store, id);

    const first = (await comment({ repo: REPO, number: 7, body: 'once' }, ctx)) as { id: number; url: string; reused: boolean };
    const second = (await comment({ repo: REPO, number: 7, body: 'once' }, ctx)) as { id: number; url: string; reused: boolean };

    expect(first.reused).toBe(false);
    expect(second).toEqual({ url: first.url, id: first.id, reused: true });
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(1);
    expect(fake.issue(REPO, 7)!.comments).toHaveLength(2);
    // It looked before each write, bounded to what is newer than the action (minus clock skew).
    const lists = fake.calls('GET', /\/issues\/7\/comments$/);
    expect(lists).toHaveLength(2);
    expect(lists.every((r) => r.query.get('since') !== null)).toBe(true);
  });

  it('finds its marker on a later page of a long thread', async () => {
    const fake = await world.fake();
    const issue = fake.addIssue(REPO, { number: 9 });
    const id = newActionIdForTest();
    const at = new Date().toISOString();
    for (let i = 0; i < 230; i++) {
      const body = i === 205 ? `posted before the crash\n\n---\n_Written by vigil…_\n${actionMarker(id)}` : `comment ${i}`;
      issue.comments.push({ id: 5000 + i, body, html_url: `u#${i}`, created_at: at, updated_at: at });
    }
    const store = world.store();
    const result = await comment({ repo: REPO, number: 9, body: 'hello' }, handlerContext(session({ fake, store }), store, id));
    expect(result).toEqual({ url: 'u#205', id: 5205, reused: true });
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(0);
    expect(fake.calls('GET', /\/issues\/9\/comments$/).map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
  });

  it('a write whose answer was lost (502 after the effect) is found, not repeated', async () => {
    const fake = await world.fake();
    fake.addIssue(REPO, { number: 7 });
    fake.inject({ method: 'POST', path: /\/issues\/7\/comments$/, status: 502, afterEffect: true });
    const store = world.store();
    const result = await comment({ repo: REPO, number: 7, body: 'lost answer' }, handlerContext(session({ fake, store }), store, newActionIdForTest()));
    expect(result).toMatchObject({ reused: true });
    expect(fake.calls('POST', /\/comments$/)).toHaveLength(1);
    expect(fake.issue(REPO, 7)!.comments).toHaveLength(1);
  });

  it('a marker inside the proposed body is removed: only its own action id marks the comment', async () => {
    const fake = await world.fake();
    fake.addIssue(REPO, { number: 7 });
    const store = world.store();
    const id = newActionIdForTest();
    await comment({ repo: REPO, number: 7, body: 'quoting <!-- vigil:action:someoneelse --> here' }, handlerContext(session({ fake, store }), store, id));
    const body = fake.issue(REPO, 7)!.comments[0]!.body;
    expect(body).not.toContain('someoneelse');
    expect(body.match(/vigil:action:/g)).toHaveLength(1);
    expect(body).toContain('on behalf of its owner');
  });

  it('without credentials the action fails with a message saying what to set, and nothing is sent', async () => {
    const fake = await world.fake();
    const store = world.store();
    const github = session({ fake, store, credentials: undefined });
    await expect(comment({ repo: REPO, number: 7, body: 'x' }, handlerContext(github, store, 'nocreds1'))).rejects.toThrow(/GITHUB_TOKEN/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('github.create_issue', () => {
  it('opens the issue once with disclosure and marker; a retry finds it among newer issues', async () => {
    const fake = await world.fake();
    fake.addIssue(REPO, { number: 1, body: `old ${actionMarker('older')}` });
    const store = world.store();
    const github = session({ fake, store, config: { ownerLogin: 'alice' } });
    const id = newActionIdForTest();
    const ctx = handlerContext(github, store, id);

    const first = (await createIssue({ repo: REPO, title: 'Flaky test in CI', body: 'It fails one run in ten.' }, ctx)) as {
      url: string;
      id: number;
      reused: boolean;
    };
    // Someone opens another issue after it.
    fake.addIssue(REPO, { number: 3, title: 'unrelated' });
    const second = await createIssue({ repo: REPO, title: 'Flaky test in CI', body: 'It fails one run in ten.' }, ctx);

    const posts = fake.calls('POST', /^\/repos\/octo\/app\/issues$/);
    expect(posts).toHaveLength(1);
    const created = fake.issue(REPO, 2)!;
    expect(created.title).toBe('Flaky test in CI');
    expect(created.body).toMatch(DISCLOSURE);
    expect(created.body!.endsWith(actionMarker(id))).toBe(true);
    expect(first).toEqual({ url: created.html_url, id: created.id, reused: false });
    expect(second).toEqual({ ...first, reused: true });
    const lists = fake.calls('GET', /^\/repos\/octo\/app\/issues$/);
    expect(lists.every((r) => r.query.get('state') === 'all' && r.query.get('sort') === 'created' && r.query.get('direction') === 'desc')).toBe(true);
    expect(lists.every((r) => r.query.get('since') !== null)).toBe(true);
  });
});

describe('github.label', () => {
  it('adds the labels; adding them again leaves each once', async () => {
    const fake = await world.fake();
    fake.addIssue(REPO, { number: 4, labels: ['bug'] });
    const store = world.store();
    const ctx = handlerContext(session({ fake, store }), store, newActionIdForTest());
    const first = await label({ repo: REPO, number: 4, labels: ['triage', 'flaky'] }, ctx);
    const second = await label({ repo: REPO, number: 4, labels: ['triage', 'flaky'] }, ctx);
    expect(first).toEqual({ repo: REPO, number: 4, labels: ['bug', 'triage', 'flaky'], reused: false });
    expect(second).toEqual(first);
    expect(fake.issue(REPO, 4)!.labels).toEqual(['bug', 'triage', 'flaky']);
    expect(fake.calls('POST', /\/issues\/4\/labels$/).map((r) => r.body)).toEqual([{ labels: ['triage', 'flaky'] }, { labels: ['triage', 'flaky'] }]);
  });
});

describe('as a GitHub App', () => {
  it('finds the installation for the repository, exchanges its JWT for a token, and comments with it', async () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fake = await world.fake({ app: { appId: 4242, publicKey, installationId: 77 } });
    fake.addIssue(REPO, { number: 7 });
    const store = world.store();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const github = session({ fake, store, credentials: { kind: 'app', appId: 4242, privateKey: pem } });

    const result = await comment({ repo: REPO, number: 7, body: 'as a bot' }, handlerContext(github, store, newActionIdForTest()));

    expect(result).toMatchObject({ reused: false });
    expect(fake.calls('GET', /^\/repos\/octo\/app\/installation$/)).toHaveLength(1);
    const exchange = fake.calls('POST', /^\/app\/installations\/77\/access_tokens$/);
    expect(exchange).toHaveLength(1);
    expect(exchange[0]!.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i);
    const post = fake.calls('POST', /\/comments$/)[0]!;
    expect(post.authorization).toMatch(/^token ghs_/);
    // A wrong key is refused by the fake: the JWT is really checked.
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const impostor = session({ fake, store, credentials: { kind: 'app', appId: 4242, privateKey: other } });
    await expect(comment({ repo: REPO, number: 7, body: 'x' }, handlerContext(impostor, store, newActionIdForTest()))).rejects.toThrow();
    expect(fake.issue(REPO, 7)!.comments).toHaveLength(1);
  });

  it('an App not installed on the repository fails with VIGIL_ERR_GITHUB_INSTALLATION', async () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fake = await world.fake({ app: { appId: 4242, publicKey, installationId: 77 } });
    const store = world.store();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const github = session({ fake, store, credentials: { kind: 'app', appId: 4242, privateKey: pem } });
    await expect(comment({ repo: 'octo/elsewhere', number: 1, body: 'x' }, handlerContext(github, store, 'noinstall'))).rejects.toMatchObject({
      code: 'VIGIL_ERR_GITHUB_INSTALLATION',
    });
  });
});
