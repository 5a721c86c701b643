import fs from 'node:fs';
import path from 'node:path';

export interface MemoryHit {
  file: string;
  line: number;
  text: string;
}

export interface MemoryView {
  index: string;
  topics: string[];
  topic?: { slug: string; text: string };
  query?: string;
  hits: MemoryHit[];
}

const MAX_HITS = 50;
const SLUG = /^[a-z0-9][a-z0-9._-]{0,80}$/i;

/**
 * The memory folder as the dashboard shows it: the index (MEMORY.md), the topic files
 * (topics/<slug>.md), and a plain search over their lines and the inbox of notes.
 * Read only; the dream pass (issue 5) is the one that writes memory.
 */
export function memoryView(memoryDir: string, opts: { topic?: string; query?: string }): MemoryView {
  const topicsDir = path.join(memoryDir, 'topics');
  const topics = listMarkdown(topicsDir);
  const view: MemoryView = { index: readText(path.join(memoryDir, 'MEMORY.md')), topics, hits: [] };
  if (opts.topic && SLUG.test(opts.topic) && topics.includes(opts.topic)) {
    view.topic = { slug: opts.topic, text: readText(path.join(topicsDir, `${opts.topic}.md`)) };
  }
  const query = opts.query?.trim();
  if (query) {
    view.query = query;
    const files = ['MEMORY.md', 'inbox.md', ...topics.map((t) => `topics/${t}.md`)];
    view.hits = search(memoryDir, files, query);
  }
  return view;
}

function search(memoryDir: string, files: string[], query: string): MemoryHit[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits: MemoryHit[] = [];
  for (const file of files) {
    const lines = readText(path.join(memoryDir, file)).split('\n');
    lines.forEach((text, i) => {
      const lower = text.toLowerCase();
      if (hits.length < MAX_HITS && words.every((w) => lower.includes(w))) hits.push({ file, line: i + 1, text: text.trim() });
    });
  }
  return hits;
}

function listMarkdown(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
