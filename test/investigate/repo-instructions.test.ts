import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instructionsInPrompt } from '../../src/initiative/context.js';
import { repoTools } from '../../src/investigate/index.js';
import { caller, git } from './repo-fixture.js';

const REPO = 'octo/app';
const CLAUDE_MD = '# How we work\n\nRun `npm test` before a pull request. Never push to main.\n';

/**
 * A decision's prompt already holds each watched repository's CLAUDE.md (issue 14): a
 * `repo_read` of the same committed text answers with a note, not a second copy — and
 * only when the two are the same text, so an owner's uncommitted edit shows the commit.
 */
describe('repo_read of instructions the prompt already holds', () => {
  let root: string;
  let clone: string;
  let call: ReturnType<typeof caller>;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-instructions-'));
    clone = path.join(root, 'clone');
    git(root, 'init', '--quiet', '--initial-branch=main', clone);
    git(clone, 'config', 'user.name', 'Owner');
    git(clone, 'config', 'user.email', 'owner@example.com');
    fs.writeFileSync(path.join(clone, 'CLAUDE.md'), CLAUDE_MD);
    fs.writeFileSync(path.join(clone, 'NOTES.md'), CLAUDE_MD);
    git(clone, 'add', '--all');
    git(clone, 'commit', '--quiet', '-m', 'initial');
    const repos = [{ name: REPO, path: clone }];
    call = caller(repoTools(repos, { alreadyInPrompt: instructionsInPrompt(repos) }));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('answers with a note when the committed CLAUDE.md is the one in the prompt', async () => {
    const read = await call('repo_read', { repo: REPO, path: 'CLAUDE.md' });
    expect(read).toMatch(/CLAUDE\.md at .*: the same text as the CLAUDE\.md in your repository instructions above/);
    expect(read).not.toContain('Never push to main');
    // Another file with the same words is not an instructions file: read in full.
    expect(await call('repo_read', { repo: REPO, path: 'NOTES.md' })).toContain('Never push to main');
  });

  it('reads the commit in full when the working tree (what the prompt holds) has an uncommitted edit', async () => {
    fs.writeFileSync(path.join(clone, 'CLAUDE.md'), `${CLAUDE_MD}Also: squash before merging.\n`);
    try {
      const read = await call('repo_read', { repo: REPO, path: 'CLAUDE.md' });
      expect(read).toContain('Never push to main');
      expect(read).not.toContain('squash before merging');
    } finally {
      fs.writeFileSync(path.join(clone, 'CLAUDE.md'), CLAUDE_MD);
    }
  });
});
