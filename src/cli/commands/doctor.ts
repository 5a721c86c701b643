import { systemClock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { formatCheck, runDoctor, systemHost } from '../../service/index.js';
import type { CliContext } from '../context.js';

/** One line per check; exits 1 when any fails (warnings are allowed). */
export async function doctorCommand(ctx: CliContext): Promise<void> {
  const results = await runDoctor({ paths: ctx.paths, env: ctx.env, host: systemHost(ctx.env), now: systemClock.now() });
  for (const result of results) ctx.out(formatCheck(result));
  const count = (status: string) => results.filter((r) => r.status === status).length;
  ctx.out(`${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`);
  if (count('fail') > 0) throw new VigilError('VIGIL_ERR_DOCTOR', `${count('fail')} of ${results.length} checks failed`);
}
