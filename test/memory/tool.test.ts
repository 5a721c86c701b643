import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isVigilError } from '../../src/errors.js';
import { MemoryFiles } from '../../src/memory/index.js';
import { runMemoryCommand, MAX_MEMORY_FILE_BYTES } from '../../src/memory/tool.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

function setup() {
  const base = tempDir();
  const root = path.join(base, 'memory');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'topics'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
  fs.writeFileSync(path.join(root, 'MEMORY.md'), '# Memory\n');
  return { root, outside, files: new MemoryFiles(root) };
}

async function refusal(files: MemoryFiles, command: unknown): Promise<string> {
  try {
    await runMemoryCommand(files, command);
  } catch (err) {
    if (isVigilError(err, 'VIGIL_ERR_MEMORY_PATH')) return err.message;
    throw err;
  }
  throw new Error(`not refused: ${JSON.stringify(command)}`);
}

describe('the memory tool is confined to the memory folder', () => {
  const escapes = [
    '../outside/secret.txt',
    '/memories/../outside/secret.txt',
    'topics/../../outside/secret.txt',
    '/memories/topics/../../../etc/passwd',
    'a/b/../../../outside/new.md',
    '..',
  ];
  it.each(escapes)('refuses ".." in %s for every command', async (p) => {
    const { files, outside } = setup();
    for (const command of [
      { command: 'view', path: p },
      { command: 'create', path: p, file_text: 'pwned' },
      { command: 'str_replace', path: p, old_str: 'TOP', new_str: 'NOT' },
      { command: 'insert', path: p, insert_line: 0, insert_text: 'pwned' },
      { command: 'delete', path: p },
      { command: 'rename', old_path: 'MEMORY.md', new_path: p },
      { command: 'rename', old_path: p, new_path: 'stolen.md' },
    ]) {
      expect(await refusal(files, command)).toMatch(/".." is not allowed/);
    }
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET\n');
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
  });

  it.each(['/etc/passwd', '/tmp/x.md', '~/x.md', 'C:/Windows/x', '/memoriesX/a.md'])('refuses the absolute path %s', async (p) => {
    const { files } = setup();
    expect(await refusal(files, { command: 'view', path: p })).toMatch(/absolute paths are not allowed/);
    expect(await refusal(files, { command: 'create', path: p, file_text: 'x' })).toMatch(/absolute/);
  });

  it('refuses backslashes, NUL and hidden names (history, temp files, claims)', async () => {
    const { files } = setup();
    expect(await refusal(files, { command: 'view', path: '..\\outside\\secret.txt' })).toMatch(/backslashes/);
    expect(await refusal(files, { command: 'view', path: 'topics/a.md\0.txt' })).toMatch(/NUL/);
    expect(await refusal(files, { command: 'view', path: '/memories/.history/MEMORY.md' })).toMatch(/hidden/);
    expect(await refusal(files, { command: 'create', path: '.dream/notes-1-1.md', file_text: 'x' })).toMatch(/hidden/);
    expect(await refusal(files, { command: 'view', path: '' })).toMatch(/a path is required/);
  });

  it('refuses a symlink that leads out of the folder, as a file or as a directory on the way', async () => {
    const { files, root, outside } = setup();
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'topics', 'link.md'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    expect(await refusal(files, { command: 'view', path: '/memories/topics/link.md' })).toMatch(/symlink leads outside/);
    expect(await refusal(files, { command: 'str_replace', path: 'topics/link.md', old_str: 'TOP', new_str: 'NOT' })).toMatch(/symlink/);
    expect(await refusal(files, { command: 'create', path: 'topics/link.md', file_text: 'over' })).toMatch(/symlink/);
    expect(await refusal(files, { command: 'view', path: 'escape/secret.txt' })).toMatch(/symlink leads outside/);
    expect(await refusal(files, { command: 'create', path: 'escape/new.md', file_text: 'x' })).toMatch(/symlink/);
    expect(await refusal(files, { command: 'delete', path: 'escape' })).toMatch(/symlink/);
    expect(await refusal(files, { command: 'rename', old_path: 'MEMORY.md', new_path: 'escape/MEMORY.md' })).toMatch(/symlink/);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET\n');
  });

  it('refuses a dangling symlink (it could be pointed anywhere later)', async () => {
    const { files, root, outside } = setup();
    fs.symlinkSync(path.join(outside, 'not-yet.md'), path.join(root, 'dangling.md'));
    expect(await refusal(files, { command: 'create', path: 'dangling.md', file_text: 'x' })).toMatch(/symlink that leads nowhere/);
    expect(fs.existsSync(path.join(outside, 'not-yet.md'))).toBe(false);
  });

  it('allows a symlink that stays inside the folder', async () => {
    const { files, root } = setup();
    fs.writeFileSync(path.join(root, 'topics', 'real.md'), 'inside\n');
    fs.symlinkSync(path.join(root, 'topics', 'real.md'), path.join(root, 'alias.md'));
    expect(await runMemoryCommand(files, { command: 'view', path: 'alias.md' })).toContain('inside');
  });
});

