import type { FastifyInstance } from 'fastify';
import { redactAnswers } from './redact-answers.js';

/** Capability answers come from the owner's own devices, a few a minute at most. */
export const CAPABILITY_RATE_LIMIT = { max: 30, timeWindow: 60_000 };

/**
 * The security headers of every answer, for @fastify/helmet here and for helmet itself
 * on the CLI's front (src/daemon/cli-api-front.ts): one set, whichever server answers.
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'"],
      manifestSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
      // vigil speaks plain HTTP on loopback (or behind an SSH tunnel or Tailscale):
      // upgrading its own subresources to https would break those setups.
      upgradeInsecureRequests: null,
    },
  },
  // TLS is the reverse proxy's business; HSTS from a plain-HTTP origin would only mislead.
  hsts: false,
} as const;

/**
 * Security headers (helmet) on every answer, and the rate limiter that individual
 * routes opt into. Both load with the rest of the HTTP app, never on the idle path.
 */
export async function registerSecurity(app: FastifyInstance): Promise<void> {
  const [{ default: helmet }, { default: rateLimit }] = await Promise.all([import('@fastify/helmet'), import('@fastify/rate-limit')]);
  await app.register(helmet, HELMET_OPTIONS);
  await app.register(rateLimit, { global: false });
  redactAnswers(app);
}
