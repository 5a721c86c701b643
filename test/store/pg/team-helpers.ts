/** Shared by the team's process tests (issue 19). */
import fs from 'node:fs';
import { REPO } from '../../github/helpers.js';
import { parseTopic, renderIndex } from '../../../src/memory/index.js';
import { openPgPool } from '../../../src/store/pg/index.js';
import { writePgMemory } from '../../../src/store/pg/memory.js';
import { afterEach } from 'vitest';
import { killDaemons, removeHomes, sleep, type RunningDaemon } from '../../helpers/home.js';
import { FakeAnthropic } from '../../fakes/fake-anthropic.mjs';

export const issueOpened = (n: number, title = `issue ${n}`) =>
  JSON.stringify({ action: 'opened', issue: { number: n, title }, repository: { full_name: REPO }, sender: { login: 'someone' } });

/** The pids of a process's children (its worker), from /proc. */
export function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid …: the name may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === pid ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

/** Polls `probe` every `intervalMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean> | boolean, what: string, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The fake Messages API started for a test; `stops` stops it after (the test file's afterEach). */
export async function startedFakeAnthropic(stops: (() => Promise<void>)[]): Promise<FakeAnthropic> {
  const fake = new FakeAnthropic();
  await fake.start();
  stops.push(() => fake.stop());
  return fake;
}

/**
 * The daemons and fakes a process test starts: after each test the daemons are SIGKILLed
 * and awaited, each `stops` entry run (the fakes), and the homes removed.
 */
export function useTeamProcesses(): { daemons: RunningDaemon[]; stops: (() => Promise<void>)[] } {
  const state = { daemons: [] as RunningDaemon[], stops: [] as (() => Promise<void>)[] };
  afterEach(async () => {
    await killDaemons(state.daemons);
    await Promise.all(state.stops.splice(0).map((stop) => stop()));
    removeHomes();
  });
  return state;
}

/** A topic and its index in a team's memory, written through the store's own write (as a dream or `memory.note` writes them). */
export async function seedTeamTopic(url: string, slug: string, topic: string, today: string): Promise<void> {
  const pool = openPgPool({ url, node: 'seed', max: 1 });
  try {
    await writePgMemory(pool, 'seed', Date.now(), () => [
      { path: `topics/${slug}.md`, content: topic },
      { path: 'MEMORY.md', content: renderIndex([parseTopic(slug, topic, today)]) },
    ]);
  } finally {
    await pool.end();
  }
}
