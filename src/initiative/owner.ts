import fs from 'node:fs/promises';
import type { OwnerConfig } from '../config/index.js';
import { foreignZone, systemZoneName } from '../time-zone.js';
import { withinHours } from '../tick/index.js';

/** Who vigil works for, as a decision is told: `owner` in config, the zone resolved. */
export interface OwnerProfile {
  login?: string | undefined;
  name?: string | undefined;
  /** An IANA zone: `owner.timezone`, else `tick.timezone`, else the system's. */
  timezone: string;
  workingHours?: string | undefined;
}

/** The owner's standing orders when `HEARTBEAT.md` is missing or empty. */
export const DEFAULT_STANDING_ORDERS = [
  '- Tell me once when the default branch\'s CI of a watched repository turns red, and once when it is green again.',
  '- Tell me about pull requests waiting on my review, and about my own pull requests with failing checks, requested changes or conflicts.',
  '- Remind me of what I asked to be reminded of when it is due.',
  '- Otherwise stay quiet: a tick with nothing new for me is act=false.',
].join('\n');

/** Standing orders longer than this are cut: they are in every tick's prompt. */
const ORDERS_CAP = 8 * 1024;

export function ownerProfile(owner: Readonly<OwnerConfig>, tickZone?: string): OwnerProfile {
  return {
    ...(owner.login ? { login: owner.login } : {}),
    ...(owner.name ? { name: owner.name } : {}),
    timezone: owner.timezone ?? tickZone ?? systemZone(),
    ...(owner.workingHours ? { workingHours: owner.workingHours } : {}),
  };
}

/** The system's zone: the name `/etc/localtime` links to, else Intl's (which loads ICU's tables). */
function systemZone(): string {
  return systemZoneName() ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

/** The stable prefix's lines about the owner: no time in them, so they cache. */
export function describeOwner(owner: OwnerProfile): string {
  const who = owner.name && owner.login ? `${owner.name} (GitHub @${owner.login})` : owner.name ?? (owner.login ? `GitHub @${owner.login}` : 'not named in the config');
  return [
    `You work for ${who}, the owner of this vigil.`,
    `Their time zone: ${owner.timezone}.`,
    owner.workingHours ? `Their working hours: ${owner.workingHours} (local time).` : 'Their working hours are not set.',
  ].join('\n');
}

/**
 * The owner's local time for the dynamic suffix: `Monday 2026-11-30 09:00 (Europe/Berlin,
 * UTC+01:00), within working hours`. Standing orders say "Monday morning", not UTC.
 */
export function ownerLocalTime(now: number, owner: OwnerProfile): string {
  const zone = foreignZone(owner.timezone);
  const { time, offset } = zone ? zonedClock(now, zone) : processClock(now);
  const local = `${time} (${owner.timezone}, ${offset})`;
  if (!owner.workingHours) return local;
  const working = withinHours(owner.workingHours, now, zone);
  return `${local}, ${working ? 'within' : 'outside'} the owner's working hours`;
}

interface LocalTime {
  /** `Monday 2026-11-30 09:00` */
  time: string;
  /** `UTC+01:00` */
  offset: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Exported for the test that holds it to Intl's answer for the same zone. */
export function processClock(now: number): LocalTime {
  const d = new Date(now);
  const minutes = -d.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return {
    time: `${WEEKDAYS[d.getDay()]} ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`,
    offset: `UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`,
  };
}

export function zonedClock(now: number, zone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'long',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(now));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    time: `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`,
    offset: get('timeZoneName').replace(/^GMT$/, 'GMT+00:00').replace('GMT', 'UTC'),
  };
}

/** `HEARTBEAT.md` as the owner wrote it, capped; the built-in default when it is missing or blank. */
export async function readStandingOrders(file: string | undefined): Promise<{ text: string; fromFile: boolean }> {
  const text = file ? await fs.readFile(file, 'utf8').catch(() => '') : '';
  const trimmed = text.trim();
  if (!trimmed) return { text: DEFAULT_STANDING_ORDERS, fromFile: false };
  return { text: trimmed.slice(0, ORDERS_CAP), fromFile: true };
}
