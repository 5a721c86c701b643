import { applyRules } from '../../model/index.js';
import { PolicyGate } from '../../policy/index.js';
import { requireHome, type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { readEventInput } from '../event-input.js';

/**
 * `vigil rules test`: what the owner's rules make of an event, and what the policy would
 * answer to each proposal — computed here, in this process, from config.json alone.
 * Nothing is stored, logged, sent or run: no database, no daemon, no network.
 */
export async function rulesTestCommand(ctx: CliContext, spec: string, opts: { payload?: string; repo?: string; json?: boolean }): Promise<void> {
  requireHome(ctx);
  const config = loadHomeConfig(ctx);
  const input = readEventInput(spec, opts);
  const event = { id: 0, source: 'github', kind: input.kind, payload: input.payload };
  const offline = config.model.provider === 'rules';
  const { decision, matched } = applyRules(config.rules, event);
  // With a model provider only rules marked "decide": "rules" decide; the model decides the rest.
  const deciding = offline ? matched : applyRules(config.rules, event, (rule) => rule.decide === 'rules').matched;
  const gate = new PolicyGate(config.permissions);
  const proposals = decision.proposals.map((p) => ({ ...p, judgement: gate.judge(p) }));
  if (opts.json) {
    ctx.out(JSON.stringify({ kind: input.kind, provider: config.model.provider, matched, deciding, proposals: proposals.map((p) => ({ action: p.action, params: p.params, rationale: p.rationale, verdict: p.judgement.verdict, reason: p.judgement.reason })) }, null, 2));
    return;
  }
  ctx.out(`event:    ${input.kind}${opts.payload ? ` (payload from ${opts.payload})` : ' (example payload)'}`);
  if (matched.length === 0) {
    ctx.out(`rules:    none match${offline ? ': vigil would do nothing' : `: the ${config.model.provider} model decides`}`);
    return;
  }
  ctx.out(`rules:    ${matched.join(', ')} match${offline ? '' : ` (with the ${config.model.provider} provider only ${deciding.length ? deciding.join(', ') : 'none'} decide${deciding.length === 1 ? 's' : ''} without the model)`}`);
  const verdictWord = { allow: 'allowed: it would run', ask: 'asks you first', deny: 'denied' } as const;
  for (const p of proposals) {
    ctx.out(`propose:  ${p.action} ${JSON.stringify(p.params)}`);
    ctx.out(`policy:   ${p.judgement.verdict} — ${verdictWord[p.judgement.verdict]} (${p.judgement.reason}; mode ${config.permissions.mode})`);
  }
  ctx.out('nothing was stored, logged or sent');
}
