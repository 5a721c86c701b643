import fs from 'node:fs';
import path from 'node:path';
import { VigilError } from '../errors.js';
import type { CopiedMemoryVersion } from '../store/index.js';
import { MemoryFiles } from './files.js';
import { CLAIM_DIR } from './names.js';
import { MAX_MEMORY_FILE_BYTES } from './tool.js';

/**
 * The memory folder as `vigil migrate` copies it (issue 19): every file with its kept
 * versions, oldest first, by path. The home's `.history` holds a file's earlier contents
 * named by when each was replaced, so version k+1 was written when version k was
 * replaced (the oldest's time is unknown); a file with history but none now ends in a
 * removal. Only read. Refused: a dream's claims (a dream stopped mid-write: its notes
 * would be lost), anything but regular files, a file over the memory tool's limit.
 */
export function memoryVersions(memoryDir: string): CopiedMemoryVersion[] {
  const claims = path.join(memoryDir, CLAIM_DIR);
  if (fs.existsSync(claims) && fs.readdirSync(claims).length) {
    throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `a dream was interrupted (${claims} holds its claims): run \`vigil dream --now\` first`);
  }
  if (!fs.existsSync(memoryDir)) return [];
  const files = new MemoryFiles(memoryDir);
  const current = currentFiles(memoryDir);
  const paths = [...new Set([...current, ...files.filesWithHistory()])].sort();
  const out: CopiedMemoryVersion[] = [];
  for (const rel of paths) {
    const history = files.versions(rel).reverse();
    history.forEach((v, i) => {
      const content = checked(rel, Buffer.from(files.readVersion(rel, v.version), 'utf8'));
      out.push({ path: rel, version: i + 1, content, writtenAt: i === 0 ? null : history[i - 1]!.replacedAt });
    });
    const last = history[history.length - 1];
    const now = current.includes(rel) ? checked(rel, fs.readFileSync(files.abs(rel))) : null;
    const writtenAt = last ? last.replacedAt : fs.statSync(files.abs(rel)).mtimeMs;
    out.push({ path: rel, version: history.length + 1, content: now, writtenAt: Math.floor(writtenAt) });
  }
  return out;
}

/** Regular files under the folder, hidden names (history, claims, temp files) left out. */
function currentFiles(memoryDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string[]) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), [...rel, entry.name]);
      else if (entry.isFile()) found.push([...rel, entry.name].join('/'));
      else throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `${path.join(dir, entry.name)}: only regular files are copied from memory/`);
    }
  };
  walk(memoryDir, []);
  return found.sort();
}

function checked(rel: string, bytes: Buffer): string {
  if (bytes.length > MAX_MEMORY_FILE_BYTES) {
    throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `memory/${rel}: ${bytes.length} bytes, over the ${MAX_MEMORY_FILE_BYTES} a memory file holds`);
  }
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new VigilError('VIGIL_ERR_MIGRATE_SOURCE', `memory/${rel}: not UTF-8 text`);
  return text;
}
