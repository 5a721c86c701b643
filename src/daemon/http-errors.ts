import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { VigilError, type ErrorCode } from '../errors.js';

/** Fastify's own refusals (and its plugins'), by status, as vigil's stable codes. */
const REQUEST_ERRORS: Readonly<Record<number, ErrorCode>> = {
  404: 'VIGIL_ERR_NOT_FOUND',
  413: 'VIGIL_ERR_BODY_TOO_LARGE',
  415: 'VIGIL_ERR_MEDIA_TYPE',
  429: 'VIGIL_ERR_RATE_LIMIT',
};

/**
 * What any thrown value answers over HTTP. A VigilError is its own answer (its code's
 * status, or the route's override). Fastify's refusals of a request — validation, a bad
 * JSON body, the body limit, a content type no parser takes, the rate limiter — keep the
 * status fastify gives them under a stable code; their messages describe the request,
 * not the daemon. Anything else is a fault of the daemon: 500, and its text stays inside.
 */
export function httpErrorOf(err: unknown): VigilError {
  if (err instanceof VigilError) return err;
  const { statusCode, message } = (err ?? {}) as { statusCode?: unknown; message?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = REQUEST_ERRORS[statusCode] ?? 'VIGIL_ERR_BAD_REQUEST';
    return new VigilError(code, typeof message === 'string' ? message : undefined, { httpStatus: statusCode });
  }
  return new VigilError('VIGIL_ERR_INTERNAL');
}

/**
 * The daemon's one error handler and its not-found answer: every route, every error,
 * one body `{ "code", "message" }` (docs/contract.md). Set on the root instance before
 * any route is registered, so every encapsulated scope inherits it. Answers pass the
 * secrets redaction (web/redact-answers.ts) like any other.
 */
export function answerErrorsAsVigil(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    const answer = httpErrorOf(err);
    return reply.code(answer.httpStatus).send(answer.toJSON());
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const answer = new VigilError('VIGIL_ERR_NOT_FOUND', `${req.method} ${req.url.split('?')[0]}`);
    return reply.code(answer.httpStatus).send(answer.toJSON());
  });
}

/**
 * fastify's `frameworkErrors`: a URL fastify cannot decode is refused before any hook runs.
 * It gets the one error body and the security headers of every other answer (`secureHeaders`,
 * helmet with the dashboard's options: its hook never ran). The single daemon's app and a
 * team node's both set it.
 */
export function frameworkErrorsAsVigil(secureHeaders: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (err, req, reply) => {
    secureHeaders(req.raw, reply.raw, () => undefined);
    const answer = httpErrorOf(err);
    // Its reply is typed for no route in particular.
    void (reply as unknown as FastifyReply).code(answer.httpStatus).send(answer.toJSON());
  };
}
