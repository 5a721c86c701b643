import path from 'node:path';
import { z } from 'zod';
import { VigilError } from '../errors.js';
import type { MemoryFiles } from './files.js';
import { resolveMemoryPath, VIRTUAL_ROOT, type MemoryPath } from './paths.js';

/** A file the model writes may not grow past this. */
export const MAX_MEMORY_FILE_BYTES = 100 * 1024;

const path_ = z.string();
/** The command set of Anthropic's memory tool (memory_20250818). */
export const MemoryCommand = z.discriminatedUnion('command', [
  z.object({ command: z.literal('view'), path: path_, view_range: z.tuple([z.number().int(), z.number().int()]).optional() }),
  z.object({ command: z.literal('create'), path: path_, file_text: z.string() }),
  z.object({ command: z.literal('str_replace'), path: path_, old_str: z.string().min(1), new_str: z.string().default('') }),
  z.object({ command: z.literal('insert'), path: path_, insert_line: z.number().int().min(0), insert_text: z.string() }),
  z.object({ command: z.literal('delete'), path: path_ }),
  z.object({ command: z.literal('rename'), old_path: path_, new_path: path_ }),
]);
export type MemoryCommand = z.input<typeof MemoryCommand>;

function fail(detail: string): never {
  throw new VigilError('VIGIL_ERR_MEMORY_COMMAND', detail);
}

const shown = (p: MemoryPath) => (p.rel ? `${VIRTUAL_ROOT}/${p.rel}` : VIRTUAL_ROOT);

/**
 * The model's memory tool: one command object in, the text answer out. Every path is
 * confined to the memory folder (resolveMemoryPath) and every write goes through
 * MemoryFiles, so it is atomic and the replaced version stays in the history.
 * Refusals and impossible edits throw VigilErrors the caller hands back as tool errors.
 */
export async function runMemoryCommand(files: MemoryFiles, raw: unknown): Promise<string> {
  const parsed = MemoryCommand.safeParse(raw);
  if (!parsed.success) fail(`invalid command: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const cmd = parsed.data;
  const at = (p: string) => resolveMemoryPath(files.fsx, files.root, p);
  switch (cmd.command) {
    case 'view':
      return view(files, at(cmd.path), cmd.view_range);
    case 'create': {
      const target = at(cmd.path);
      ensureWritable(files, target, cmd.file_text);
      await files.write(target.rel, cmd.file_text);
      return `File created successfully at ${shown(target)}`;
    }
    case 'str_replace': {
      const target = at(cmd.path);
      const text = readFile(files, target);
      const count = text.split(cmd.old_str).length - 1;
      if (count === 0) fail(`old_str does not appear verbatim in ${shown(target)}`);
      if (count > 1) fail(`old_str appears ${count} times in ${shown(target)}; make it unique`);
      const next = text.replace(cmd.old_str, () => cmd.new_str);
      ensureWritable(files, target, next);
      await files.write(target.rel, next);
      return `The memory file ${shown(target)} has been edited.`;
    }
    case 'insert': {
      const target = at(cmd.path);
      const lines = readFile(files, target).split('\n');
      if (cmd.insert_line > lines.length) fail(`insert_line ${cmd.insert_line} is past the end (${lines.length} lines)`);
      lines.splice(cmd.insert_line, 0, ...cmd.insert_text.replace(/\n$/, '').split('\n'));
      const next = lines.join('\n');
      ensureWritable(files, target, next);
      await files.write(target.rel, next);
      return `Text inserted at line ${cmd.insert_line} of ${shown(target)}.`;
    }
    case 'delete':
      return remove(files, at(cmd.path));
    case 'rename':
      return rename(files, at(cmd.old_path), at(cmd.new_path));
  }
}

function readFile(files: MemoryFiles, target: MemoryPath): string {
  const stat = files.fsx.lstat(target.abs);
  if (!stat) fail(`${shown(target)} does not exist`);
  if (!stat.isFile() && !stat.isSymbolicLink()) fail(`${shown(target)} is not a file`);
  return files.read(target.rel) ?? fail(`${shown(target)} does not exist`);
}

function ensureWritable(files: MemoryFiles, target: MemoryPath, content: string): void {
  if (!target.rel) fail('the memory folder itself is not a file');
  if (files.fsx.lstat(target.abs)?.isDirectory()) fail(`${shown(target)} is a directory`);
  if (Buffer.byteLength(content) > MAX_MEMORY_FILE_BYTES) fail(`a memory file holds at most ${MAX_MEMORY_FILE_BYTES} bytes`);
}

function view(files: MemoryFiles, target: MemoryPath, range?: [number, number]): string {
  const stat = files.fsx.lstat(target.abs);
  if (!stat && target.rel) fail(`${shown(target)} does not exist`);
  if (!stat || stat.isDirectory()) {
    const lines = listTree(files, target.abs, target.rel, 2).map(([rel, size]) => `${size}\t${VIRTUAL_ROOT}/${rel}`);
    return [`Files and directories up to 2 levels deep in ${shown(target)}, hidden items excluded:`, ...lines].join('\n');
  }
  const lines = readFile(files, target).split('\n');
  const [from, to] = range ?? [1, lines.length];
  const last = to === -1 ? lines.length : Math.min(to, lines.length);
  if (from < 1 || from > Math.max(lines.length, 1) || last < from) fail(`view_range [${from}, ${to}] is outside 1..${lines.length}`);
  const body = lines.slice(from - 1, last).map((line, i) => `${String(from + i).padStart(6)}\t${line}`);
  return [`Here's the content of ${shown(target)} with line numbers:`, ...body].join('\n');
}

function listTree(files: MemoryFiles, dir: string, rel: string, depth: number): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of files.fsx.list(dir).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const size = files.fsx.lstat(path.join(dir, entry.name))?.size ?? 0;
    out.push([childRel + (entry.isDirectory() ? '/' : ''), `${size}`]);
    if (entry.isDirectory() && depth > 1) out.push(...listTree(files, path.join(dir, entry.name), childRel, depth - 1));
  }
  return out;
}

async function remove(files: MemoryFiles, target: MemoryPath): Promise<string> {
  if (!target.rel) fail('the memory folder itself cannot be deleted');
  const stat = files.fsx.lstat(target.abs);
  if (!stat) fail(`${shown(target)} does not exist`);
  if (stat.isDirectory()) {
    for (const [rel] of listTree(files, target.abs, target.rel, 64).reverse()) {
      if (rel.endsWith('/')) files.fsx.rmdir(files.abs(rel.slice(0, -1)));
      else await files.remove(rel);
    }
    files.fsx.rmdir(target.abs);
  } else if (stat.isSymbolicLink()) {
    files.fsx.unlink(target.abs);
  } else {
    await files.remove(target.rel);
  }
  return `Deleted ${shown(target)}`;
}

async function rename(files: MemoryFiles, from: MemoryPath, to: MemoryPath): Promise<string> {
  if (!from.rel || !to.rel) fail('the memory folder itself cannot be renamed');
  const stat = files.fsx.lstat(from.abs);
  if (!stat) fail(`${shown(from)} does not exist`);
  if (files.fsx.lstat(to.abs)) fail(`${shown(to)} already exists`);
  if (stat.isFile()) {
    const content = readFile(files, from);
    await files.write(to.rel, content);
    await files.remove(from.rel);
  } else {
    if (to.rel.startsWith(`${from.rel}/`)) fail(`cannot move ${shown(from)} into itself`);
    files.fsx.mkdirp(path.dirname(to.abs));
    files.fsx.rename(from.abs, to.abs);
  }
  return `Renamed ${shown(from)} to ${shown(to)}`;
}
