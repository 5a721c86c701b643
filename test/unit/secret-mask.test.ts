import { describe, expect, it } from 'vitest';
import { combineMasks, deepRedact, makeRedactor, makeSecretMask, REDACTED } from '../../src/secrets/redactor.js';
import { secretForms } from '../../src/secrets/forms.js';

/**
 * The mask every exit uses (redactor.ts) and the forms it looks for (forms.ts), at their
 * edges: where a cut may fall so that no secret straddles it (a log field capped at N
 * characters must not keep half a token), two masks as one, and the forms one value takes.
 */

const TOKEN = 'tok_0123456789abcdefXYZ';

describe('a mask', () => {
  it('counts the values it holds, not their forms, and ignores values too short to be secrets', () => {
    expect(makeSecretMask([TOKEN, TOKEN, 'short', 'another-secret-value']).size).toBe(2);
    expect(makeSecretMask([]).size).toBe(0);
    // Exactly 8 characters is long enough.
    expect(makeSecretMask(['12345678']).size).toBe(1);
    expect(makeSecretMask(['12345678']).redact('pin 12345678')).toBe(`pin ${REDACTED}`);
    // A list from secrets.json is not a secret value (its strings are handed in one by one), and does not throw.
    const list = ['one-secret-0123', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
    expect(makeSecretMask([list as unknown as string, 42 as unknown as string]).size).toBe(0);
  });

  it('makeRedactor: the text redactor of a mask', () => {
    expect(makeRedactor([TOKEN, 'short'])(`a ${TOKEN} short`)).toBe(`a ${REDACTED} short`);
  });

  it('replaces a secret that contains another whole: longest form first', () => {
    const inner = 'secret-0123';
    const outer = `${inner}-and-more-4567`;
    expect(makeSecretMask([inner, outer]).redact(`a ${outer} b ${inner} c`)).toBe(`a ${REDACTED} b ${REDACTED} c`);
    expect(makeSecretMask([outer, inner]).redact(`a ${outer} b`)).toBe(`a ${REDACTED} b`);
  });

  it('replaces every occurrence, and leaves text shorter than any form as it is', () => {
    const mask = makeSecretMask([TOKEN]);
    expect(mask.redact(`${TOKEN}${TOKEN} ${TOKEN}`)).toBe(`${REDACTED}${REDACTED} ${REDACTED}`);
    expect(mask.redact('tok_01')).toBe('tok_01');
    expect(mask.redact(TOKEN.slice(0, -1))).toBe(TOKEN.slice(0, -1));
  });

  it('carries: a string, a value as JSON (escaped forms too), never null or undefined', () => {
    const quoted = 'pa"ss\\word-0123';
    const mask = makeSecretMask([quoted]);
    expect(mask.carries(quoted)).toBe(true);
    expect(mask.carries({ nested: [quoted] })).toBe(true);
    expect(mask.carries(null)).toBe(false);
    expect(mask.carries(undefined)).toBe(false);
    expect(mask.carries('pa"ss')).toBe(false);
    expect(mask.carries(42)).toBe(false);
    // A string is looked at as it is: JSON would escape it again, and a twice-escaped secret would be missed.
    const twice = JSON.stringify(JSON.stringify(quoted)).slice(1, -1);
    expect(mask.carries(`x ${twice} y`)).toBe(true);
    expect(makeSecretMask([]).carries(quoted)).toBe(false);
  });

  it('redactValue: a copy with every string and key redacted, Dates kept, the value itself when there is nothing to mask', () => {
    const mask = makeSecretMask([TOKEN]);
    const at = new Date(0);
    expect(mask.redactValue({ list: [TOKEN, 1, null, true], at, [`k-${TOKEN}`]: { deep: TOKEN } })).toEqual({
      list: [REDACTED, 1, null, true],
      at,
      [`k-${REDACTED}`]: { deep: REDACTED },
    });
    expect(mask.redactValue({ at }).at).toBe(at);
    const value = { a: TOKEN };
    expect(makeSecretMask([]).redactValue(value)).toBe(value);
    expect(mask.redactValue(TOKEN)).toBe(REDACTED);
  });

  it('stops at 32 levels: what lies deeper is kept as it is, never walked without end', () => {
    const redact = makeSecretMask([TOKEN]).redact;
    let deep: unknown = TOKEN;
    for (let i = 0; i < 40; i++) deep = [deep];
    const out = deepRedact(deep, redact, 0);
    let at: unknown = out;
    let depth = 0;
    while (Array.isArray(at)) {
      at = at[0];
      depth++;
    }
    expect(depth).toBe(40);
    expect(at).toBe(TOKEN);
    // A string is redacted at any depth: an array at depth 32 is still walked, one at 33 is not.
    let shallow: unknown = TOKEN;
    for (let i = 0; i < 33; i++) shallow = [shallow];
    expect(JSON.stringify(deepRedact(shallow, redact, 0))).toContain(REDACTED);
    let cut: unknown = TOKEN;
    for (let i = 0; i < 34; i++) cut = [cut];
    expect(JSON.stringify(deepRedact(cut, redact, 0))).toContain(TOKEN);
    // Objects count their levels the same.
    let nested: unknown = TOKEN;
    for (let i = 0; i < 34; i++) nested = { k: nested };
    expect(JSON.stringify(deepRedact(nested, redact, 0))).toContain(TOKEN);
    nested = TOKEN;
    for (let i = 0; i < 33; i++) nested = { k: nested };
    expect(JSON.stringify(deepRedact(nested, redact, 0))).toContain(REDACTED);
  });
});

describe('safeCut: no secret straddles the cut', () => {
  const mask = makeSecretMask([TOKEN]);
  const text = `0123456789${TOKEN}tail`;
  const end = 10 + TOKEN.length;

  it('moves a cut inside a secret to its end, and leaves a cut before or after one where it is', () => {
    for (const at of [11, 15, end - 1]) expect(mask.safeCut(text, at), String(at)).toBe(end);
    expect(mask.safeCut(text, 10)).toBe(10);
    expect(mask.safeCut(text, 5)).toBe(5);
    expect(mask.safeCut(text, end)).toBe(end);
    expect(mask.safeCut(text, end + 2)).toBe(end + 2);
  });

  it('never past the end of the text, and a mask without forms never moves it', () => {
    expect(mask.safeCut('short', 99)).toBe(5);
    expect(makeSecretMask([]).safeCut(text, 12)).toBe(12);
  });

  it('moves past secrets that follow each other, as many as straddle in turn', () => {
    const other = 'oth_9876543210zyxwv';
    const both = makeSecretMask([TOKEN, other]);
    const chained = `ab${TOKEN}${other}cd`;
    expect(both.safeCut(chained, 3)).toBe(2 + TOKEN.length);
    // A secret overlapping the next: the cut leaves both behind it.
    const overlapping = makeSecretMask([TOKEN, `${TOKEN.slice(-6)}-overlap-0`]);
    const joined = `ab${TOKEN}-overlap-0 cd`;
    expect(overlapping.safeCut(joined, 3)).toBe(joined.indexOf(' cd'));
    // The shorter secret (looked at last) moves the cut into the longer one (looked at first): looked at again, it moves past both.
    const chain = makeSecretMask(['short-0123', '0123-the-longer-secret']);
    const shared = 'xx short-0123-the-longer-secret yy';
    expect(chain.safeCut(shared, 5)).toBe(shared.indexOf(' yy'));
  });

  it('the kept part, redacted alone, holds no piece of the secret', () => {
    for (let at = 0; at <= text.length; at++) {
      const kept = mask.redact(text.slice(0, mask.safeCut(text, at)));
      expect(kept.includes(TOKEN.slice(0, 8)) && !kept.includes(REDACTED), String(at)).toBe(false);
    }
  });
});

describe('combineMasks', () => {
  const first = makeSecretMask(['first-secret-0001']);
  const second = makeSecretMask(['second-secret-0002']);
  const both = combineMasks(first, second);

  it('redacts, carries and sizes what either holds', () => {
    expect(both.size).toBe(2);
    expect(both.redact('a first-secret-0001 b second-secret-0002')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(both.redactValue({ x: 'first-secret-0001', y: ['second-secret-0002'] })).toEqual({ x: REDACTED, y: [REDACTED] });
    expect(both.carries({ y: 'second-secret-0002' })).toBe(true);
    expect(both.carries({ x: 'first-secret-0001' })).toBe(true);
    expect(both.carries({ z: 'neither' })).toBe(false);
  });

  it('cuts past a secret of either, until neither moves the cut', () => {
    const a = 'aaaa-secret-000';
    const b = 'bbbb-secret-111';
    const c = 'cccc-secret-222';
    const text = `xx${a}${b}${c}yy`;
    // The end of a lies inside the second mask's secret, whose end lies inside c: three moves.
    const one = makeSecretMask([a, c]);
    const two = makeSecretMask([`${a.slice(-4)}${b}${c.slice(0, 4)}`]);
    const whole = 2 + a.length + b.length + c.length;
    expect(combineMasks(one, two).safeCut(text, 3)).toBe(whole);
    expect(combineMasks(two, one).safeCut(text, 3)).toBe(whole);
    expect(combineMasks(one, two).safeCut(text, 1)).toBe(1);
    // A cut one character into a secret at the very start moves too.
    expect(combineMasks(one, two).safeCut(`${a} tail`, 1)).toBe(a.length);
  });
});

describe('secretForms', () => {
  it('a value of exactly 8 characters is a secret, with its forms of 8 and more', () => {
    expect(secretForms('12345678')).toContain('12345678');
    expect(secretForms('1234567')).toEqual([]);
  });

  it('a plain value has no other forms than itself and its base64 cores', () => {
    const value = 'plain-value-0123';
    const bytes = Buffer.from(value);
    const cores = [0, 1, 2].flatMap((offset) => {
      const core = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').slice([0, 2, 3][offset], 4 * Math.floor((offset + bytes.length) / 3));
      return [core, core.replace(/\+/g, '-').replace(/\//g, '_')];
    });
    expect(new Set(secretForms(value))).toEqual(new Set([value, ...cores]));
  });

  it('as it is, JSON-escaped once and twice, URL-encoded and HTML-escaped', () => {
    const value = `a&b<c>d"e'f\\g h`;
    const forms = secretForms(value);
    expect(forms).toContain(value);
    expect(forms).toContain(JSON.stringify(value).slice(1, -1));
    expect(forms).toContain(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
    expect(forms).toContain(encodeURIComponent(value));
    expect(forms).toContain('a&amp;b&lt;c&gt;d&quot;e&#39;f\\g h');
  });

  it('a value with line breaks also with CRLF; one without has no such form', () => {
    expect(secretForms('line-one\nline-two')).toContain('line-one\r\nline-two');
    expect(secretForms('line-one\r\nline-two')).toContain('line-one\r\nline-two');
    expect(secretForms('one-line-value').some((form) => form.includes('\r'))).toBe(false);
  });

  it('base64 cores at the three alignments, in both alphabets, without the characters that depend on neighbours', () => {
    const value = '\u00ff\u00fe-binaryish-0123456789?>';
    const forms = secretForms(value);
    const bytes = Buffer.from(value);
    for (const offset of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
      const core = encoded.slice([0, 2, 3][offset], 4 * Math.floor((offset + bytes.length) / 3));
      expect(forms, `offset ${offset}`).toContain(core);
      expect(forms, `offset ${offset}`).toContain(core.replace(/\+/g, '-').replace(/\//g, '_'));
      // Every character of the core is the value's: in a longer text at that offset, the core is found.
      expect(Buffer.concat([Buffer.from('xyz'.slice(0, offset)), bytes, Buffer.from('!')]).toString('base64')).toContain(core);
    }
  });

  it('a PEM body joined, and line by line; header lines with a colon are not key material', () => {
    const pem = ['-----BEGIN RSA PRIVATE KEY-----', 'Proc-Type: 4,ENCRYPTED', 'MIIEowIBAAKCAQEAline1', 'Zm9vYmFyYmF6line2', '-----END RSA PRIVATE KEY-----'].join('\n');
    const forms = secretForms(pem);
    expect(forms).toContain('MIIEowIBAAKCAQEAline1Zm9vYmFyYmF6line2');
    expect(forms).toContain('MIIEowIBAAKCAQEAline1');
    expect(forms).toContain('Zm9vYmFyYmF6line2');
    expect(forms).not.toContain('Proc-Type: 4,ENCRYPTED');
    // A PEM written with literal \n (as an environment variable holds it) splits the same.
    const escaped = pem.replace(/\n/g, '\\n');
    expect(secretForms(escaped)).toContain('MIIEowIBAAKCAQEAline1');
    // Lines shorter than 8 characters are not forms.
    const short = '-----BEGIN KEY-----\nabc\ndefghijklmnop\n-----END KEY-----';
    expect(secretForms(short)).not.toContain('abc');
    // A line's surrounding spaces are not part of it.
    expect(secretForms('-----BEGIN KEY-----\n  MIIEowIBAAKCAQEAline1  \n-----END KEY-----')).toContain('MIIEowIBAAKCAQEAline1');
  });
});
