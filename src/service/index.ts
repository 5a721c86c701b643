/**
 * vigil as a system service (issue 7): systemd units and a launchd agent rendered from
 * the templates in systemd/ and launchd/, install and uninstall as plans that a dry run
 * prints and a real run executes, and the doctor's checks.
 */
import { checkConfig, checkHome, checkNode, checkSecrets } from './checks-home.js';
import { checkModel, checkNotify } from './checks-reach.js';
import { checkDecision } from './checks-decision.js';
import { checkSandbox } from './checks-sandbox.js';
import { checkDatabase, checkLogs, checkPort, checkWebhooks } from './checks-runtime.js';
import { checkLinger, checkService } from './checks-service.js';
import { checkGithub } from './checks-github.js';
import { checkRejections } from './checks-rejections.js';
import { checkSize } from './checks-size.js';
import { runChecks, type Check, type CheckResult, type DoctorInput, type MultiCheck } from './doctor.js';

export { systemHost, type ServiceHost } from './host.js';
export type { ServiceMode } from './locations.js';
export { describePlan, executePlan } from './plan.js';
export { installPlan, uninstallPlan, serviceFiles, homeOfUser } from './install.js';
export { formatCheck } from './doctor.js';
export { serviceControlPlan, type ControlVerb } from './control.js';

/** One line each, in this order (issue 7). */
const DOCTOR_CHECKS: readonly [string, Check | MultiCheck][] = [
  ['node', checkNode],
  ['home', checkHome],
  ['secrets', checkSecrets],
  ['config', checkConfig],
  ['port', checkPort],
  ['database', checkDatabase],
  ['size', checkSize],
  ['logs', checkLogs],
  ['webhooks', checkWebhooks],
  ['github', checkGithub],
  ['rejected', checkRejections],
  ['model', checkModel],
  ['notify', checkNotify],
  ['sandbox', checkSandbox],
  ['service', checkService],
  ['linger', checkLinger],
];

export function runDoctor(input: DoctorInput, options: { decide?: boolean } = {}): Promise<CheckResult[]> {
  // --model: one tiny forced-decide request after the model line (it costs tokens, so only when asked).
  return runChecks(options.decide ? [...DOCTOR_CHECKS, ['decide', checkDecision]] : DOCTOR_CHECKS, input);
}