describe('the memory tool commands (Anthropic memory tool set)', () => {
  it('create, view (with line numbers and a range), str_replace, insert, rename, delete', async () => {
    const { files, root } = setup();
    expect(await runMemoryCommand(files, { command: 'create', path: '/memories/topics/octo-app.md', file_text: 'a\nb\nc' })).toMatch(/created/);
    const view = await runMemoryCommand(files, { command: 'view', path: '/memories/topics/octo-app.md', view_range: [2, 3] });
    expect(view.split('\n').slice(1)).toEqual(['     2\tb', '     3\tc']);
    await runMemoryCommand(files, { command: 'str_replace', path: 'topics/octo-app.md', old_str: 'b', new_str: 'B' });
    await runMemoryCommand(files, { command: 'insert', path: 'topics/octo-app.md', insert_line: 0, insert_text: 'top\n' });
    expect(fs.readFileSync(path.join(root, 'topics/octo-app.md'), 'utf8')).toBe('top\na\nB\nc');
    await runMemoryCommand(files, { command: 'rename', old_path: 'topics/octo-app.md', new_path: '/memories/topics/app.md' });
    expect(fs.existsSync(path.join(root, 'topics/octo-app.md'))).toBe(false);
    const listing = await runMemoryCommand(files, { command: 'view', path: '/memories' });
    expect(listing).toContain('/memories/topics/app.md');
    expect(listing).toContain('/memories/MEMORY.md');
    expect(listing).not.toContain('.history');
    await runMemoryCommand(files, { command: 'delete', path: 'topics/app.md' });
    expect(fs.existsSync(path.join(root, 'topics/app.md'))).toBe(false);
    // Every replaced or deleted version was kept.
    expect(files.versions('topics/octo-app.md').length).toBeGreaterThanOrEqual(2);
    expect(files.readVersion('topics/app.md', files.versions('topics/app.md')[0]!.version)).toBe('top\na\nB\nc');
  });

  it('str_replace needs exactly one match; insert a line that exists; view a file that exists', async () => {
    const { files } = setup();
    await runMemoryCommand(files, { command: 'create', path: 'x.md', file_text: 'same same' });
    const codes = async (command: unknown) => {
      try {
        await runMemoryCommand(files, command);
        return 'ok';
      } catch (err) {
        return isVigilError(err) ? err.code : String(err);
      }
    };
    expect(await codes({ command: 'str_replace', path: 'x.md', old_str: 'same', new_str: 'x' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'str_replace', path: 'x.md', old_str: 'absent', new_str: 'x' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'insert', path: 'x.md', insert_line: 9, insert_text: 'x' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'view', path: 'nope.md' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'rename', old_path: 'x.md', new_path: 'MEMORY.md' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'delete', path: '/memories' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'create', path: 'big.md', file_text: 'x'.repeat(MAX_MEMORY_FILE_BYTES + 1) })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'format_disk' })).toBe('VIGIL_ERR_MEMORY_COMMAND');
    expect(await codes({ command: 'str_replace', path: 'x.md', old_str: 'same same', new_str: '$& $&' })).toBe('ok');
    expect(files.read('x.md')).toBe('$& $&');
  });
});
