import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/agent/command-check.js';
import { Refusal } from '../../src/agent/confine.js';

// Issue 12: checkCommand passed `git -C . push`, `git --no-pager push`,
// `git -c core.fsmonitor=… status`, `npx vitest --reporter=./x.js`, `make SHELL=./x`,
// and a non-breaking space hid a word from the network-tool check. It judges arguments
// now, not prefixes. (The sandbox is the wall; this is the courtesy that says why.)

const ALLOW = ['git', 'npx vitest', 'make', 'npm test', 'npm run', 'node check.mjs'];

const refused = (command: string, reason: RegExp) => {
  expect(() => checkCommand(command, ALLOW), JSON.stringify(command)).toThrow(Refusal);
  expect(() => checkCommand(command, ALLOW), JSON.stringify(command)).toThrow(reason);
};

describe('checkCommand refuses every bypass of the issue', () => {
  it('git global options before the subcommand', () => {
    refused('git -C . push', /git's global options \(-C\)/);
    refused('git --no-pager push', /git's global options \(--no-pager\)/);
    refused('git -c core.fsmonitor=./x.sh status', /git's global options \(-c\)/);
    refused('git --git-dir=evil status', /git's global options/);
    refused('git --exec-path=. status', /git's global options/);
    refused('git config core.fsmonitor ./x.sh', /git config can run programs/);
    refused('git rebase -x ./x.sh main', /git rebase can run programs/);
    refused('git push origin main', /network commands/);
  });

  it('reporter and config flags that load a file, --prefix, and VAR= assignments', () => {
    refused('npx vitest --reporter=./x.js', /--reporter loads a file/);
    refused('npx vitest --reporter ./x.js', /--reporter loads a file/);
    refused('npx vitest --config evil.config.ts', /--config loads a file/);
    refused('npx vitest --config=x', /--config loads a file/);
    refused('npx vitest --setupFiles=./x.js', /loads a file/);
    refused('npm test --prefix ../other', /--prefix loads a file/);
    refused('npm run build --script-shell=./x.sh', /--script-shell loads a file/);
    refused('make SHELL=./x', /variable assignments/);
    refused('make -f ./evil.mk', /make -f loads a file/);
    refused('make -C ..', /make -C/);
    refused('NODE_OPTIONS=--require=./x.js npm test', /variable assignments/);
    refused('node check.mjs --require ./x.js', /--require loads a file/);
    refused('node -r ./x.js check.mjs', /node -r loads a file/);
  });

  it('Unicode whitespace is a word break: a non-breaking space cannot hide a word', () => {
    for (const space of ['\u00a0', '\u2003', '\u3000', '\u202f', '\u2009']) {
      refused(`npm test -- x${space}curl`, /network tools/);
      refused(`npm test${space}--prefix${space}..`, /--prefix/);
      refused(`git${space}-C${space}.${space}push`, /git's global options/);
      refused(`git${space}push`, /network commands/);
    }
    refused('npm test\nid', /shell operators/);
    refused('npm test\u2028id', /shell operators/);
    refused('npm test -- cu\u200brl', /invisible or control characters/);
  });

  it('what was allowed before still runs', () => {
    expect(checkCommand('npm test', ALLOW)).toEqual(['npm', 'test']);
    expect(checkCommand('npm\u00a0test  --  --run', ALLOW)).toEqual(['npm', 'test', '--', '--run']);
    expect(checkCommand('npx vitest run --reporter=dot', ALLOW)).toEqual(['npx', 'vitest', 'run', '--reporter=dot']);
    expect(checkCommand('git status', ALLOW)).toEqual(['git', 'status']);
    expect(checkCommand('git diff -C --stat', ALLOW)).toEqual(['git', 'diff', '-C', '--stat']);
    expect(checkCommand('make test', ALLOW)).toEqual(['make', 'test']);
  });
});

describe('checkCommand at its edges', () => {
  it('an empty command, and an allow list whose prefix is empty, allow nothing', () => {
    expect(() => checkCommand('  \u00a0 ', ALLOW)).toThrow('an empty command');
    expect(() => checkCommand('ls', [''])).toThrow('"ls" is not an allowed command; allowed prefixes: ""');
    expect(() => checkCommand('ls', ['  '])).toThrow(/not an allowed command/);
  });

  it('a prefix is whole words: longer than the command, or another word, is not a match', () => {
    expect(() => checkCommand('npm', ALLOW)).toThrow('"npm" is not an allowed command; allowed prefixes: "git", "npx vitest", "make", "npm test", "npm run", "node check.mjs"');
    expect(() => checkCommand('node check.mjs.bak', ALLOW)).toThrow(/not an allowed command/);
    expect(checkCommand('node check.mjs --verbose', ALLOW)).toEqual(['node', 'check.mjs', '--verbose']);
  });

  it('names a hidden character by its code point', () => {
    expect(() => checkCommand('npm test x\u200by', ALLOW)).toThrow('"npm test x\\u{200b}y": invisible or control characters are not allowed');
    expect(() => checkCommand('npm test \u0007', ALLOW)).toThrow(/\\u\{7\}/);
  });

  it('a network tool by its path, anywhere in the command', () => {
    refused('/usr/bin/curl x', /network tools/);
    refused('npm test -- ./bin/wget', /network tools/);
    expect(checkCommand('npm test -- curly', ALLOW)).toEqual(['npm', 'test', '--', 'curly']);
  });

  it('a launcher runs another command: refused by its name, also given as a path', () => {
    for (const launcher of ['env', 'sudo', 'xargs', 'sh', '/bin/bash', 'timeout']) {
      expect(() => checkCommand(`${launcher} npm test`, [launcher, ...ALLOW]), launcher).toThrow(/runs another command, which the check could not judge/);
    }
  });

  it('git: a bare git is judged by the prefix; --exec and -x anywhere are refused; a subcommand that runs programs', () => {
    expect(checkCommand('git', ALLOW)).toEqual(['git']);
    refused('git log --exec=./x.sh', /git options that run a program/);
    refused('git log --exec ./x.sh', /git options that run a program/);
    refused('git log -x', /git options that run a program/);
    refused('git difftool', /git difftool can run programs/);
    expect(checkCommand('git log --executable', ALLOW)).toEqual(['git', 'log', '--executable']);
  });

  it('a network subcommand is the first word that is not an option; the same word later is an argument', () => {
    expect(checkCommand('npm run install', ALLOW)).toEqual(['npm', 'run', 'install']);
    expect(() => checkCommand('npm --silent install x', ['npm'])).toThrow(/network commands/);
    expect(checkCommand('npm run build -- install', ['npm run'])).toEqual(['npm', 'run', 'build', '--', 'install']);
    expect(checkCommand('npm test', ['npm'])).toEqual(['npm', 'test']);
    expect(() => checkCommand('pip3 download x', ['pip3'])).toThrow(/network commands/);
    expect(checkCommand('pip3 list', ['pip3'])).toEqual(['pip3', 'list']);
  });

  it('options that load a file: by name in any case, inline or as the next word; a plain reporter name passes, a path or a module file does not', () => {
    refused('npx vitest --CONFIG x', /--CONFIG loads a file/);
    refused('npx vitest --reporter', /--reporter loads a file/);
    refused('npx vitest --reporter --silent', /--reporter loads a file/);
    refused('npx vitest --reporter=x.mjs', /--reporter loads a file/);
    refused('npx vitest --reporter=.hidden', /--reporter loads a file/);
    refused('npx vitest --environment=conf.json', /--environment loads a file/);
    expect(checkCommand('npx vitest --reporter verbose', ALLOW)).toEqual(['npx', 'vitest', '--reporter', 'verbose']);
    expect(checkCommand('npx vitest --environment=node', ALLOW)).toEqual(['npx', 'vitest', '--environment=node']);
    // After "--" the words are the program's arguments, judged on the next ones.
    expect(checkCommand('npm test -- --silent', ALLOW)).toEqual(['npm', 'test', '--', '--silent']);
  });

  it('short options per program, alone, glued to their value, or among other short flags', () => {
    refused('make -fevil.mk', /make -f loads a file/);
    refused('make -sf evil.mk', /make -sf loads a file/);
    refused('make -kC ..', /make -kC loads a file/);
    expect(checkCommand('make -sk test', ALLOW)).toEqual(['make', '-sk', 'test']);
    // Another program's short options mean something else.
    expect(checkCommand('npx vitest -f', ALLOW)).toEqual(['npx', 'vitest', '-f']);
    expect(() => checkCommand('python3 -m http.server', ['python3'])).toThrow(/python3 -m loads a file/);
    // A cluster whose last flag takes the rest as its value: make reads -kf./evil.mk as -k -f ./evil.mk.
    refused('make -kf./evil.mk', /make -k loads a file/);
    // Glued to a value that is not letters: still the option it starts with.
    expect(() => checkCommand('python3 -c-ab', ['python3'])).toThrow(/python3 -c loads a file/);
  });
});
