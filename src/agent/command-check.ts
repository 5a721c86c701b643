import { Refusal } from './confine.js';

/**
 * The bash tool's courtesy check (issue 12: "the sandbox is the wall, the check is the
 * courtesy"). A command runs when it is one simple command whose first words are a
 * prefix in `agent.allowCommands` — and its arguments are judged, not just its prefix:
 * git's global options, settings that load a file (`--reporter=./x.js`, `--config`,
 * `make -f`), variable assignments (`make SHELL=./x`), and network tools or
 * subcommands anywhere are refused. Unicode whitespace counts as a word break first,
 * so a non-breaking space cannot glue a word to its neighbour and hide it.
 */

const LINE_BREAK = /[\n\r\v\f\u0085\u2028\u2029]/;
const SHELL_SYNTAX = /[;&|<>`$(){}\\*?[\]~!#'"]/;
/** Invisible or control characters: a word holding one is not the word it looks like. */
const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u;
const NETWORK_TOOLS = new Set([
  'curl', 'wget', 'nc', 'ncat', 'netcat', 'ssh', 'scp', 'sftp', 'rsync', 'ftp', 'telnet', 'socat', 'http', 'https', 'aria2c', 'dig', 'nslookup', 'ping',
]);
/** Programs that run another program given as an argument: the prefix check would judge the wrong word. */
const LAUNCHERS = new Set(['env', 'sudo', 'doas', 'nohup', 'xargs', 'exec', 'eval', 'sh', 'bash', 'zsh', 'dash', 'fish', 'command', 'time', 'timeout', 'nice', 'strace']);
const NETWORK_SUBCOMMANDS: Record<string, ReadonlySet<string>> = {
  git: new Set(['push', 'fetch', 'pull', 'clone', 'remote', 'ls-remote', 'submodule', 'send-email', 'request-pull', 'archive', 'daemon', 'http-fetch', 'http-push']),
  npm: new Set(['install', 'i', 'add', 'publish', 'ci', 'update', 'exec', 'x', 'login', 'adduser', 'dist-tag', 'unpublish', 'deprecate', 'owner', 'access', 'token']),
  pnpm: new Set(['install', 'i', 'add', 'publish', 'update', 'up', 'dlx', 'exec']),
  yarn: new Set(['install', 'add', 'publish', 'upgrade', 'dlx', 'exec']),
  pip: new Set(['install', 'download']),
  pip3: new Set(['install', 'download']),
};
/** git subcommands that write config or run a program named in their arguments. */
const GIT_RUNS_PROGRAMS = new Set(['config', 'filter-branch', 'difftool', 'mergetool', 'bisect', 'rebase', 'web--browse', 'instaweb', 'credential', 'hook']);
/** Options, for any program, that load code or settings from a file, or move the command elsewhere. */
const LOADS_A_FILE = new Set([
  '--config', '--reporter', '--require', '--import', '--loader', '--experimental-loader', '--setup-files', '--setupfiles', '--global-setup', '--globalsetup',
  '--preset', '--rcfile', '--init-file', '--plugin', '--transform', '--resolver', '--environment', '--test-environment', '--runner', '--test-runner',
  '--prefix', '--userconfig', '--globalconfig', '--script-shell', '--shell', '--node-options', '--env-file', '--env-file-if-exists', '--exec', '--eval',
  '--upload-pack', '--receive-pack', '--ext-diff', '--open-files-in-pager', '--file', '--makefile', '--directory', '--include-dir', '--cwd', '--dir',
  '--git-dir', '--work-tree', '--exec-path', '--namespace', '--template', '--output',
]);
/** Reporter-like options whose value may be a plain name (`--reporter=dot`); a path or module file is refused. */
const NAME_OR_FILE = new Set(['--reporter', '--environment', '--test-environment', '--preset', '--runner', '--test-runner', '--plugin']);
/** Short options that load a file or move the command, per program (their meaning differs from tool to tool). */
const SHORT_OPTIONS: Record<string, ReadonlySet<string>> = {
  make: new Set(['-f', '-C', '-I', '-E']),
  gmake: new Set(['-f', '-C', '-I', '-E']),
  node: new Set(['-r', '-e', '-p', '-i']),
  npm: new Set(['-C', '-c']),
  npx: new Set(['-c', '-p']),
  pnpm: new Set(['-C', '-c']),
  yarn: new Set(['-C']),
  git: new Set(['-O']),
  python: new Set(['-c', '-m']),
  python3: new Set(['-c', '-m']),
  pytest: new Set(['-c', '-p']),
};
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const PATH_LIKE = /[\\/]|^\.|\.(c|m)?[jt]sx?$|\.(json|ya?ml|toml|cfg|ini|sh|py|rb)$/i;

/** The words of `command` once checked (what runs, without a shell), or a Refusal saying why not. */
export function checkCommand(command: string, allow: readonly string[]): string[] {
  const words = splitWords(command);
  const shown = words.join(' ');
  if (words.length === 0) throw new Refusal('an empty command');
  // A line break ends a command for a shell: two commands, whatever splitWords makes of it.
  if (LINE_BREAK.test(command)) throw new Refusal(`"${shown}": only one simple command, without shell operators, may run`);
  if (HIDDEN_CHARACTERS.test(shown)) throw new Refusal(`"${escapeHidden(shown)}": invisible or control characters are not allowed`);
  if (SHELL_SYNTAX.test(shown)) throw new Refusal(`"${shown}": only one simple command, without shell operators, may run`);
  const program = baseName(words[0]!);
  if (words.some((word) => NETWORK_TOOLS.has(baseName(word)))) throw new Refusal(`"${shown}": network tools are not available`);
  if (words.some((word) => ASSIGNMENT.test(word))) throw new Refusal(`"${shown}": variable assignments (VAR=…) are not allowed: tools read them as settings`);
  if (LAUNCHERS.has(program)) throw new Refusal(`"${shown}": ${program} runs another command, which the check could not judge`);
  judgeGit(program, words, shown);
  judgeOptions(program, words, shown);
  const sub = NETWORK_SUBCOMMANDS[program];
  const subcommand = words.slice(1).find((word) => !word.startsWith('-'));
  if (sub && subcommand !== undefined && sub.has(subcommand)) throw new Refusal(`"${shown}": network commands are not available`);
  if (!allow.some((prefix) => startsWith(words, splitWords(prefix)))) {
    const list = allow.length ? allow.map((p) => `"${p}"`).join(', ') : 'none (agent.allowCommands is empty)';
    throw new Refusal(`"${shown}" is not an allowed command; allowed prefixes: ${list}`);
  }
  return words;
}

/** Unicode whitespace (NBSP, ideographic space, line separators …) splits words like a space. */
function splitWords(text: string): string[] {
  return text.normalize('NFKC').split(/\s+/u).filter(Boolean);
}

/** git: no global option before the subcommand (`-C`, `-c k=v`, `--git-dir`, `--no-pager` …), and not a subcommand that runs programs. */
function judgeGit(program: string, words: readonly string[], shown: string): void {
  if (program !== 'git') return;
  const sub = words[1];
  if (sub === undefined) return;
  if (sub.startsWith('-')) throw new Refusal(`"${shown}": git's global options (${sub}) are not allowed`);
  if (GIT_RUNS_PROGRAMS.has(sub)) throw new Refusal(`"${shown}": git ${sub} can run programs or change git's settings`);
  if (words.some((w) => w === '--exec' || w.startsWith('--exec=') || w === '-x')) throw new Refusal(`"${shown}": git options that run a program are not allowed`);
}

