import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseSpoolRef, Spool, type SpoolWrite } from '../../src/store/spool.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

/**
 * A spool record's bytes (spool-record.ts): `VSP1`, meta length, body length, crc32 of
 * meta and body, meta JSON, body. What a crash leaves mid-record must read as torn, so a
 * scan stops there and the daemon cuts it off; anything else reads back byte for byte.
 */
const tempDir = useTempDir('vigil-spool-record-');

const HEADER = 16;

/** A segment holding `records`, closed; its path and refs. */
function segmentWith(records: SpoolWrite[]): { dir: string; file: string; refs: string[] } {
  const dir = path.join(tempDir(), 'spool');
  const spool = new Spool(dir);
  const refs = spool.append(records);
  spool.close();
  return { dir, file: path.join(dir, '000001.spool'), refs };
}

function scan(dir: string) {
  const spool = new Spool(dir);
  try {
    return spool.scanAfter(undefined);
  } finally {
    spool.close();
  }
}

/** A record built by hand, its crc correct over whatever meta and body it is given. */
function handMade(meta: string, body: string): Buffer {
  const m = Buffer.from(meta);
  const b = Buffer.from(body);
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(0x31505356, 0);
  header.writeUInt32LE(m.length, 4);
  header.writeUInt32LE(b.length, 8);
  header.writeUInt32LE(crc32(Buffer.concat([m, b])), 12);
  return Buffer.concat([header, m, b]);
}

const delivery = (n: number, over: Partial<SpoolWrite> = {}): SpoolWrite => ({
  deliveryId: `d-${n}`,
  event: 'issues',
  receivedAt: 1_700_000_000_000 + n,
  body: `{"n":${n},"text":"naïve ☃"}`,
  ...over,
});

describe('spool records', () => {
  it('lays a record out as VSP1, meta length, body length, crc32, meta, body', () => {
    const { file } = segmentWith([delivery(1, { bodyDigest: '0123456789abcdef' })]);
    const bytes = fs.readFileSync(file);
    const meta = '{"d":"d-1","e":"issues","t":1700000000001,"h":"0123456789abcdef"}';
    const body = Buffer.from('{"n":1,"text":"naïve ☃"}');
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('VSP1');
    expect(bytes.readUInt32LE(4)).toBe(Buffer.byteLength(meta));
    expect(bytes.readUInt32LE(8)).toBe(body.length);
    expect(bytes.subarray(HEADER, HEADER + meta.length).toString()).toBe(meta);
    expect(bytes.subarray(HEADER + meta.length)).toEqual(body);
    expect(bytes.readUInt32LE(12)).toBe(crc32(bytes.subarray(HEADER)));
    expect(bytes).toEqual(handMade(meta, body.toString()));
  });

  it('reads back the body digest when there is one, and none when there is not', () => {
    const { dir, refs } = segmentWith([delivery(1, { bodyDigest: 'feedfacecafebeef' }), delivery(2)]);
    const spool = new Spool(dir);
    expect(spool.readAt(refs[0]!)).toEqual({ ...delivery(1, { bodyDigest: 'feedfacecafebeef' }), ref: refs[0] });
    const second = spool.readAt(refs[1]!);
    expect(second).toEqual({ ...delivery(2), ref: refs[1] });
    expect('bodyDigest' in second).toBe(false);
    spool.close();
  });

  it('writes a body given as bytes exactly as the same text', () => {
    const text = delivery(1).body as string;
    const asText = fs.readFileSync(segmentWith([delivery(1)]).file);
    const asBytes = fs.readFileSync(segmentWith([delivery(1, { body: Buffer.from(text) })]).file);
    expect(asBytes).toEqual(asText);
  });

  it('places records back to back, each ref at its own start', () => {
    const { file, refs } = segmentWith([delivery(1), delivery(2), delivery(3)]);
    const bytes = fs.readFileSync(file);
    const starts = refs.map((ref) => parseSpoolRef(ref).offset);
    expect(starts[0]).toBe(0);
    for (const start of starts) expect(bytes.subarray(start, start + 4).toString('latin1')).toBe('VSP1');
    expect(starts[2]! + HEADER + bytes.readUInt32LE(starts[2]! + 4) + bytes.readUInt32LE(starts[2]! + 8)).toBe(bytes.length);
  });

  it('reads as torn: a header cut short, a wrong magic, lengths past the end, a crc that does not check, a meta that is not JSON', () => {
    const good = handMade('{"d":"d-9","e":"push","t":9}', '{}');
    const cases: [string, Buffer][] = [
      ['a header cut short', good.subarray(0, HEADER - 1)],
      ['a wrong magic', Buffer.concat([Buffer.from('VSP2'), good.subarray(4)])],
      ['lengths past the end', good.subarray(0, good.length - 1)],
      ['a crc that does not check', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from('!')])],
      ['a meta that is not JSON (with a crc that checks)', handMade('{"d":"d-9",', '{}')],
    ];
    for (const [what, tail] of cases) {
      const { dir, file } = segmentWith([delivery(1)]);
      const intact = fs.statSync(file).size;
      fs.appendFileSync(file, tail);
      expect(scan(dir), what).toEqual({ records: [expect.objectContaining({ deliveryId: 'd-1' })], torn: [{ segment: 1, validBytes: intact }] });
    }
  });

  it('reads a hand-made record whose header is exactly its bytes, and a record with an empty body', () => {
    const { dir, file } = segmentWith([delivery(1)]);
    fs.appendFileSync(file, handMade('{"d":"d-2","e":"push","t":2}', ''));
    expect(scan(dir)).toEqual({
      records: [expect.objectContaining({ deliveryId: 'd-1' }), { deliveryId: 'd-2', event: 'push', receivedAt: 2, body: '', ref: expect.stringMatching(/^1:\d+$/) }],
      torn: [],
    });
  });

  it('parses only <segment>:<offset> refs, both whole decimal numbers', () => {
    expect(parseSpoolRef('12:3456')).toEqual({ segment: 12, offset: 3456 });
    for (const bad of ['', '1', ':1', '1:', '1:2:3', ' 1:2', '1:2 ', '1:-2', '1.5:2', 'a:1', '1:0x10']) {
      expect(vigilErrorOf(() => parseSpoolRef(bad), 'VIGIL_ERR_SPOOL').message, bad).toContain(`"${bad}" is not a spool reference`);
    }
  });
});
