/** What in a fact can be checked against a repository: paths, commands, symbols. */
export interface References {
  paths: string[];
  commands: string[];
  symbols: string[];
}

const FILE_EXT = /\.(ts|tsx|js|jsx|mjs|cjs|json|md|mdx|yml|yaml|toml|ini|cfg|py|go|rs|rb|java|kt|c|h|cc|cpp|hpp|cs|sh|bash|zsh|txt|lock|css|scss|html|sql|env|xml|gradle|swift|php|vue|svelte)$/i;
const COMMAND = /^(npm|npx|yarn|pnpm|bun|make|node|cargo|go|python3?|pytest|deno|just|gradle|mvn)\b/;
const SYMBOL = /^[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*(?:\(\))?$/;
// A bare path in prose: at least one directory, and a file extension.
const BARE_PATH = /(?:^|[\s(])((?:\.\/)?[\w@.-]+(?:\/[\w@.-]+)+\.[A-Za-z0-9]{1,8})(?=$|[\s,;:)]|\.(?:\s|$))/g;

function isPath(token: string, repoNames: ReadonlySet<string>): boolean {
  if (/\s/.test(token) || token.includes('://') || token.startsWith('/') || token.startsWith('~')) return false;
  if (token.split('/').includes('..') || repoNames.has(token.toLowerCase())) return false;
  return token.includes('/') || FILE_EXT.test(token);
}

/**
 * A symbol worth a lookup looks like code, not like a word or a domain: a call
 * `parse()`, camelCase, PascalCase with two humps, snake_case, or a member of a
 * capitalised name (`Config.load`). Plain words in backticks (`main`, `trunk` — branch
 * names) and lower-case dotted names (`fly.io`) are not symbols.
 */
function isSymbol(token: string): boolean {
  if (!SYMBOL.test(token) || token.length < 3) return false;
  const code = (part: string) => /[a-z][A-Z]/.test(part) || /^[A-Z][a-z0-9]+[A-Z]/.test(part) || /[a-z0-9]_[a-z0-9]/i.test(part);
  if (token.endsWith('()')) return true;
  const parts = token.split(/\.|::|#/);
  if (parts.length > 1) return /^[A-Z]/.test(parts[0]!) || parts.some(code);
  return code(token);
}

/** The part of a symbol to look for: the most specific (longest) segment. */
export function symbolNeedle(symbol: string): string {
  return symbol.split(/\.|::|#/).reduce((a, b) => (b.length > a.length ? b : a));
}

export function referencesOf(text: string, repoNames: ReadonlySet<string>): References {
  const refs: References = { paths: [], commands: [], symbols: [] };
  const quoted = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim());
  for (const token of quoted) {
    if (COMMAND.test(token)) refs.commands.push(token.replace(/\s+/g, ' '));
    else if (isPath(token, repoNames)) refs.paths.push(token.replace(/^\.\//, '').replace(/\/$/, ''));
    else if (isSymbol(token)) refs.symbols.push(token.replace(/\(\)$/, ''));
  }
  const prose = text.replace(/`[^`\n]+`/g, ' ');
  for (const m of prose.matchAll(BARE_PATH)) {
    const token = m[1]!.replace(/^\.\//, '');
    if (isPath(token, repoNames)) refs.paths.push(token);
  }
  return { paths: [...new Set(refs.paths)], commands: [...new Set(refs.commands)], symbols: [...new Set(refs.symbols)] };
}
