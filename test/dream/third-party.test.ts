import { describe, expect, it } from 'vitest';
import { eventKind, githubLogin, isoTime, plainPhrase, refName, repoFullName } from '../../src/dream/third-party.js';

/** What a dream takes from a payload's bytes (issue 15): each grammar at its edges, both ways. */

describe('third-party values by their grammar', () => {
  it('repository names: GitHub’s owner and name rules, lower-cased; never a path', () => {
    expect(repoFullName('Codertocat/Hello-World')).toBe('codertocat/hello-world');
    expect(repoFullName('octo-org/.github')).toBe('octo-org/.github');
    expect(repoFullName(`${'a'.repeat(39)}/${'b'.repeat(100)}`)).toBe(`${'a'.repeat(39)}/${'b'.repeat(100)}`);
    for (const bad of [
      '../x', 'octo/..', 'octo/.', 'octo/app/x', '/app', 'octo/', 'octo', '-octo/app', 'oc_to/app', 'octo/a b', 'octo/app\n',
      `${'a'.repeat(40)}/app`, `octo/${'b'.repeat(101)}`, 42, undefined,
    ]) {
      expect(repoFullName(bad), String(bad)).toBeUndefined();
    }
  });

  it('logins: letters, digits and hyphens, not first, at most 39', () => {
    expect(githubLogin('Codertocat')).toBe('Codertocat');
    expect(githubLogin('a-b')).toBe('a-b');
    expect(githubLogin('a'.repeat(39))).toBe('a'.repeat(39));
    for (const bad of ['-a', 'a'.repeat(40), 'bob<x>', '<x>bob', 'a b', 'dependabot[bot]', 'a_b', '', 7]) {
      expect(githubLogin(bad), String(bad)).toBeUndefined();
    }
  });

  it('branch and tag names: plain characters git allows, at most 100', () => {
    for (const good of ['main', 'feat/ok', 'v1.2.0', 'release-2026_01', 'v1+build', 'ветка', 'x'.repeat(100)]) expect(refName(good), good).toBe(good);
    for (const bad of ['x'.repeat(101), 'a..b', '/main', 'main/', 'ma in', 'main\n', 'a`b', 'a<b', 'a:b', 'a~1', '', null]) {
      expect(refName(bad), String(bad)).toBeUndefined();
    }
  });

  it('times: ISO 8601 as GitHub writes them, and a real date', () => {
    for (const good of ['2019-05-15T15:20:53Z', '2026-11-30T08:00:00.123Z', '2026-11-30T08:00:00+01:00']) expect(isoTime(good), good).toBe(good);
    // A JSON array of one time reads as that time to a regex and to Date.parse: a string only.
    for (const bad of ['2026-11-30', 'x2026-11-30T08:00:00Z', '2026-11-30T08:00:00Zx', '2026-13-45T99:99:99Z', '<script>', 1700000000, ['2026-11-30T08:00:00Z']]) {
      expect(isoTime(bad), String(bad)).toBeUndefined();
    }
  });

  it('event kinds: github.<event>.<action> in lower case, else a neutral name', () => {
    expect(eventKind('github.release.published')).toBe('github.release.published');
    expect(eventKind('github.push')).toBe('github.push');
    for (const bad of ['github.release.published\n- x', 'xgithub.push', 'github.push.x.y', 'github.Push', 'github.', 'tick']) expect(eventKind(bad), bad).toBe('github event');
  });

  it('free text: one short phrase of plain characters, or nothing', () => {
    expect(plainPhrase('good first issue', 50)).toBe('good first issue');
    expect(plainPhrase('  a <b>  c\n\nd  ', 50)).toBe('a b c d');
    expect(plainPhrase('a < b', 50)).toBe('a b');
    expect(plainPhrase('x'.repeat(60), 50)).toBe('x'.repeat(50));
    // Cut where a space falls: no trailing space.
    expect(plainPhrase(`${'x'.repeat(49)} yz`, 50)).toBe('x'.repeat(49));
    expect(plainPhrase('<<<>>>', 50)).toBeUndefined();
    expect(plainPhrase('', 50)).toBeUndefined();
    expect(plainPhrase({ name: 'x' }, 50)).toBeUndefined();
    expect(plainPhrase('`a` "b" [c](d) @e *f* |g| \\h', 50)).toBe('a b c(d) e f g h');
    // Leading space is trimmed before the cut, so it takes no place of a character.
    expect(plainPhrase(` ${'x'.repeat(60)}`, 50)).toBe('x'.repeat(50));
    // Only the first four times max characters are read: a huge name costs what a short one does.
    expect(plainPhrase(`${'<'.repeat(200)}abc`, 50)).toBeUndefined();
    expect(plainPhrase(`${'<'.repeat(199)}abc`, 50)).toBe('a');
  });
});
