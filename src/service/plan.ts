import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import type { ServiceHost } from './host.js';
import { shellLine } from './quote.js';

/**
 * What install and uninstall do, as data: `--dry-run` prints it, a real run executes
 * it step by step. Nothing outside a plan touches the machine.
 */
export type Step =
  | { kind: 'mkdir'; path: string }
  | { kind: 'write'; path: string; content: string; mode: number }
  | { kind: 'remove'; path: string }
  /** `mayFail`: e.g. `launchctl bootout` of a job that is not loaded. */
  | { kind: 'run'; argv: string[]; mayFail?: boolean };

export interface Plan {
  title: string;
  steps: Step[];
  /** Advice printed after the steps, e.g. the linger hint. Never executed. */
  notes: string[];
  /** A system unit lives in /etc: only root may carry the plan out. */
  needsRoot?: boolean;
}

/** The plan as a person reads it: files in full, commands exactly as they would be typed. */
export function describePlan(plan: Plan, dryRun: boolean): string[] {
  const lines = [dryRun ? `${plan.title} — dry run: nothing is written or run` : plan.title];
  for (const step of plan.steps) {
    if (step.kind === 'mkdir') lines.push(`${dryRun ? 'would create' : 'create'} ${path.resolve(step.path)}/`);
    if (step.kind === 'remove') lines.push(`${dryRun ? 'would remove' : 'remove'} ${step.path}`);
    if (step.kind === 'run') lines.push(`${dryRun ? 'would run' : 'run'}: ${shellLine(step.argv)}${step.mayFail ? '   (may fail: nothing to undo)' : ''}`);
    if (step.kind === 'write') {
      lines.push(`${dryRun ? 'would write' : 'write'} ${step.path} (mode ${step.mode.toString(8).padStart(4, '0')}):`);
      lines.push(`----- ${path.basename(step.path)} -----`, ...step.content.replace(/\n$/, '').split('\n'), `----- end -----`);
    }
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines;
}

/** Carry a plan out in order; the first command that fails (and may not) stops it. */
export function executePlan(plan: Plan, host: ServiceHost, out: (line: string) => void): void {
  if (plan.needsRoot && host.uid !== 0) {
    throw new VigilError('VIGIL_ERR_SERVICE', `${plan.title} needs root: run it with sudo (--dry-run shows what it does)`);
  }
  for (const step of plan.steps) {
    if (step.kind === 'mkdir') {
      fs.mkdirSync(step.path, { recursive: true });
      out(`created ${step.path}/`);
    } else if (step.kind === 'write') {
      fs.mkdirSync(path.dirname(step.path), { recursive: true });
      const tmp = `${step.path}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, step.content, { mode: step.mode });
      fs.chmodSync(tmp, step.mode);
      fs.renameSync(tmp, step.path);
      out(`wrote ${step.path}`);
    } else if (step.kind === 'remove') {
      fs.rmSync(step.path, { force: true });
      out(`removed ${step.path}`);
    } else {
      runStep(step, host, out);
    }
  }
  for (const note of plan.notes) out(`note: ${note}`);
}

function runStep(step: Extract<Step, { kind: 'run' }>, host: ServiceHost, out: (line: string) => void): void {
  const line = shellLine(step.argv);
  const res = host.run(step.argv);
  if (res.status === 0) {
    out(`ran: ${line}`);
    return;
  }
  const why = (res.error ?? res.stderr.trim().split('\n')[0] ?? '') || `exit ${res.status}`;
  if (step.mayFail) {
    out(`ran: ${line} (${why}; fine)`);
    return;
  }
  throw new VigilError('VIGIL_ERR_SERVICE', `\`${line}\` failed: ${why}`);
}
