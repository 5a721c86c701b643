import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The design lives in the repository (issue 13): docs/architecture.md names every room
// under src/ and nothing that is not there, and the code cites only docs that exist.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');

function rooms(): string[] {
  return fs
    .readdirSync(src, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|cjs|mjs)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every `src/<name>/` the text mentions. */
function mentionedRooms(text: string): string[] {
  return [...new Set([...text.matchAll(/\bsrc\/([A-Za-z0-9_.-]+)\//g)].map((m) => m[1]!))].sort();
}

describe('docs/architecture.md', () => {
  const doc = fs.readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

  it('names every folder directly under src/', () => {
    const named = new Set(mentionedRooms(doc));
    expect(rooms().filter((room) => !named.has(room))).toEqual([]);
  });

  it('names no src/ folder that does not exist', () => {
    const existing = new Set(rooms());
    expect(mentionedRooms(doc).filter((room) => !existing.has(room))).toEqual([]);
  });

  it('finds rooms the way the checks above read them', () => {
    expect(mentionedRooms('`src/tick/` and src/web/pages.ts, not src/errors.ts')).toEqual(['tick', 'web']);
  });
});

describe('what the code cites', () => {
  const files = sourceFiles(src);

  it('no file in src/ cites DESIGN.md or STYLE.md, which a clone does not contain', () => {
    const citing = files.filter((file) => /\b(DESIGN|STYLE)\.md\b/.test(fs.readFileSync(file, 'utf8')));
    expect(citing.map((file) => path.relative(root, file))).toEqual([]);
  });

  it('every docs/*.md a file in src/ cites exists', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bdocs\/([\w./-]+?\.md)\b/g)) {
        if (!fs.existsSync(path.join(root, 'docs', m[1]!))) missing.push(`${path.relative(root, file)}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  // Error messages and doctor's fixes send people to a README section by name
  // (`README "GitHub access"`); a renamed or moved section would leave them nowhere.
  it('every README section a file in src/ names is a heading of README.md', () => {
    const headings = new Set([...fs.readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim()));
    const cited: string[] = [];
    const missing: string[] = [];
    for (const file of files) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bREADME:? \\?"([^"\\]+)\\?"/g)) {
        cited.push(m[1]!);
        if (!headings.has(m[1]!)) missing.push(`${path.relative(root, file)}: README "${m[1]}"`);
      }
    }
    expect(cited.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
