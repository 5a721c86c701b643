import { pino, type DestinationStream, type Logger } from 'pino';
import { makeRedactor, MIN_SECRET_LENGTH, REDACTED, secretMask, type Redact } from '../secrets/index.js';

/**
 * Operational logs: what the daemon tells whoever runs it (journald under systemd,
 * the log files of a LaunchAgent, a terminal), one JSON line each on stdout. The
 * hash-chained daily logs (src/logs) are the record of what vigil did; these lines
 * are only how it is doing. Writes are synchronous: nothing to flush at exit, and no
 * worker thread — an idle daemon stays one light process.
 */
export type OplogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const OPLOG_LEVELS: readonly OplogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Oplog {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  setLevel(level: OplogLevel): void;
  /** Values that must never be printed (tokens, keys): replaced wherever they appear. */
  redactValues(values: Iterable<unknown>): void;
}

export interface OplogOptions {
  level?: OplogLevel;
  /** Defaults to stdout (fd 1), written synchronously. */
  destination?: DestinationStream;
}

export { REDACTED };
/** A field with such a name is never printed, whatever its value. */
const SECRET_KEY = /token|secret|password|passphrase|authorization|cookie|api[-_]?key|private[-_]?key/i;
const MAX_DEPTH = 6;

export function createOplog(options: OplogOptions = {}): Oplog {
  const logger: Logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const values = new Set<string>();
  let own: Redact = (text) => text;
  // pino's own `redact` knows fixed paths only; a secret can also hide inside an error
  // message or a URL, so known values are scrubbed too, at any depth, in every form
  // (JSON-escaped, base64, a PEM's body): the values handed here, and every secret the
  // process read (src/secrets/mask.ts).
  const scrubString = (text: string) => secretMask().redact(own(text));
  const emit = (level: 'error' | 'warn' | 'info' | 'debug') => (msg: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(level)) return;
    if (fields) logger[level](scrub(fields, scrubString, 0) as object, scrubString(msg));
    else logger[level](scrubString(msg));
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    setLevel: (level) => {
      logger.level = level;
    },
    redactValues: (more) => {
      for (const value of more) if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) values.add(value);
      own = makeRedactor([...values]);
    },
  };
}

/** An oplog that prints nothing: for a daemon embedded in tests or tools. */
export function silentOplog(): Oplog {
  return createOplog({ level: 'silent' });
}

/** Every string inside a value (e.g. the parsed secrets), for `redactValues`. */
export function stringLeaves(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return [];
  return Object.values(value as Record<string, unknown>).flatMap((v) => stringLeaves(v, depth + 1));
}

function scrub(value: unknown, scrubString: Redact, depth: number): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value instanceof Error) return { type: value.name, message: scrubString(value.message) };
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, scrubString, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[scrubString(key)] = SECRET_KEY.test(key) && v !== undefined && v !== null ? REDACTED : scrub(v, scrubString, depth + 1);
  }
  return out;
}
