import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

/**
 * A room's index.ts is its surface: what other rooms use, not a barrel of everything
 * (docs/architecture.md). The check is by word: an exported name that no file of another
 * room so much as mentions is not used there. Tests import internals directly.
 */
const SRC = path.join(ROOT, 'src');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Names an index.ts exports: `export { a, type B, c as d } from …` and `export function/const/class/interface/type X`. */
function exportedNames(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of match[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.push(name);
    }
  }
  for (const match of source.matchAll(/export\s+(?:declare\s+)?(?:async\s+)?(?:function|const|class|interface|type|let|enum)\s+(\w+)/g)) names.push(match[1]!);
  return names;
}

const rooms = fs
  .readdirSync(SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(SRC, e.name, 'index.ts')))
  .map((e) => e.name);

describe('each room exports what other rooms use', () => {
  it('reads the names of an export list, aliases and types included', () => {
    expect(exportedNames("export { a, type B, c as d } from './x.js';\nexport type { E } from './y.js';\nexport async function f() {}")).toEqual(['a', 'B', 'd', 'E', 'f']);
  });

  it.each(rooms)('src/%s/index.ts', (room) => {
    const others = filesUnder(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, room) + path.sep))
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
    const unused = exportedNames(fs.readFileSync(path.join(SRC, room, 'index.ts'), 'utf8')).filter(
      (name) => !new RegExp(`\\b${name}\\b`).test(others),
    );
    expect(unused, `exported by src/${room}/index.ts but named by no other room: tests import such names from their own file`).toEqual([]);
  });
});
