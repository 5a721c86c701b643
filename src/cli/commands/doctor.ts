import { systemClock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { formatCheck, runDoctor, systemHost } from '../../service/index.js';
import type { CliContext } from '../context.js';

/** One line per check; exits 1 when any fails (warnings are allowed). */
export async function doctorCommand(ctx: CliContext, opts: { json?: boolean; model?: boolean } = {}): Promise<void> {
  const results = await runDoctor({ paths: ctx.paths, env: ctx.env, host: systemHost(ctx.env), now: systemClock.now() }, { decide: opts.model === true });
  const count = (status: string) => results.filter((r) => r.status === status).length;
  // --json: the same checks, one object each ({name, status, detail, fix?}); the exit code is the same.
  if (opts.json) ctx.out(JSON.stringify({ checks: results, ok: count('ok'), warn: count('warn'), fail: count('fail') }, null, 2));
  else {
    for (const result of results) ctx.out(formatCheck(result));
    ctx.out(`${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`);
  }
  if (count('fail') > 0) throw new VigilError('VIGIL_ERR_DOCTOR', `${count('fail')} of ${results.length} checks failed`);
}