function judgeOptions(program: string, words: readonly string[], shown: string): void {
  const short = SHORT_OPTIONS[program];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') continue;
    const [name, inline] = splitOption(word);
    // A cluster of short flags may end in one that takes the rest as its value: make reads
    // `-kf./x.mk` as -k -f ./x.mk. So a word that starts with two letters is judged by
    // every character, whatever follows them.
    if (short?.has(name) || (short && /^-[A-Za-z]{2,}/.test(word) && [...word.slice(1)].some((c) => short.has(`-${c}`)))) {
      throw new Refusal(`"${shown}": ${program} ${name} loads a file, runs code or moves the command elsewhere`);
    }
    if (!LOADS_A_FILE.has(name.toLowerCase())) continue;
    const value = inline ?? words[i + 1];
    if (NAME_OR_FILE.has(name.toLowerCase()) && value !== undefined && !value.startsWith('-') && !PATH_LIKE.test(value)) continue;
    throw new Refusal(`"${shown}": ${name} loads a file, runs code or moves the command elsewhere`);
  }
}

function splitOption(word: string): [string, string | undefined] {
  if (!word.startsWith('--')) return [word.length > 2 && word.startsWith('-') && !/^-[A-Za-z]{2,}$/.test(word) ? word.slice(0, 2) : word, undefined];
  const eq = word.indexOf('=');
  return eq === -1 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= words.length && prefix.every((p, i) => words[i] === p);
}

function baseName(word: string): string {
  return word.replace(/^.*\//, '');
}

function escapeHidden(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
