/**
 * Every error vigil raises on purpose is made here, once, with a stable code
 * (after fastify's lib/errors.js). A code is never reused for another meaning.
 * `exitCode` is what the process exits with when the error is fatal; 78 (EX_CONFIG)
 * tells systemd not to restart-loop on a configuration mistake. `status` is the HTTP
 * status a route answers with when the error reaches the daemon's one error handler
 * (src/daemon/http-errors.ts); codes no route raises on purpose answer 500.
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
  status: number;
}

export const ERRORS = {
  VIGIL_ERR_CONFIG: { message: 'invalid configuration', exitCode: EXIT.config , status: 500 },
  VIGIL_ERR_CONFIG_JSON: { message: 'config.json is not valid JSON', exitCode: EXIT.config , status: 500 },
  VIGIL_ERR_CONFIG_UNSET: { message: 'that config key has no value', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_SECRETS: { message: 'secrets.json is missing or invalid', exitCode: EXIT.config , status: 500 },
  VIGIL_ERR_HOME: { message: 'the vigil home cannot be used', exitCode: EXIT.config , status: 500 },
  VIGIL_ERR_RUNTIME: { message: 'this Node.js cannot run vigil', exitCode: EXIT.config , status: 500 },
  VIGIL_ERR_ALREADY_RUNNING: { message: 'another vigil daemon holds this home', exitCode: EXIT.tempfail , status: 500 },
  VIGIL_ERR_NOT_RUNNING: { message: 'the vigil daemon is not running', exitCode: EXIT.unavailable , status: 500 },
  VIGIL_ERR_DAEMON_HTTP: { message: 'the daemon answered with an error', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_STOP_TIMEOUT: { message: 'the daemon did not stop or start in time', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_LISTEN: { message: 'cannot listen on the configured address', exitCode: EXIT.unavailable , status: 500 },
  VIGIL_ERR_STORE: { message: 'the database cannot be opened', exitCode: EXIT.software , status: 500 },
  VIGIL_ERR_SPOOL: { message: 'the delivery spool cannot be written or read', exitCode: EXIT.software , status: 500 },
  VIGIL_ERR_TEAM_UNSUPPORTED: { message: 'a node on PostgreSQL does not do this yet', exitCode: EXIT.failure, status: 501 },
  VIGIL_ERR_ROLE_LOST: { message: 'this node no longer holds the team role the work needs', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_MIGRATION: { message: 'the database was written by a newer vigil', exitCode: EXIT.software , status: 500 },
  VIGIL_ERR_MIGRATE_SOURCE: { message: 'the home cannot be copied as it is', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_MIGRATE_TARGET: { message: 'the PostgreSQL database holds something else than this home', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_MIGRATE_VERIFY: { message: 'the copy in PostgreSQL does not match the home', exitCode: EXIT.software, status: 500 },
  VIGIL_ERR_LOG_CORRUPT: { message: 'a daily log does not verify', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_LOG_MISSING: { message: 'there is no daily log for that date', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_DECISION_INVALID: { message: 'the model returned an invalid decision', exitCode: EXIT.software , status: 500 },
  VIGIL_ERR_UNKNOWN_ACTION: { message: 'the action is not in the catalog', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_ACTION_PARAMS: { message: 'the action parameters do not match its schema', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_APPROVAL_NOT_FOUND: { message: 'no such approval', exitCode: EXIT.failure , status: 404 },
  VIGIL_ERR_APPROVAL_CLOSED: { message: 'the approval is no longer pending', exitCode: EXIT.failure , status: 409 },
  VIGIL_ERR_SUGGESTION_NOT_FOUND: { message: 'no such rule suggestion', exitCode: EXIT.failure, status: 404 },
  VIGIL_ERR_SUGGESTION_CLOSED: { message: 'the rule suggestion was accepted already or has expired', exitCode: EXIT.failure, status: 409 },
  VIGIL_ERR_POLICY_DENIED: { message: 'the policy denies this action', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_WORKER: { message: 'the execution worker failed', exitCode: EXIT.software , status: 500 },
  VIGIL_ERR_USAGE: { message: 'invalid command line', exitCode: EXIT.usage , status: 400 },
  VIGIL_ERR_ASK: { message: 'an instruction must be 1 to 4000 characters of text', exitCode: EXIT.usage, status: 400 },
  VIGIL_ERR_ASK_TIMEOUT: { message: 'the instruction was not decided in time; it stays in the inbox and is answered later', exitCode: EXIT.failure, status: 504 },
  VIGIL_ERR_WEBHOOK_HEADERS: { message: 'a webhook delivery lacks its GitHub headers', exitCode: EXIT.failure , status: 400 },
  VIGIL_ERR_SIGNATURE: { message: 'a webhook signature is missing or does not match', exitCode: EXIT.failure , status: 401 },
  VIGIL_ERR_WEBHOOK_BODY: { message: 'a webhook body is not a JSON payload', exitCode: EXIT.failure , status: 400 },
  VIGIL_ERR_WEBHOOK_TOO_LARGE: { message: 'a webhook body is larger than GitHub sends (25 MB)', exitCode: EXIT.failure , status: 413 },
  VIGIL_ERR_WEBHOOK_TIMEOUT: { message: 'a webhook body did not arrive within http.bodyTimeoutSeconds', exitCode: EXIT.failure , status: 408 },
  VIGIL_ERR_WEBHOOK_BUSY: { message: 'too many unverified webhook bytes are in flight; retry later', exitCode: EXIT.tempfail , status: 503 },
  VIGIL_ERR_WEBHOOK_UNAVAILABLE: { message: 'the delivery could not be stored durably now; retry later', exitCode: EXIT.tempfail , status: 503 },
  VIGIL_ERR_GITHUB_CREDENTIALS: { message: 'no GitHub token or GitHub App is configured', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_GITHUB_QUERY: { message: 'the GitHub read is not valid or not allowed', exitCode: EXIT.failure, status: 400 },
  VIGIL_ERR_GITHUB_INSTALLATION: { message: 'the GitHub App is not installed there', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_CAPABILITY: { message: 'the capability token is invalid, used, expired or for another approval', exitCode: EXIT.failure , status: 403 },
  VIGIL_ERR_CSRF: { message: 'the request lacks a valid CSRF token', exitCode: EXIT.failure , status: 403 },
  VIGIL_ERR_LOGIN_LIMIT: { message: 'too many failed logins: wait before trying again', exitCode: EXIT.tempfail , status: 429 },
  VIGIL_ERR_PUSH_SUBSCRIPTION: { message: 'the push subscription is not valid', exitCode: EXIT.failure , status: 400 },
  VIGIL_ERR_NOTIFY: { message: 'no notification channel delivered', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_DREAM_BUSY: { message: 'a dream is already in progress', exitCode: EXIT.tempfail , status: 409 },
  VIGIL_ERR_DREAM_FAILED: { message: 'the dream failed', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_DREAM_OPERATIONS: { message: 'the model proposed invalid memory operations', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MEMORY_PATH: { message: 'the path is outside the memory folder or not allowed', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MEMORY_COMMAND: { message: 'the memory command cannot be applied', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MEMORY_VERSION: { message: 'no such version in the memory history', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MEMORY_FACT: { message: 'no such fact in that topic, or its new text is empty or too long', exitCode: EXIT.usage, status: 400 },
  VIGIL_ERR_MEMORY_CONFLICT: { message: 'the fact changed since the page showed it; nothing was written: load the page again', exitCode: EXIT.failure, status: 409 },
  VIGIL_ERR_INVESTIGATE: { message: 'the investigation tool cannot answer that', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_SERVICE: { message: 'the system service could not be installed or removed', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_SETUP: { message: 'vigil init could not finish a step', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_SIMULATE_REFUSED: { message: 'the daemon refused the simulated delivery', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_SIMULATE_WAIT: { message: 'the simulated delivery was not decided within --wait', exitCode: EXIT.failure, status: 500 },
  VIGIL_ERR_DOCTOR: { message: 'a doctor check failed', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MODEL_CALL: { message: 'the model call failed', exitCode: EXIT.failure , status: 500 },
  VIGIL_ERR_MODEL_CONFIG: { message: 'the model server refuses part of the request (a configuration change is needed)', exitCode: EXIT.config, status: 500 },
  VIGIL_ERR_UNAUTHORISED: { message: 'the dashboard token (Bearer) or a logged-in session is required', exitCode: EXIT.failure, status: 401 },
  VIGIL_ERR_NOT_FOUND: { message: 'no such route', exitCode: EXIT.failure, status: 404 },
  VIGIL_ERR_BAD_REQUEST: { message: 'the request is not valid', exitCode: EXIT.failure, status: 400 },
  VIGIL_ERR_BODY_TOO_LARGE: { message: 'the request body is too large', exitCode: EXIT.failure, status: 413 },
  VIGIL_ERR_MEDIA_TYPE: { message: 'the request body has a content type this route does not take', exitCode: EXIT.failure, status: 415 },
  VIGIL_ERR_RATE_LIMIT: { message: 'too many requests: wait before trying again', exitCode: EXIT.tempfail, status: 429 },
  VIGIL_ERR_INTERNAL: { message: 'the daemon failed to answer this request', exitCode: EXIT.software, status: 500 },
  VIGIL_ERR_MODEL_CIRCUIT_OPEN: { message: 'the model circuit is open: calls wait until it closes', exitCode: EXIT.tempfail , status: 500 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The one body of every HTTP error answer. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export interface VigilErrorOptions {
  cause?: unknown;
  /**
   * An HTTP status other than the code's own, for the rare route whose contract tells
   * cases of one code apart (the capability route: a missing token is 400, an unknown
   * approval 404, every other refusal the code's 403).
   */
  httpStatus?: number;
}

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** The HTTP status the daemon's error handler answers with. */
  readonly httpStatus: number;

  constructor(code: ErrorCode, detail?: string, options?: VigilErrorOptions) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.exitCode = spec.exitCode;
    this.httpStatus = options?.httpStatus ?? spec.status;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/**
 * The one way an error becomes text for a log line or the terminal: a VigilError's
 * message with its code (`message [VIGIL_ERR_…]`), any other Error's message (its name
 * when the message is empty), or whatever else was thrown, as a string.
 */
export function errorText(err: unknown): string {
  if (err instanceof VigilError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export function isVigilError(err: unknown, code?: ErrorCode): err is VigilError {
  return err instanceof VigilError && (code === undefined || err.code === code);
}
