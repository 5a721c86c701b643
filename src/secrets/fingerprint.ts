import crypto from 'node:crypto';
import { MIN_SECRET_LENGTH, secretForms } from './forms.js';
import { deepRedact, REDACTED, type Redact, type SecretMask } from './redactor.js';

/**
 * A mask that finds secrets it does not hold (issue 14): the daemon never reads the
 * GitHub credentials — only the worker acts on GitHub — yet a copy an issue carries must
 * still be redacted from prompts and logs and deny a proposal at the gate. A short-lived
 * child reads them and hands the daemon, for each form of each value (src/secrets/forms.ts),
 * its length, a 16-bit probe of its first characters and an HMAC of the whole under a
 * random key. The daemon slides a window over a text, and only where a probe matches does
 * it HMAC the candidate and compare. What it holds cannot be turned back into a secret: the
 * digest is keyed and whole, and a probe says 16 bits about 8 characters.
 */
export interface SecretFingerprints {
  /** The HMAC and probe key, hex (random per fingerprinting). */
  key: string;
  /** How many values (not forms) were fingerprinted. */
  values: number;
  forms: { length: number; probe: number; digest: string }[];
}

/** The probe looks at this many characters: every form is at least this long. */
const WINDOW = MIN_SECRET_LENGTH;

export function fingerprintSecrets(values: Iterable<string>, key: Buffer = crypto.randomBytes(32)): SecretFingerprints {
  const unique = [...new Set([...values].filter((v) => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))];
  const probe = prober(key);
  const forms = [...new Set(unique.flatMap(secretForms))].map((form) => ({
    length: form.length,
    probe: probe.fold(probe.raw(form, 0)),
    digest: hmac(key, form),
  }));
  return { key: key.toString('hex'), values: unique.length, forms };
}

interface Candidate {
  length: number;
  digest: string;
}

export function makeFingerprintMask(fingerprints: SecretFingerprints): SecretMask {
  const key = Buffer.from(fingerprints.key, 'hex');
  const probe = prober(key);
  const byProbe = new Map<number, Candidate[]>();
  for (const { length, probe: p, digest } of fingerprints.forms) {
    const list = byProbe.get(p) ?? [];
    list.push({ length, digest });
    byProbe.set(p, list);
  }
  // Longest first, so a secret that contains another (a PEM body and its lines) is replaced whole.
  for (const list of byProbe.values()) list.sort((a, b) => b.length - a.length);
  const shortest = Math.min(...fingerprints.forms.map((f) => f.length));

  /** The longest form that starts at `i`, by its length; 0 when none does. */
  const matchAt = (text: string, i: number, state: number): number => {
    const list = byProbe.get(probe.fold(state));
    if (!list) return 0;
    for (const c of list) if (i + c.length <= text.length && hmac(key, text.slice(i, i + c.length)) === c.digest) return c.length;
    return 0;
  };

  /** Calls `found(start, length)` for each match, left to right, not overlapping; stops when it returns false. */
  const scan = (text: string, from: number, to: number, found: (start: number, length: number) => boolean): void => {
    if (!byProbe.size || text.length < shortest) return;
    let i = from;
    let state = i + WINDOW <= text.length ? probe.raw(text, i) : 0;
    while (i + WINDOW <= text.length && i < to) {
      const length = matchAt(text, i, state);
      if (length) {
        if (!found(i, length)) return;
        i += length;
        if (i + WINDOW <= text.length) state = probe.raw(text, i);
        continue;
      }
      if (i + WINDOW < text.length) state = probe.roll(state, text.charCodeAt(i), text.charCodeAt(i + WINDOW));
      i += 1;
    }
  };

  const redact: Redact = (text) => {
    let out = '';
    let last = 0;
    scan(text, 0, text.length, (start, length) => {
      out += text.slice(last, start) + REDACTED;
      last = start + length;
      return true;
    });
    return last === 0 ? text : out + text.slice(last);
  };
  const found = (text: string): boolean => {
    let hit = false;
    scan(text, 0, text.length, () => ((hit = true), false));
    return hit;
  };
  const longest = Math.max(0, ...fingerprints.forms.map((f) => f.length));

  return {
    size: fingerprints.values,
    redact,
    redactValue: (value) => (byProbe.size ? (deepRedact(value, redact, 0) as typeof value) : value),
    carries: (value) => {
      if (!byProbe.size || value === undefined || value === null) return false;
      return found(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
    },
    safeCut: (text, at) => {
      let end = Math.min(at, text.length);
      // A match that starts before the cut and ends after it moves the cut to its end; so may the next.
      for (let moved = true; moved && end < text.length; ) {
        moved = false;
        scan(text, Math.max(0, end - longest + 1), end, (start, length) => {
          if (start < end && start + length > end) {
            end = start + length;
            moved = true;
            return false;
          }
          return true;
        });
      }
      return end;
    },
  };
}

function hmac(key: Buffer, text: string): string {
  return crypto.createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/**
 * A keyed polynomial hash over `WINDOW` UTF-16 units, mod 2^32 (Math.imul), rolled one
 * character at a time: cheap enough to run over every position of a log line or a
 * prompt. `fold` turns the rolled state into the 16-bit probe that is stored.
 */
interface Prober {
  /** The rolled state of the window at `i`. */
  raw(text: string, i: number): number;
  /** The state one character on: `out` leaves the window, `into` enters it. */
  roll(state: number, out: number, into: number): number;
  fold(state: number): number;
}

function prober(key: Buffer): Prober {
  const base = key.readUInt32BE(0) | 1;
  const salt = key.readUInt32BE(4);
  let top = 1; // base^(WINDOW-1): the weight of the character that leaves the window
  for (let k = 1; k < WINDOW; k++) top = Math.imul(top, base);
  return {
    raw: (text, i) => {
      let h = 0;
      for (let k = 0; k < WINDOW; k++) h = (Math.imul(h, base) + text.charCodeAt(i + k)) | 0;
      return h;
    },
    roll: (state, out, into) => (Math.imul((state - Math.imul(out, top)) | 0, base) + into) | 0,
    fold: (state) => Math.imul(state ^ salt, 0x9e3779b1) >>> 16,
  };
}
