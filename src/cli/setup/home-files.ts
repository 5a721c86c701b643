import fs from 'node:fs';

/**
 * `vigil init` changes the owner's files in place: it merges what it learnt into the
 * JSON already there (never dropping a key it does not know) and writes it atomically,
 * secrets.json with mode 0600 from the first byte.
 */
export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function writeJson(file: string, value: unknown, mode: number): void {
  const temp = `${file}.init-${process.pid}`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2) + '\n', { mode });
  fs.chmodSync(temp, mode);
  fs.renameSync(temp, file);
}

/** `set(config, ['notify', 'ntfy'], { url })`: objects on the way are made or kept. */
export function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    at = at[key] = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
  }
  at[keys.at(-1)!] = value;
}
