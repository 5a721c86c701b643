/**
 * The shapes one secret takes on its way out (issue 12): as it is, JSON-escaped (once,
 * and again for JSON inside a JSON string), URL-encoded, HTML-escaped (a page), base64 at each of the three
 * byte alignments it can sit at inside a longer encoded text, and a PEM key's body
 * without its armour and line breaks, and line by line. Each form is redacted and
 * each one makes a proposal "carry a secret".
 */

/**
 * Shorter values would redact ordinary words (and the policy would deny them); every
 * secret vigil generates is far longer, and a value this short is guessable anyway.
 */
export const MIN_SECRET_LENGTH = 8;

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/g;

export function secretForms(value: string): string[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  // As it is, and with CRLF line breaks (the same text when it has none: the set keeps one).
  const forms = new Set<string>([value, value.replace(/\r?\n/g, '\r\n')]);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  forms.add(JSON.stringify(json).slice(1, -1));
  forms.add(encodeURIComponent(value));
  forms.add(escapeHtml(value));
  for (const core of base64Cores(Buffer.from(value))) forms.add(core);
  for (const body of pemBodies(value)) {
    forms.add(body.joined);
    for (const line of body.lines) forms.add(line);
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** As src/web/html.ts escapes text into a page. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The base64 characters that depend on the secret's bytes alone, wherever it starts
 * in the encoded stream (offset 0, 1 or 2 of a 3-byte group), in the standard and the
 * URL alphabet: `Basic base64(user:token)` hides the token at an offset. The first
 * characters share bits with what comes before and the last with what comes after,
 * so they are left out.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64');
    const skip = [0, 2, 3][offset]!;
    const end = 4 * Math.floor(padded.length / 3);
    const core = encoded.slice(skip, end);
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** A PEM key's body: all of it on one line, and each of its lines (a leaked line is a leaked part of the key). */
function pemBodies(value: string): { joined: string; lines: string[] }[] {
  const bodies: { joined: string; lines: string[] }[] = [];
  for (const match of value.matchAll(PEM_BLOCK)) {
    // Headers like "Proc-Type:" in old encrypted PEMs are not key material.
    const lines = match[1]!.split(/\r?\n|\\n/).map((l) => l.trim()).filter((l) => l && !l.includes(':'));
    // A block without key lines joins to '', which is shorter than any form.
    bodies.push({ joined: lines.join(''), lines });
  }
  return bodies;
}
