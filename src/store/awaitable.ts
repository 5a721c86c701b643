/**
 * What a table that two stores implement returns: SQLite's answers at once, PostgreSQL's
 * (issue 19) with a promise. Callers await either; SQLite's path allocates nothing more.
 */
export type Awaitable<T> = T | Promise<T>;
