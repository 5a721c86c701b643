import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { referencesOf, symbolNeedle } from './references.js';
import type { FactRef, WorkingMemory } from './working-memory.js';

export interface LocalRepo {
  name: string;
  path: string;
}

type Verdict = { state: 'holds' } | { state: 'gone'; reason: string } | { state: 'unknown' };

const GIT_TIMEOUT_MS = 5000;
/** `npm run x`, `yarn x`, `pnpm run x`, `npm test`: the script name. */
const SCRIPT = /^(?:npm|pnpm|bun)(?: run(?:-script)?)? ([\w:.-]+)|^yarn (?:run )?([\w:.-]+)/;
const PACKAGE_BUILTINS = new Set(['install', 'i', 'ci', 'add', 'exec', 'init', 'publish', 'link', 'update', 'remove', 'x', 'dlx']);

function git(repo: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', timeout: GIT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/**
 * The verify phase: a fact that names a file, a path, a command or a symbol of a
 * watched local clone is checked against it. A reference is *gone* only when it is
 * known to have existed — in the clone's git history, or a package script or make
 * target that is absent while the manifest is there — and is missing now; that
 * fact is marked stale and leaves the index. Facts whose references all hold are
 * confirmed today (and a stale one comes back). Results are cached per dream.
 */
export class RepoVerifier {
  private readonly cache = new Map<string, Verdict>();
  private readonly names: Set<string>;

  constructor(private readonly repos: readonly LocalRepo[]) {
    this.names = new Set(repos.flatMap((r) => [r.name.toLowerCase()]));
  }

  verify(memory: WorkingMemory, today: string): { checked: number } {
    let checked = 0;
    if (this.repos.length === 0) return { checked };
    for (const ref of memory.all()) {
      const verdicts = this.check(ref);
      if (verdicts.length === 0) continue;
      checked++;
      const gone = verdicts.find((v): v is Extract<Verdict, { state: 'gone' }> => v.state === 'gone');
      if (gone) memory.markStale(ref, gone.reason, today);
      else if (verdicts.every((v) => v.state === 'holds')) {
        memory.revive(ref, today);
        memory.confirm(ref, today);
      }
    }
    return { checked };
  }

  private check(ref: FactRef): Verdict[] {
    const refs = referencesOf(ref.fact.text, this.names);
    const scope = this.scope(`${ref.topic.title} ${ref.fact.text}`);
    const out: Verdict[] = [];
    for (const p of refs.paths) out.push(this.across(scope, `path:${p}`, (repo) => this.checkPath(repo, p)));
    for (const c of refs.commands) out.push(this.across(scope, `cmd:${c}`, (repo) => this.checkCommand(repo, c)));
    for (const s of refs.symbols) out.push(this.across(scope, `sym:${s}`, (repo) => this.checkSymbol(repo, s)));
    return out.filter((v) => v.state !== 'unknown');
  }

  /** The repos a fact is about: those it names (as owner/repo or repo), else all of them. */
  private scope(text: string): LocalRepo[] {
    const lower = text.toLowerCase();
    const named = this.repos.filter((r) => {
      const short = r.name.split('/')[1]!.toLowerCase();
      return lower.includes(r.name.toLowerCase()) || new RegExp(`(^|[^\\w/-])${short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w/-]|$)`).test(lower);
    });
    return named.length ? named : [...this.repos];
  }

  /** Holds in any repo → holds; else gone in one → gone; else unknown. */
  private across(scope: LocalRepo[], key: string, probe: (repo: LocalRepo) => Verdict): Verdict {
    const verdicts = scope.map((repo) => {
      const cacheKey = `${repo.path}\0${key}`;
      let verdict = this.cache.get(cacheKey);
      if (!verdict) this.cache.set(cacheKey, (verdict = probe(repo)));
      return verdict;
    });
    return verdicts.find((v) => v.state === 'holds') ?? verdicts.find((v) => v.state === 'gone') ?? { state: 'unknown' };
  }

  private checkPath(repo: LocalRepo, rel: string): Verdict {
    if (fs.existsSync(path.join(repo.path, rel))) return { state: 'holds' };
    const everSeen = git(repo.path, ['log', '--all', '-1', '--format=%H', '--', rel]);
    return everSeen?.trim() ? { state: 'gone', reason: `\`${rel}\` no longer exists in ${repo.name}` } : { state: 'unknown' };
  }

  private checkCommand(repo: LocalRepo, command: string): Verdict {
    const script = SCRIPT.exec(command);
    const name = script?.[1] ?? script?.[2];
    if (name && !PACKAGE_BUILTINS.has(name)) {
      const manifest = readJson(path.join(repo.path, 'package.json'));
      if (!manifest) return { state: 'unknown' };
      const scripts = (manifest.scripts ?? {}) as Record<string, unknown>;
      const wanted = name === 't' ? 'test' : name;
      return wanted in scripts ? { state: 'holds' } : { state: 'gone', reason: `\`${command}\`: ${repo.name} has no script "${wanted}"` };
    }
    const make = /^make ([\w.-]+)$/.exec(command);
    if (make) {
      const makefile = readText(path.join(repo.path, 'Makefile'));
      if (makefile === undefined) return { state: 'unknown' };
      const target = new RegExp(`^${make[1]!.replace(/[.]/g, '\\.')}\\s*:`, 'm');
      return target.test(makefile) ? { state: 'holds' } : { state: 'gone', reason: `\`${command}\`: ${repo.name}'s Makefile has no target "${make[1]}"` };
    }
    return { state: 'unknown' };
  }

  private checkSymbol(repo: LocalRepo, symbol: string): Verdict {
    const last = symbolNeedle(symbol);
    const found = git(repo.path, ['grep', '-q', '-w', '-F', '-e', last]);
    if (found !== undefined) return { state: 'holds' };
    const history = git(repo.path, ['log', '--all', '-1', '--format=%H', '-S', last]);
    return history?.trim() ? { state: 'gone', reason: `\`${symbol}\` no longer appears in ${repo.name}` } : { state: 'unknown' };
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
