/**
 * The advisory-lock keys of the team store: `pg_advisory_lock(ADVISORY_CLASS, key)`. The
 * class keeps vigil's locks apart from any other application's in the same database.
 */

/** "vigi" in ASCII: 0x76696769. */
export const ADVISORY_CLASS = 0x76696769;

export const MIGRATION_LOCK = 1;

/**
 * A second class, "vigl": one transaction-scoped lock per coalescing subject while a node
 * claims its group (inbox-groups.ts), keyed by 32 bits of the subject's digest. Two
 * subjects that share the bits only take turns.
 */
export const GROUP_CLASS = 0x7669676c;

/** The hourly cap of notifications (issue 19): nodes admit one notification at a time, so the count they read is the count. */
export const NOTIFY_CAP_LOCK = 2;

/** The team's login limits (issue 19): nodes judge one try at a time, so the failures they count are every failure. */
export const LOGIN_LOCK = 3;

/** Roles one node at a time holds (issue 19): failover when the holder's connection dies. */
export const ROLES = {
  tick: 101,
  dreamer: 102,
  redelivery: 103,
} as const;

export type RoleName = keyof typeof ROLES;
