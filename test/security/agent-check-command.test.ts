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
