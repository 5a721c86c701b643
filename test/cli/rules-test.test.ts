import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

afterEach(() => removeHomes());

/** Every file under the home with a hash of its content: "nothing stored" is this, unchanged. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

const RULES = [
  { name: 'label new bugs', on: 'github.issues.opened', propose: { action: 'github.label', params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', labels: ['triage'] } } },
  { name: 'note every push', on: 'github.push', propose: { action: 'memory.note', params: { text: 'push to {{payload.repository.full_name}}' } } },
];

describe('vigil rules test', () => {
  it('prints the matching rule by name, its proposal and the policy\'s answer; nothing is stored', () => {
    const home = makeHome({ rules: RULES, permissions: { mode: 'auto', rules: [{ action: 'github.label', repo: 'octo/*', decision: 'ask' }] } });
    // A home that has run: its database and log are there, and must stay as they are.
    fs.writeFileSync(path.join(home, 'logs', '2026-01-01.jsonl'), '');
    const before = snapshot(home);
    const res = runCli(home, ['rules', 'test', 'issues.opened', '--repo', 'octo/site']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('event:    github.issues.opened (example payload)');
    expect(res.stdout).toContain('rules:    label new bugs match');
    expect(res.stdout).toContain('propose:  github.label {"repo":"octo/site","number":1,"labels":["triage"]}');
    expect(res.stdout).toMatch(/policy: {3}ask — asks you first \(permissions\.rules\[0\]; mode auto\)/);
    expect(res.stdout).not.toContain('note every push');
    expect(snapshot(home)).toEqual(before);
    expect(fs.existsSync(path.join(home, 'vigil.db'))).toBe(before['vigil.db'] !== undefined);
  });

  it('a payload from a file, --json, and an event no rule matches', () => {
    const home = makeHome({ rules: RULES, permissions: { mode: 'auto', rules: [{ action: 'memory.note', decision: 'deny' }] } });
    const file = path.join(home, 'push.json');
    fs.writeFileSync(file, JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/lib' } }));
    const res = runCli(home, ['rules', 'test', 'push', '--payload', file, '--json']);
    expect(res.status, res.stderr).toBe(0);
    const answer = JSON.parse(res.stdout) as { kind: string; matched: string[]; proposals: { action: string; params: unknown; verdict: string }[] };
    expect(answer.kind).toBe('github.push');
    expect(answer.matched).toEqual(['note every push']);
    expect(answer.proposals).toMatchObject([{ action: 'memory.note', params: { text: 'push to octo/lib' }, verdict: 'deny' }]);

    const none = runCli(home, ['rules', 'test', 'star.created']);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('rules:    none match: vigil would do nothing');
  });
});
