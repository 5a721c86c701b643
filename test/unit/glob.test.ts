import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/glob.js';

describe('globMatch', () => {
  it('treats * as any run and everything else literally', () => {
    expect(globMatch('*', 'anything/at.all')).toBe(true);
    expect(globMatch('github.*', 'github.comment')).toBe(true);
    expect(globMatch('github.*', 'githubXcomment')).toBe(false);
    expect(globMatch('github.comment', 'github.comment.extra')).toBe(false);
    expect(globMatch('octo/a+b', 'octo/a+b')).toBe(true);
    expect(globMatch('octo/a+b', 'octo/aab')).toBe(false);
  });

  it('* alone matches any value, line breaks too (a rules-provider match on a title); an empty pattern only the empty value', () => {
    expect(globMatch('*', 'Broken\nbuild')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('', 'x')).toBe(false);
  });

  it('answers the same for a pattern seen before, however many others came between (the compiled cache is bounded)', () => {
    expect(globMatch('octo/*', 'octo/app')).toBe(true);
    for (let i = 0; i < 2500; i++) expect(globMatch(`repo-${i}/*`, `repo-${i}/x`)).toBe(true);
    expect(globMatch('octo/*', 'octo/app')).toBe(true);
    expect(globMatch('octo/*', 'other/app')).toBe(false);
    expect(globMatch('repo-7/*', 'repo-8/x')).toBe(false);
  });

  it('a * inside a longer pattern stops at a line break, as before the cache', () => {
    expect(globMatch('github.*', 'github.x\ny')).toBe(false);
    expect(globMatch('*build', 'Broken build')).toBe(true);
  });
});
