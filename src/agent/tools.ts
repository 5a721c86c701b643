import fs from 'node:fs';
import path from 'node:path';
import { checkCommand } from './command-check.js';
import { confine, isGitName, Refusal, relativeTo } from './confine.js';
import { containCommand, type Containment } from './contain.js';
import { runCapped } from './run.js';

/**
 * The built-in agent's tools, all confined to the worktree (its `.git` excluded). A
 * refused call (a path outside, a command not allowed, no sandbox) is answered to the
 * model as an error and reported to `onRefusal`; the loop goes on. Every answer passes
 * the redactor before the model sees it: a file or a test's output may hold a secret.
 */

export interface ToolLimits {
  allowCommands: readonly string[];
  bashTimeoutMs: number;
  /** Characters of a tool's answer the model sees. */
  outputCap: number;
  /** How commands run: sandboxed, or refused, or bare with agent.unsandboxed. */
  containment: Containment;
  /** Replaces each secret vigil holds with [redacted]. */
  redact: (text: string) => string;
}

export interface ToolResult {
  content: string;
  isError: boolean;
  refused?: string;
}

const str = { type: 'string' } as const;
export const TOOL_DEFINITIONS = [
  { name: 'read_file', description: 'Read a text file of the worktree.', inputSchema: { type: 'object', properties: { path: str }, required: ['path'] } },
  {
    name: 'glob',
    description: 'List files of the worktree matching a glob (`**` any depth, `*` within a name).',
    inputSchema: { type: 'object', properties: { pattern: str }, required: ['pattern'] },
  },
  {
    name: 'grep',
    description: 'Search the worktree for a regular expression; answers path:line: text.',
    inputSchema: { type: 'object', properties: { pattern: str, path: str }, required: ['pattern'] },
  },
  {
    name: 'edit',
    description: 'Replace an exact string (which must occur exactly once) in a file.',
    inputSchema: { type: 'object', properties: { path: str, old_string: str, new_string: str }, required: ['path', 'old_string', 'new_string'] },
  },
  {
    name: 'write_file',
    description: 'Create or overwrite a file of the worktree.',
    inputSchema: { type: 'object', properties: { path: str, content: str }, required: ['path', 'content'] },
  },
  {
    name: 'bash',
    description: 'Run one allowed command (e.g. the test command) in the worktree. No shell operators, no network.',
    inputSchema: { type: 'object', properties: { command: str }, required: ['command'] },
  },
] as const;

export async function runTool(root: string, name: string, input: Record<string, unknown>, limits: ToolLimits, signal: AbortSignal): Promise<ToolResult> {
  try {
    const content = await dispatch(root, name, input, limits, signal);
    return { content: limits.redact(cap(content, limits.outputCap)), isError: false };
  } catch (err) {
    const message = limits.redact((err as Error).message ?? String(err));
    if (err instanceof Refusal) return { content: `refused: ${message}`, isError: true, refused: message };
    return { content: `error: ${message}`, isError: true };
  }
}

async function dispatch(root: string, name: string, input: Record<string, unknown>, limits: ToolLimits, signal: AbortSignal): Promise<string> {
  const text = (key: string): string => {
    const value = input[key];
    if (typeof value !== 'string') throw new Error(`"${key}" must be a string`);
    return value;
  };
  switch (name) {
    case 'read_file':
      return fs.readFileSync(confine(root, text('path')), 'utf8');
    case 'write_file': {
      const file = confine(root, text('path'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text('content'));
      return `wrote ${relativeTo(root, file)}`;
    }
    case 'edit': {
      const file = confine(root, text('path'));
      const before = fs.readFileSync(file, 'utf8');
      const count = before.split(text('old_string')).length - 1;
      if (count !== 1) throw new Error(`old_string occurs ${count} times in ${text('path')}; it must occur exactly once`);
      fs.writeFileSync(file, before.replace(text('old_string'), () => text('new_string')));
      return `edited ${relativeTo(root, file)}`;
    }
    case 'glob': {
      const matcher = globToRegExp(text('pattern'));
      return walk(root).filter((f) => matcher.test(f)).join('\n') || '(no match)';
    }
    case 'grep': {
      const regex = new RegExp(text('pattern'));
      const base = typeof input.path === 'string' ? relativeTo(root, confine(root, input.path)) : '.';
      const hits: string[] = [];
      for (const file of walk(root).filter((f) => base === '.' || f === base || f.startsWith(base + '/'))) {
        const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
        lines.forEach((line, i) => regex.test(line) && hits.push(`${file}:${i + 1}: ${line}`));
      }
      return hits.join('\n') || '(no match)';
    }
    case 'bash':
      return bash(root, text('command'), limits, signal);
    default:
      throw new Error(`no tool named "${name}"`);
  }
}

async function bash(root: string, command: string, limits: ToolLimits, signal: AbortSignal): Promise<string> {
  const words = checkCommand(command, limits.allowCommands);
  const run = containCommand(limits.containment, root, words);
  const result = await runCapped(run.argv, { cwd: root, timeoutMs: limits.bashTimeoutMs, outputCap: limits.outputCap, env: run.env, signal });
  const status = result.timedOut ? `timed out after ${limits.bashTimeoutMs} ms` : result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
  const notes = `${result.truncated ? ' (output truncated)' : ''}${run.bare ? ' (no sandbox: agent.unsandboxed is set)' : ''}`;
  return `${status}${notes}\n${result.output}`;
}

/** Files under root (worktree-relative, `/`-separated), without .git (any case) and node_modules; symlinks not followed. */
function walk(root: string, dir = '', out: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (isGitName(entry.name) || entry.name === 'node_modules') continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(root, rel, out);
    else if (entry.isFile()) out.push(rel);
    if (out.length >= 5000) break;
  }
  return out;
}

export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function cap(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (${text.length - limit} more characters cut)`;
}
