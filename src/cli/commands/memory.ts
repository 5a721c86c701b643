import { hostname } from 'node:os';
import { localDate } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { isoWithOffset, timeForPeople } from '../../for-people.js';
import {
  CLAIM_DIR,
  INDEX_FILE,
  MemoryFiles,
  TeamMemoryView,
  teamRestoreChanges,
  type MemoryReader,
  PENDING_NOTES_FILES,
  resolveMemoryPath,
  slugify,
  topicPath,
} from '../../memory/index.js';
import { requireHome, type CliContext } from '../context.js';
import { teamStoreUrl } from '../team-home.js';
import { withHomeStore } from '../operate.js';

/** `vigil memory [show [TOPIC]]`: the index, or one topic file. */
export async function memoryShowCommand(ctx: CliContext, topic?: string, opts: { json?: boolean } = {}): Promise<void> {
  requireHome(ctx);
  const files = new MemoryFiles(ctx.paths.memory);
  const team = await teamMemory(ctx);
  const reader: MemoryReader = team ?? files;
  if (topic) {
    const rel = topic.endsWith('.md') ? resolveMemoryPath(files.fsx, files.root, topic).rel : topicPath(slugify(topic));
    const text = reader.read(rel);
    if (text === undefined) throw new VigilError('VIGIL_ERR_USAGE', `no topic ${topic} (${rel}); \`vigil memory\` lists them`);
    return ctx.out(opts.json ? JSON.stringify({ file: rel, text }, null, 2) : text.trimEnd());
  }
  const index = reader.read(INDEX_FILE);
  // The notes (and a leftover inbox.md from before the rename), and what a dream claimed but did not commit (it is read again next time).
  const claimed = team ? [] : files.fsx.list(files.abs(CLAIM_DIR)).map((e) => `${CLAIM_DIR}/${e.name}`);
  const waiting = [...PENDING_NOTES_FILES, ...claimed]
    .map((rel) => reader.read(rel) ?? '')
    .reduce((n, text) => n + text.split('\n').filter((l) => l.startsWith('- ')).length, 0);
  if (opts.json) return ctx.out(JSON.stringify({ file: INDEX_FILE, text: index ?? null, notesWaiting: waiting }, null, 2));
  ctx.out(index ? index.trimEnd() : 'memory is empty: nothing has been consolidated yet (`vigil dream --now`)');
  if (waiting) ctx.out(`\n${waiting} note(s) wait for the next dream`);
}

/** `vigil memory history [FILE] [--restore VERSION]`. */
export async function memoryHistoryCommand(ctx: CliContext, file: string | undefined, opts: { restore?: string; json?: boolean }): Promise<void> {
  requireHome(ctx);
  const files = new MemoryFiles(ctx.paths.memory);
  const team = await teamMemory(ctx);
  const reader: MemoryReader = team ?? files;
  const now = Date.now();
  if (!file) {
    if (opts.restore) throw new VigilError('VIGIL_ERR_USAGE', '--restore needs the file: vigil memory history FILE --restore VERSION');
    const all = reader.filesWithHistory();
    if (opts.json) {
      return ctx.out(JSON.stringify(all.map((rel) => ({ file: rel, versions: reader.versions(rel).map((v) => ({ ...v, replacedAt: isoWithOffset(v.replacedAt) })) })), null, 2));
    }
    if (all.length === 0) return ctx.out('no earlier versions yet');
    for (const rel of all) {
      const versions = reader.versions(rel);
      ctx.out(`${rel.padEnd(36)} ${String(versions.length).padStart(3)} version(s), newest replaced ${timeForPeople(versions[0]!.replacedAt, now)}`);
    }
    return;
  }
  const rel = resolveMemoryPath(files.fsx, files.root, file).rel;
  if (!opts.restore) {
    const versions = reader.versions(rel);
    if (opts.json) return ctx.out(JSON.stringify({ file: rel, versions: versions.map((v) => ({ ...v, replacedAt: isoWithOffset(v.replacedAt) })) }, null, 2));
    if (versions.length === 0) return ctx.out(`${rel}: no earlier versions`);
    for (const v of versions) ctx.out(`${v.version}  replaced ${timeForPeople(v.replacedAt, now)}  ${v.bytes} bytes`);
    ctx.out(`vigil memory history ${rel} --restore VERSION puts one back (what it replaces is kept too)`);
    return;
  }
  const version = opts.restore;
  if (team) {
    // A team's memory: the file and the index one transaction in the database (a team has no dream lock file).
    const url = (await teamStoreUrl(ctx))!;
    const { writeTeamMemory } = await import('../../store/index.js');
    const now = Date.now();
    await writeTeamMemory(url, hostname(), now, (rows) => teamRestoreChanges(rows, rel, version, localDate(now)));
    return ctx.out(opts.json ? JSON.stringify({ file: rel, restored: version }) : `restored ${rel} to ${version}`);
  }
  // Under the dream lock, so a dream cannot write over the restore halfway.
  // The operations room is loaded only here: `vigil memory search` stays light (issue 18).
  const { restoreMemoryVersion } = await import('../../operations/index.js');
  await withHomeStore(ctx, ({ store, clock }) => restoreMemoryVersion({ store, clock, home: ctx.paths.home, files }, rel, version));
  ctx.out(opts.json ? JSON.stringify({ file: rel, restored: version }) : `restored ${rel} to ${version}`);
}

/** A team's home (`store.url`): its memory is the database's `memory_files`, read whole by a short-lived pool. */
async function teamMemory(ctx: CliContext): Promise<TeamMemoryView | undefined> {
  const url = await teamStoreUrl(ctx);
  if (!url) return undefined;
  const { readTeamMemory } = await import('../../store/index.js');
  return new TeamMemoryView(await readTeamMemory(url));
}
