import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, makeHome, removeHomes, runCli, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { logEntryAt, logRefPattern } from '../helpers/log-refs.js';
import { memoryFile } from '../helpers/store-rows.js';
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
    // The topics as they now read: memory/ of the home, or the team's memory_files.
    const topic = (slug: string) => memoryFile(home, `topics/${slug}.md`) ?? '';
    const ref = logRefPattern(home);
    expect(lastBranch.size).toBeGreaterThanOrEqual(10);
    // Two repositories whose branches are the same text (octocat/hello-world and codertocat/hello-world: `main`) each keep theirs.
    for (const [repo, branch] of lastBranch) {
      const text = topic(repo.replace(/[^a-z0-9]+/g, '-'));
      expect(text, repo).toMatch(new RegExp(`^- Default branch: \`${branch}\`\\n  - source: ${ref} \\(github\\.[a-z_.]+\\)$`, 'm'));
    }
    const hello = topic('codertocat-hello-world');
    expect(hello).toMatch(new RegExp(`^- Latest release: \`0\\.0\\.1\` \\(2019-05-15\\)\\n {2}- source: ${ref} \\(github\\.release\\.(published|released|created|edited)\\)$`, 'm'));
    expect(hello).toMatch(/^- Most active contributors: Codertocat \(\d+\)/m);
    expect(hello).toMatch(/^- Labels in use: /m);
    // Each source names the event.received entry of that repository's event.
    const source = /^- Latest release: .*\n {2}- source: log (\S+)#(\d+)/m.exec(hello)!;
    const entry = logEntryAt(home, source[1]!, Number(source[2]));
    expect(entry).toMatchObject({ type: 'event.received', kind: expect.stringMatching(/^github\.release\./) });
  });
});
