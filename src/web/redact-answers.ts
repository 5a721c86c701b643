import type { FastifyInstance } from 'fastify';
import { secretMask } from '../secrets/index.js';

/**
 * The last wall of every HTTP answer (issue 12): whatever a page or an API answer
 * shows — an approval's params, the timeline, MEMORY.md on the memory page, an
 * error's message — no secret vigil holds leaves in it, in any form. What the store
 * and the log hold is redacted already; this catches what comes from elsewhere (the
 * memory files a person wrote). Streams (the SSE timeline, read from the redacted
 * log) and binary assets pass as they are.
 */
export function redactAnswers(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, _reply, payload) => {
    if (typeof payload !== 'string') return payload;
    return secretMask().redact(payload);
  });
}
