/**
 * Every error vigil raises on purpose is made here, once, with a stable code
 * (after fastify's lib/errors.js). A code is never reused for another meaning.
 * `exitCode` is what the process exits with when the error is fatal; 78 (EX_CONFIG)
 * tells systemd not to restart-loop on a configuration mistake.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unavailable: 69,
  software: 70,
  tempfail: 75,
  config: 78,
} as const;

interface ErrorSpec {
  message: string;
  exitCode: number;
}

export const ERRORS = {
  VIGIL_ERR_CONFIG: { message: 'invalid configuration', exitCode: EXIT.config },
  VIGIL_ERR_CONFIG_JSON: { message: 'config.json is not valid JSON', exitCode: EXIT.config },
  VIGIL_ERR_SECRETS: { message: 'secrets.json is missing or invalid', exitCode: EXIT.config },
  VIGIL_ERR_HOME: { message: 'the vigil home cannot be used', exitCode: EXIT.config },
  VIGIL_ERR_RUNTIME: { message: 'this Node.js cannot run vigil', exitCode: EXIT.config },
  VIGIL_ERR_ALREADY_RUNNING: { message: 'another vigil daemon holds this home', exitCode: EXIT.tempfail },
  VIGIL_ERR_NOT_RUNNING: { message: 'the vigil daemon is not running', exitCode: EXIT.unavailable },
  VIGIL_ERR_DAEMON_HTTP: { message: 'the daemon answered with an error', exitCode: EXIT.failure },
  VIGIL_ERR_LISTEN: { message: 'cannot listen on the configured address', exitCode: EXIT.unavailable },
  VIGIL_ERR_STORE: { message: 'the database cannot be opened', exitCode: EXIT.software },
  VIGIL_ERR_SPOOL: { message: 'the delivery spool cannot be written or read', exitCode: EXIT.software },
  VIGIL_ERR_MIGRATION: { message: 'the database was written by a newer vigil', exitCode: EXIT.software },
  VIGIL_ERR_LOG_CORRUPT: { message: 'a daily log does not verify', exitCode: EXIT.failure },
  VIGIL_ERR_LOG_MISSING: { message: 'there is no daily log for that date', exitCode: EXIT.failure },
  VIGIL_ERR_DECISION_INVALID: { message: 'the model returned an invalid decision', exitCode: EXIT.software },
  VIGIL_ERR_UNKNOWN_ACTION: { message: 'the action is not in the catalog', exitCode: EXIT.failure },
  VIGIL_ERR_ACTION_PARAMS: { message: 'the action parameters do not match its schema', exitCode: EXIT.failure },
  VIGIL_ERR_APPROVAL_NOT_FOUND: { message: 'no such approval', exitCode: EXIT.failure },
  VIGIL_ERR_APPROVAL_CLOSED: { message: 'the approval is no longer pending', exitCode: EXIT.failure },
  VIGIL_ERR_POLICY_DENIED: { message: 'the policy denies this action', exitCode: EXIT.failure },
  VIGIL_ERR_WORKER: { message: 'the execution worker failed', exitCode: EXIT.software },
  VIGIL_ERR_USAGE: { message: 'invalid command line', exitCode: EXIT.usage },
  VIGIL_ERR_WEBHOOK_HEADERS: { message: 'a webhook delivery lacks its GitHub headers', exitCode: EXIT.failure },
  VIGIL_ERR_SIGNATURE: { message: 'a webhook signature is missing or does not match', exitCode: EXIT.failure },
  VIGIL_ERR_WEBHOOK_BODY: { message: 'a webhook body is not a JSON payload', exitCode: EXIT.failure },
  VIGIL_ERR_WEBHOOK_TOO_LARGE: { message: 'a webhook body is larger than GitHub sends (25 MB)', exitCode: EXIT.failure },
  VIGIL_ERR_WEBHOOK_TIMEOUT: { message: 'a webhook body did not arrive within http.bodyTimeoutSeconds', exitCode: EXIT.failure },
  VIGIL_ERR_WEBHOOK_BUSY: { message: 'too many unverified webhook bytes are in flight; retry later', exitCode: EXIT.tempfail },
  VIGIL_ERR_WEBHOOK_UNAVAILABLE: { message: 'the delivery could not be stored durably now; retry later', exitCode: EXIT.tempfail },
  VIGIL_ERR_GITHUB_CREDENTIALS: { message: 'no GitHub token or GitHub App is configured', exitCode: EXIT.failure },
  VIGIL_ERR_GITHUB_INSTALLATION: { message: 'the GitHub App is not installed there', exitCode: EXIT.failure },
  VIGIL_ERR_CAPABILITY: { message: 'the capability token is invalid, used, expired or for another approval', exitCode: EXIT.failure },
  VIGIL_ERR_CSRF: { message: 'the request lacks a valid CSRF token', exitCode: EXIT.failure },
  VIGIL_ERR_LOGIN_LIMIT: { message: 'too many failed logins: wait before trying again', exitCode: EXIT.tempfail },
  VIGIL_ERR_PUSH_SUBSCRIPTION: { message: 'the push subscription is not valid', exitCode: EXIT.failure },
  VIGIL_ERR_NOTIFY: { message: 'no notification channel delivered', exitCode: EXIT.failure },
  VIGIL_ERR_DREAM_BUSY: { message: 'a dream is already in progress', exitCode: EXIT.tempfail },
  VIGIL_ERR_DREAM_FAILED: { message: 'the dream failed', exitCode: EXIT.failure },
  VIGIL_ERR_DREAM_OPERATIONS: { message: 'the model proposed invalid memory operations', exitCode: EXIT.failure },
  VIGIL_ERR_MEMORY_PATH: { message: 'the path is outside the memory folder or not allowed', exitCode: EXIT.failure },
  VIGIL_ERR_MEMORY_COMMAND: { message: 'the memory command cannot be applied', exitCode: EXIT.failure },
  VIGIL_ERR_MEMORY_VERSION: { message: 'no such version in the memory history', exitCode: EXIT.failure },
  VIGIL_ERR_SERVICE: { message: 'the system service could not be installed or removed', exitCode: EXIT.failure },
  VIGIL_ERR_DOCTOR: { message: 'a doctor check failed', exitCode: EXIT.failure },
  VIGIL_ERR_MODEL_CALL: { message: 'the model call failed', exitCode: EXIT.failure },
  VIGIL_ERR_MODEL_CIRCUIT_OPEN: { message: 'the model circuit is open: calls wait until it closes', exitCode: EXIT.tempfail },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const spec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message, options);
    this.name = 'VigilError';
    this.code = code;
    this.exitCode = spec.exitCode;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isVigilError(err: unknown, code?: ErrorCode): err is VigilError {
  return err instanceof VigilError && (code === undefined || err.code === code);
}
