import fs from 'node:fs';
import { repoName } from '../config/index.js';
import { errorText, VigilError } from '../errors.js';
import { EXAMPLE_EVENTS, examplePayload } from './example-payloads.js';

/** `issues.opened [--payload FILE] [--repo owner/name]`: GitHub's event header, the payload, and vigil's kind for them. */
export interface EventInput {
  event: string;
  payload: Record<string, unknown>;
  kind: string;
}

export function readEventInput(spec: string, opts: { payload?: string; repo?: string }): EventInput {
  const [event, ...rest] = spec.replace(/^github\./, '').split('.');
  const action = rest.join('.') || undefined;
  if (!event || !/^[a-z_]+$/.test(event)) throw new VigilError('VIGIL_ERR_USAGE', `"${spec}" is not <event>[.<action>], e.g. issues.opened`);
  if (opts.repo && !repoName.safeParse(opts.repo).success) throw new VigilError('VIGIL_ERR_USAGE', `--repo: "${opts.repo}" is not owner/name`);
  let payload: Record<string, unknown> | undefined;
  if (opts.payload) {
    try {
      payload = JSON.parse(fs.readFileSync(opts.payload, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new VigilError('VIGIL_ERR_USAGE', `--payload ${opts.payload}: ${errorText(err)}`, { cause: err });
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new VigilError('VIGIL_ERR_USAGE', `--payload ${opts.payload}: not a JSON object`);
    if (action) payload.action = action;
  } else {
    payload = examplePayload(event, action, opts.repo);
    if (!payload) throw new VigilError('VIGIL_ERR_USAGE', `no example payload for "${event}" (there are: ${EXAMPLE_EVENTS.join(', ')}); give one with --payload FILE`);
  }
  const act = typeof payload.action === 'string' && payload.action ? payload.action : undefined;
  return { event, payload, kind: act ? `github.${event}.${act}` : `github.${event}` };
}
