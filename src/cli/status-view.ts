import { durationForPeople, refusedDeliveriesText, timeForPeople, type Paint } from '../for-people.js';

/**
 * `vigil status` for a person: what runs, what waits, the last tick and dream, today's
 * cost. It reads the same report as `--json` (and `GET /api/status`); a key this view
 * does not know yet (other rooms add theirs) is still shown, as its JSON.
 */

type Report = Record<string, unknown>;
interface Usage {
  calls?: number;
  inputTokens?: number;
  outputTokens?: number;
  estimatedCostUsd?: number | null;
}

const SHOWN = new Set([
  'status', 'pid', 'version', 'url', 'startedAt', 'uptimeSeconds', 'mode', 'provider', 'schedule', 'queueDepth',
  'pendingApprovals', 'actions', 'lastTick', 'nextTick', 'lastDream', 'worker', 'model', 'reach', 'rejectedDeliveries',
]);

export function renderStatus(report: Report, now: number, paint: Paint): string[] {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`  ${paint('dim', label.padEnd(11))} ${text}`);
  const when = (iso: unknown) => (typeof iso === 'string' ? timeForPeople(iso, now) : '—');
  const model = (report.model ?? {}) as Report;

  if (report.status === 'running') {
    const up = typeof report.uptimeSeconds === 'number' ? `, up ${durationForPeople(report.uptimeSeconds * 1000)}` : '';
    lines.push(`${paint('green', 'vigil is running')} (pid ${String(report.pid)}, ${String(report.version)}${up}) ${paint('cyan', String(report.url))}`);
  } else {
    lines.push(`${paint('yellow', 'vigil is not running')} — start it with \`vigil start\` (or \`vigil install\` for a service)`);
  }

  const provider = String(model.provider ?? report.provider ?? '—');
  const models = [model.tickModel && `ticks ${String(model.tickModel)}`, model.eventModel && `events ${String(model.eventModel)}`].filter(Boolean);
  row('mode', `${String(report.mode ?? '—')} · model: ${provider === 'rules' ? 'rules (offline)' : provider}${models.length ? ` (${models.join(', ')})` : ''}`);
  const circuit = model.circuit as { state?: string; openUntil?: string } | undefined;
  if (circuit?.state && circuit.state !== 'closed') row('circuit', paint('yellow', `${circuit.state}${circuit.openUntil ? ` until ${when(circuit.openUntil)}` : ''}`));

  const approvals = Number(report.pendingApprovals ?? 0);
  row('waiting', `${plural(Number(report.queueDepth ?? 0), 'event')} to decide · ${approvals ? paint('bold', plural(approvals, 'approval')) + ' — vigil approvals' : 'no approvals'}`);
  const actions = (report.actions ?? {}) as { approved?: number; running?: number };
  row('actions', `${actions.running ?? 0} running, ${actions.approved ?? 0} approved and queued`);
  const worker = report.worker as { state?: string; pid?: number; restarts?: number } | undefined;
  if (worker) row('worker', `${worker.state ?? '—'}${worker.pid ? ` (pid ${worker.pid})` : ''}${worker.restarts ? `, ${plural(worker.restarts, 'restart')}` : ''}`);

  const lastTick = report.lastTick as { at?: string; outcome?: string } | null | undefined;
  const next = report.nextTick ? ` · next ${when(report.nextTick)}` : '';
  row('last tick', `${lastTick?.at ? `${when(lastTick.at)} (${String(lastTick.outcome)})` : 'none yet'}${next}   ${paint('dim', String(report.schedule ?? ''))}`);
  const dream = report.lastDream as { at?: string | null; failedAt?: string; failure?: string | null } | null | undefined;
  const failed = dream?.failedAt ? paint('red', ` · failed ${when(dream.failedAt)}: ${dream.failure ?? ''}`) : '';
  row('last dream', `${dream?.at ? when(dream.at) : 'none yet'}${failed}`);

  const today = (model.today ?? {}) as Usage & { models?: (Usage & { model: string })[]; purposes?: (Usage & { purpose: string })[] };
  row('today', `${plural(today.calls ?? 0, 'model call')}${today.calls ? `, ${cost(today.estimatedCostUsd)}` : ''}`);
  for (const m of today.models ?? []) row('', `${m.model}: ${usageLine(m)}`);
  for (const p of today.purposes ?? []) row('', `${p.purpose}: ${usageLine(p)}`);

  const reach = report.reach as { via?: string[]; failing?: unknown[]; summary?: string } | undefined;
  if (reach?.summary) row('reaches you', (reach.via?.length ?? 0) === 0 || (reach.failing?.length ?? 0) > 0 ? paint('yellow', reach.summary) : reach.summary);
  if ('rejectedDeliveries' in report) {
    const refused = refusedDeliveriesText(report.rejectedDeliveries, ' in the last hour');
    const cause = (report.rejectedDeliveries as { cause?: unknown } | null)?.cause;
    row('refused', refused === 'none' ? 'no webhook delivery in the last hour' : paint('yellow', refused));
    if (typeof cause === 'string') row('', paint('dim', `likely: ${cause}`));
  }

  for (const [key, value] of Object.entries(report)) {
    if (!SHOWN.has(key)) row(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
  return lines;
}

function usageLine(u: Usage): string {
  return `${plural(u.calls ?? 0, 'call')}, ${u.inputTokens ?? 0} in / ${u.outputTokens ?? 0} out tokens, ${cost(u.estimatedCostUsd)}`;
}

function cost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return 'cost unknown';
  return `≈ $${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
