import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { answerErrorsAsVigil, httpErrorOf } from '../../src/daemon/http-errors.js';
import { ERRORS, VigilError } from '../../src/errors.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A fastify app with the daemon's error handler and one route for each kind of failure. */
async function appWithFailures(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 });
  apps.push(app);
  answerErrorsAsVigil(app);
  await app.register(async (scope) => {
    // An encapsulated scope, as every route of the daemon is: it inherits the handler.
    scope.get('/closed', async () => {
      throw new VigilError('VIGIL_ERR_APPROVAL_CLOSED', 'k7m2q9xa was approved');
    });
    scope.get('/overridden', async () => {
      throw new VigilError('VIGIL_ERR_CAPABILITY', 'no token', { httpStatus: 400 });
    });
    scope.get('/hooked', { onRequest: async (_req, reply) => {
      reply.header('retry-after', '7');
      throw new VigilError('VIGIL_ERR_LOGIN_LIMIT', 'retry in 7 s');
    } }, async () => 'never');
    scope.get('/crash', async () => {
      throw new Error('SQLITE_CORRUPT at /home/owner/.vigil/vigil.db');
    });
    scope.get('/thrown-string', async () => {
      throw 'a string';
    });
    scope.post('/validated', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } } }, async () => 'ok');
  });
  return app;
}

describe('the daemon\'s one error handler', () => {
  it('answers a VigilError with its code\'s status and { code, message }', async () => {
    const app = await appWithFailures();
    const res = await app.inject({ method: 'GET', url: '/closed' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ code: 'VIGIL_ERR_APPROVAL_CLOSED', message: `${ERRORS.VIGIL_ERR_APPROVAL_CLOSED.message}: k7m2q9xa was approved` });

    const overridden = await app.inject({ method: 'GET', url: '/overridden' });
    expect(overridden.statusCode).toBe(400);
    expect(overridden.json()).toEqual({ code: 'VIGIL_ERR_CAPABILITY', message: `${ERRORS.VIGIL_ERR_CAPABILITY.message}: no token` });
  });

  it('keeps the headers a hook set before it threw', async () => {
    const res = await (await appWithFailures()).inject({ method: 'GET', url: '/hooked' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json()).toMatchObject({ code: 'VIGIL_ERR_LOGIN_LIMIT' });
  });

  it('answers anything unexpected 500 VIGIL_ERR_INTERNAL, without its text', async () => {
    const app = await appWithFailures();
    for (const url of ['/crash', '/thrown-string']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(500);
      expect(res.json(), url).toEqual({ code: 'VIGIL_ERR_INTERNAL', message: ERRORS.VIGIL_ERR_INTERNAL.message });
      expect(res.body).not.toMatch(/SQLITE|vigil\.db|a string/);
    }
  });

  it('gives fastify\'s own refusals their status, a stable code and the same body', async () => {
    const app = await appWithFailures();
    const cases = [
      { inject: { method: 'GET', url: '/nowhere?x=1' }, status: 404, code: 'VIGIL_ERR_NOT_FOUND', message: /no such route: GET \/nowhere$/ },
      { inject: { method: 'POST', url: '/validated', payload: { n: 'one' } }, status: 400, code: 'VIGIL_ERR_BAD_REQUEST', message: /body\/n must be number/ },
      { inject: { method: 'POST', url: '/validated', headers: { 'content-type': 'application/json' }, payload: '{"n":' }, status: 400, code: 'VIGIL_ERR_BAD_REQUEST', message: /JSON/ },
      { inject: { method: 'POST', url: '/validated', payload: { n: 1, pad: 'x'.repeat(100) } }, status: 413, code: 'VIGIL_ERR_BODY_TOO_LARGE', message: /too large/ },
      { inject: { method: 'POST', url: '/validated', headers: { 'content-type': 'application/x-unknown' }, payload: 'n=1' }, status: 415, code: 'VIGIL_ERR_MEDIA_TYPE', message: /content type/ },
    ] as const;
    for (const { inject, status, code, message } of cases) {
      const res = await app.inject(inject);
      expect(res.statusCode, inject.url).toBe(status);
      const body = res.json<Record<string, unknown>>();
      expect(Object.keys(body).sort(), inject.url).toEqual(['code', 'message']);
      expect(body.code, inject.url).toBe(code);
      expect(body.message, inject.url).toMatch(message);
    }
  });

  it('maps a rate limiter\'s 429 (a plain object with statusCode) to VIGIL_ERR_RATE_LIMIT', () => {
    const answer = httpErrorOf({ statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 1 minute' });
    expect(answer.httpStatus).toBe(429);
    expect(answer.toJSON()).toEqual({ code: 'VIGIL_ERR_RATE_LIMIT', message: `${ERRORS.VIGIL_ERR_RATE_LIMIT.message}: Rate limit exceeded, retry in 1 minute` });
    expect(httpErrorOf({ statusCode: 502, message: 'upstream' }).code).toBe('VIGIL_ERR_INTERNAL');
  });
});
