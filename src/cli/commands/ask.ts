import { VigilError } from '../../errors.js';
import type { OwnerAnswer } from '../../initiative/index.js';
import { callDaemon, daemonUrl, requireHome, type CliContext } from '../context.js';

export interface AskFlags {
  json?: boolean;
  wait?: string;
}

/**
 * `vigil ask "text"`: the owner's words, decided by the running daemon as an instruction
 * (with the decision tools), and the answer printed: the decision's summary and what it
 * proposed, each with its fate. An answer needs a decision, so it needs the daemon.
 */
export async function askCommand(ctx: CliContext, words: string[], flags: AskFlags): Promise<void> {
  requireHome(ctx);
  const text = words.join(' ').trim();
  if (!text) throw new VigilError('VIGIL_ERR_USAGE', 'say something: vigil ask "what is waiting for me?"');
  const wait = Number(flags.wait ?? 120);
  if (!Number.isFinite(wait) || wait <= 0 || wait > 600) throw new VigilError('VIGIL_ERR_USAGE', `--wait ${flags.wait}: seconds, above 0 and at most 600`);
  if (!daemonUrl(ctx)) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}; start it with vigil start`);
  const answer = await callDaemon<OwnerAnswer>(ctx, 'POST', '/api/ask', ['VIGIL_ERR_ASK', 'VIGIL_ERR_ASK_TIMEOUT'], {
    body: { text, wait },
    timeoutMs: (wait + 10) * 1000,
  });
  ctx.out(flags.json ? JSON.stringify(answer, null, 2) : answer.text);
}
