import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';

/** Issue 15's acceptance: a dream without a model learns each repository's facts from a day of real webhook payloads. */

type Example = { name: string; examples: Array<Record<string, unknown>> };
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('an offline dream after replaying @octokit/webhooks-examples', () => {
  it('writes topic files with the default branch and the latest release as facts with sources', { timeout: 120_000 }, async () => {
    const home = makeHome();
    const daemon = await startDaemon(home, {}, 30_000);
    daemons.push(daemon);
    const secret = webhookSecret(home);
    const bodies = new Set<string>();
    const lastBranch = new Map<string, string>();
    for (const group of examples) {
      for (const payload of group.examples) {
        const body = JSON.stringify(payload);
        const res = await postDelivery(daemon.url, secret, body, { event: group.name, deliveryId: crypto.randomUUID() });
        expect([200, 202]).toContain(res.status);
        // The same body again is a replay, not stored again: it teaches nothing new.
        if (bodies.has(body)) continue;
        bodies.add(body);
        const repo = payload.repository as { full_name?: string; default_branch?: string } | undefined;
        if (repo?.full_name && repo.default_branch) lastBranch.set(repo.full_name.toLowerCase(), repo.default_branch);
      }
    }
    daemon.proc.kill('SIGTERM');
    await daemon.exited;

    const dream = runCli(home, ['dream', '--now']);
    expect(dream.status, dream.stderr).toBe(0);
    const topics = path.join(home, 'memory', 'topics');
    expect(lastBranch.size).toBeGreaterThanOrEqual(10);
    // Two repositories whose branches are the same text (octocat/hello-world and codertocat/hello-world: `main`) each keep theirs.
    for (const [repo, branch] of lastBranch) {
      const file = path.join(topics, `${repo.replace(/[^a-z0-9]+/g, '-')}.md`);
      const text = fs.readFileSync(file, 'utf8');
      expect(text, repo).toMatch(new RegExp(`^- Default branch: \`${branch}\`\\n  - source: log \\d{4}-\\d{2}-\\d{2}#\\d+ \\(github\\.[a-z_.]+\\)$`, 'm'));
    }
    const hello = fs.readFileSync(path.join(topics, 'codertocat-hello-world.md'), 'utf8');
    expect(hello).toMatch(/^- Latest release: `0\.0\.1` \(2019-05-15\)\n {2}- source: log \d{4}-\d{2}-\d{2}#\d+ \(github\.release\.(published|released|created|edited)\)$/m);
    expect(hello).toMatch(/^- Most active contributors: Codertocat \(\d+\)/m);
    expect(hello).toMatch(/^- Labels in use: /m);
    // Each source names the event.received entry of that repository's event.
    const source = /^- Latest release: .*\n {2}- source: log (\S+)#(\d+)/m.exec(hello)!;
    const entry = fs
      .readFileSync(path.join(home, 'logs', `${source[1]}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { seq: number; type: string; kind: string })
      .find((e) => e.seq === Number(source[2]))!;
    expect(entry).toMatchObject({ type: 'event.received', kind: expect.stringMatching(/^github\.release\./) });
  });
});
