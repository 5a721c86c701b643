import fs from 'node:fs';

/**
 * A JSON object file read without ever turning some of its top-level values into
 * strings: the daemon reads secrets.json this way so that the GitHub credentials (issue
 * 14: "the daemon holds no GitHub credential") never enter its heap. The file's bytes go
 * into one buffer, the withheld values are stepped over byte by byte, the rest is parsed,
 * and the buffer is zeroed — no copy of a withheld value is left in the process.
 */
export function readJsonWithout(file: string, withheld: readonly string[]): { value: Record<string, unknown>; found: string[] } {
  const bytes = readBytes(file);
  try {
    return parseWithout(bytes, new Set(withheld));
  } finally {
    bytes.fill(0);
  }
}

/** Read into one buffer of our own (no pooled or concatenated copies to forget). */
function readBytes(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const read = fs.readSync(fd, bytes, at, size - at, at);
      if (read === 0) break;
      at += read;
    }
    return bytes.subarray(0, at);
  } finally {
    fs.closeSync(fd);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function parseWithout(bytes: Buffer, withheld: ReadonlySet<string>): { value: Record<string, unknown>; found: string[] } {
  const kept: string[] = [];
  const found: string[] = [];
  let i = space(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  expect(bytes, i, '{');
  i = space(bytes, i + 1);
  if (bytes[i] === 0x7d) i = space(bytes, i + 1);
  else {
    for (;;) {
      expect(bytes, i, '"');
      const keyEnd = stringEnd(bytes, i);
      const keyJson = bytes.toString('utf8', i, keyEnd);
      const key = JSON.parse(keyJson) as string;
      i = space(bytes, keyEnd);
      expect(bytes, i, ':');
      const start = space(bytes, i + 1);
      const end = valueEnd(bytes, start);
      if (withheld.has(key)) found.push(key);
      else kept.push(`${keyJson}:${bytes.toString('utf8', start, end)}`);
      i = space(bytes, end);
      if (bytes[i] === 0x2c) {
        i = space(bytes, i + 1);
        continue;
      }
      expect(bytes, i, '}');
      i = space(bytes, i + 1);
      break;
    }
  }
  if (i !== bytes.length) throw new SyntaxError(`unexpected content after the object at byte ${i}`);
  // The kept values are checked by the real parser; only the withheld ones were merely stepped over.
  return { value: JSON.parse(`{${kept.join(',')}}`) as Record<string, unknown>, found: [...new Set(found)] };
}

function expect(bytes: Buffer, i: number, char: string): void {
  if (bytes[i] !== char.charCodeAt(0)) throw new SyntaxError(`expected '${char}' at byte ${i}`);
}

function space(bytes: Buffer, i: number): number {
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return i;
}

/** The index just past the string that opens at `i`. */
function stringEnd(bytes: Buffer, i: number): number {
  for (let j = i + 1; j < bytes.length; j++) {
    if (bytes[j] === BACKSLASH) j++;
    else if (bytes[j] === QUOTE) return j + 1;
  }
  throw new SyntaxError('unterminated string');
}

/** The index just past the value that starts at `i`: a string, an object or array (nesting and strings respected), or a literal. */
function valueEnd(bytes: Buffer, i: number): number {
  const first = bytes[i];
  if (first === QUOTE) return stringEnd(bytes, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let j = i; j < bytes.length; j++) {
      const b = bytes[j];
      if (b === QUOTE) j = stringEnd(bytes, j) - 1;
      else if (b === 0x7b || b === 0x5b) depth++;
      else if (b === 0x7d || b === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new SyntaxError('unterminated object or array');
  }
  let j = i;
  while (j < bytes.length && /[-+.\w]/.test(String.fromCharCode(bytes[j]!))) j++;
  if (j === i) throw new SyntaxError(`unexpected byte at ${i}`);
  return j;
}
