/**
 * Append-only, hash-chained daily logs: `<dir>/YYYY-MM-DD.jsonl`, one file per local day,
 * one JSON entry per line. Line format, byte for byte:
 *   body = JSON.stringify({ ts, seq, type, ...fields, prev })
 *   line = body without its final "}" + `,"hash":"${sha256hex(body)}"}` + "\n"
 * The first entry of a file chains from sha256hex(`vigil-log:${date}`). A line torn by a
 * crash is terminated (never rewritten) by the next writer and named by a `log.torn`
 * entry that continues the chain.
 */
export type { LogEntry } from './types.js';
export { DailyLog } from './daily-log.js';
export { verifyLogDir, verifyChainLines } from './verify.js';
export { chainRecords, chainStart, type ChainHead } from './chain.js';
export { parseEntryLine, splitLines } from './line.js';
export type { VerifyResult, LogRecord } from './types.js';
export {
  listLogDates,
  logFilePath,
  readLastEntries,
  readLogEntries,
  readLogEntriesFrom,
  recentLogEntries,
} from './read.js';
export { renderEntry } from './render.js';
export { followLog } from './follow.js';
export { followTeamLog } from './team-follow.js';
export { boundText, boundValue, MAX_FIELD_CHARS } from './bound.js';
