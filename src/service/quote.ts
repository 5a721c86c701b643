/** Quoting for the three languages a service definition is written in: sh, systemd units, XML. */

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word as a person would paste it into sh: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && SHELL_SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * One word of a unit file setting (ExecStart argument, path list entry). systemd
 * expands `%` specifiers everywhere and `$VAR` in command lines, so both are doubled;
 * anything with a space or quote is double-quoted with C-style escapes.
 */
export function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `Environment="NAME=value"`: quoted as a whole; `$` is not expanded there, `%` is. */
export function systemdEnvironment(name: string, value: string): string {
  const escaped = `${name}=${value}`.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${escaped}"`;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
