import { styleText } from 'node:util';

/**
 * How vigil writes for a person in a terminal, in one place so that `vigil start`,
 * `status`, `log` and `approvals` agree (issue 16): times in the local zone, with the
 * date only when it is not today; ISO-8601 with the local offset for machines (`--json`);
 * colour through `styleText`, and none when NO_COLOR is set or the output is no TTY.
 */

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function toDate(at: number | string | Date): Date | undefined {
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** `14:03:22` today, `2026-11-29 14:03:22` any other day (local time; `now` decides what today is). */
export function timeForPeople(at: number | string | Date, now: number): string {
  const d = toDate(at);
  if (!d) return String(at);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return localDay(d) === localDay(new Date(now)) ? clock : `${localDay(d)} ${clock}`;
}

/** ISO-8601 in the local zone with its offset, e.g. `2026-11-30T18:44:25.123+01:00`. */
export function isoWithOffset(at: number | string | Date): string {
  const d = toDate(at);
  if (!d) return String(at);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
  return (
    `${localDay(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` + zone
  );
}

/** A duration as a person says it: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function durationForPeople(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const days = Math.floor(h / 24);
  return h % 24 ? `${days}d ${h % 24}h` : `${days}d`;
}

export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan' | 'gray';

/** Paints text, or returns it untouched when colour is off. */
export type Paint = (style: Style, text: string) => string;

/**
 * Colour for a stream: on only when it is a TTY and NO_COLOR is unset or empty
 * (https://no-color.org). `styleText` is told not to look at the stream again: this
 * decision is the one that counts, the same for every line.
 */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Paint {
  const on = Boolean(stream.isTTY) && !env.NO_COLOR;
  if (!on) return (_style, text) => text;
  return (style, text) => styleText(style, text, { validateStream: false });
}

/**
 * A status report's `rejectedDeliveries` (webhook deliveries refused in the last hour) as
 * the dashboard and `vigil status` show it: "none", or how many and why. `span` follows
 * the count where the label does not already say the hour (`vigil status`).
 */
export function refusedDeliveriesText(value: unknown, span = ''): string {
  const r = (value ?? {}) as { lastHour?: number; direct?: Record<string, number>; proxy?: Record<string, number> };
  if (!r.lastHour) return typeof r.lastHour === 'number' ? 'none' : '—';
  const reasons = [
    ...Object.entries(r.direct ?? {}).map(([reason, n]) => `${n} ${reason}`),
    ...Object.entries(r.proxy ?? {}).map(([reason, n]) => `${n} ${reason} via proxy`),
  ];
  return `${r.lastHour}${span} (${reasons.join(', ')}) — see vigil doctor`;
}
