import fs from 'node:fs';

/**
 * Time zones read without ICU where the zone is the process's own (issue 18, idle RSS).
 * The first `Intl.DateTimeFormat` loads ICU's date tables, ~8 MB a long-running daemon
 * keeps for good; `Date`'s local fields read the same zone data for the system's zone. So
 * a configured zone that is the system's (what `vigil init` writes by default) is read
 * through `Date`, and only another zone goes through `Intl`.
 */

/** An IANA zone's shape: "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5". */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Names of the one zone ICU calls "UTC" (`vigil init` used to write Intl's name, the link says "Etc/UTC"). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'UCT', 'Etc/UCT']);

let linked: { name: string | undefined } | undefined;

/**
 * The system's zone as the zoneinfo file `/etc/localtime` links to names it (Linux,
 * macOS), read once; undefined where there is no such link, or where `TZ` is set (it
 * may be a POSIX rule rather than a name, and `Date` follows it).
 */
export function systemZoneName(): string | undefined {
  linked ??= { name: process.env.TZ === undefined ? readLinkedZone() : undefined };
  return linked.name;
}

function readLinkedZone(): string | undefined {
  try {
    const name = /zoneinfo\/(.+)$/.exec(fs.readlinkSync('/etc/localtime'))?.[1];
    return name && ZONE_NAME.test(name) ? name : undefined;
  } catch {
    return undefined; // no link (some containers, Windows)
  }
}

/** `zone`, or undefined when it is the system's own: then `Date`'s local fields say the same without ICU. */
export function foreignZone(zone: string | undefined, system = systemZoneName()): string | undefined {
  if (zone === undefined) return undefined;
  if (system === undefined) return zone;
  return zone === system || (UTC_NAMES.has(zone) && UTC_NAMES.has(system)) ? undefined : zone;
}
