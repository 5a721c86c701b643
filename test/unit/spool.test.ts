import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, type SpoolRecord } from '../../src/store/spool.js';
import { useTempDir, vigilErrorOf } from './helpers.js';

const tempDir = useTempDir('vigil-spool-');

function record(n: number, body: object = { n, text: 'naïve ☃ café' }): SpoolRecord {
  return { deliveryId: `d-${n}`, event: 'issues', receivedAt: 1_700_000_000_000 + n, body: JSON.stringify(body) };
}

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.spool')).sort();
}

describe('Spool', () => {
  it('reads back every record exactly as appended, by its ref', () => {
    const spool = new Spool(path.join(tempDir(), 'spool'));
    const refs = [...spool.append([record(1), record(2)]), ...spool.append([record(3)])];
    expect(new Set(refs).size).toBe(3);
    refs.forEach((ref, i) => {
      expect(spool.read(ref)).toBe(record(i + 1).body);
      expect(spool.readAt(ref)).toEqual({ ...record(i + 1), ref });
    });
    spool.close();
  });

  it('starts a new segment per writer and when a segment is full, and scans them in order', () => {
    const dir = path.join(tempDir(), 'spool');
    const first = new Spool(dir, { segmentBytes: 50 });
    first.append([record(1)]);
    first.append([record(2)]); // the first segment passed 50 bytes: a second one
    first.close();
    const second = new Spool(dir);
    second.append([record(3)]);
    expect(segmentFiles(dir)).toEqual(['000001.spool', '000002.spool', '000003.spool']);
    const { records, torn } = second.scanAfter(undefined);
    expect(torn).toEqual([]);
    expect(records.map((r) => r.deliveryId)).toEqual(['d-1', 'd-2', 'd-3']);
    // After a ref: only what follows it, across segments.
    expect(second.scanAfter(records[0]!.ref).records.map((r) => r.deliveryId)).toEqual(['d-2', 'd-3']);
    expect(second.scanAfter(records[2]!.ref).records).toEqual([]);
    second.close();
  });

  it('stops a segment at a torn tail, goes on with the next, and cuts the tail off', () => {
    const dir = path.join(tempDir(), 'spool');
    const a = new Spool(dir);
    const [r1, r2] = a.append([record(1), record(2)]);
    a.close();
    const file = path.join(dir, '000001.spool');
    const full = fs.statSync(file).size;
    fs.truncateSync(file, full - 5); // a crash in the middle of writing record 2
    const b = new Spool(dir);
    b.append([record(3)]);
    const { records, torn } = b.scanAfter(undefined);
    expect(records.map((r) => r.deliveryId)).toEqual(['d-1', 'd-3']);
    const start2 = Number(r2!.split(':')[1]);
    expect(torn).toEqual([{ segment: 1, validBytes: start2 }]);
    b.truncate(1, start2);
    expect(fs.statSync(file).size).toBe(start2);
    expect(b.read(r1!)).toBe(record(1).body);
    expect(vigilErrorOf(() => b.read(r2!), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    b.close();
  });

  it('treats a changed byte as a record that does not check', () => {
    const dir = path.join(tempDir(), 'spool');
    const spool = new Spool(dir);
    const [ref] = spool.append([record(1, { text: 'x'.repeat(100) })]);
    spool.close();
    const file = path.join(dir, '000001.spool');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = 'y'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    const reader = new Spool(dir);
    expect(vigilErrorOf(() => reader.read(ref!), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    expect(reader.scanAfter(undefined)).toEqual({ records: [], torn: [{ segment: 1, validBytes: 0 }] });
    reader.close();
  });

  it('durable() resolves once a sync covers every write before it, one sync for many waiters', async () => {
    const spool = new Spool(path.join(tempDir(), 'spool'));
    const refs = spool.write([record(1)]);
    const first = spool.durable();
    spool.write([record(2)]);
    const second = spool.durable();
    const third = spool.durable();
    await Promise.all([first, second, third]);
    // Nothing unsynced left: resolves without a sync.
    await spool.durable();
    expect(spool.read(refs[0]!)).toBe(record(1).body);
    spool.close();
  });

  it('durable() covers a segment left behind by a rotation as well as the new one', async () => {
    const dir = path.join(tempDir(), 'spool');
    const spool = new Spool(dir, { segmentBytes: 50 });
    const [a] = spool.write([record(1)]);
    const first = spool.durable();
    const [b] = spool.write([record(2)]); // rotates: segment 1 is owed a sync, segment 2 is new
    const [c] = spool.write([record(3)]);
    await Promise.all([first, spool.durable()]);
    expect(segmentFiles(dir)).toEqual(['000001.spool', '000002.spool', '000003.spool']);
    expect([a, b, c].map((ref) => spool.read(ref!))).toEqual([record(1).body, record(2).body, record(3).body]);
    spool.close();
    // Closed means closed: a new handle reads everything back in order.
    const again = new Spool(dir);
    expect(again.scanAfter(undefined).records.map((r) => r.deliveryId)).toEqual(['d-1', 'd-2', 'd-3']);
    again.close();
  });

  it('refuses a malformed ref and a missing segment with VIGIL_ERR_SPOOL', () => {
    const spool = new Spool(path.join(tempDir(), 'spool'));
    expect(vigilErrorOf(() => spool.read('nope'), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    expect(vigilErrorOf(() => spool.read('9:0'), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    expect(spool.scanAfter(undefined)).toEqual({ records: [], torn: [] });
  });

  it('lists only its own segment files, in number order; a missing folder has none', () => {
    const dir = path.join(tempDir(), 'spool');
    expect(new Spool(dir).segments()).toEqual([]);
    fs.mkdirSync(dir);
    for (const name of ['000010.spool', '000002.spool', '1234567.spool', '00003.spool', '000004.spool.tmp', 'x000005.spool', '000006.spoolx']) {
      fs.writeFileSync(path.join(dir, name), '');
    }
    const spool = new Spool(dir);
    expect(spool.segments()).toEqual([2, 10, 1234567]);
    // A new writer's segment follows the highest, never reuses a gap.
    expect(spool.append([record(1)])).toEqual(['1234568:0']);
    spool.close();
  });

  it('removes a whole segment, returning its bytes; a missing one frees nothing; the one being written is refused', () => {
    const dir = path.join(tempDir(), 'spool');
    const old = new Spool(dir);
    const [ref] = old.append([record(1)]);
    old.close();
    const spool = new Spool(dir);
    expect(spool.read(ref!)).toBe(record(1).body); // an open reader on segment 1
    spool.append([record(2)]);
    expect(spool.writingSegment()).toBe(2);
    const size = fs.statSync(path.join(dir, '000001.spool')).size;
    expect(spool.removeSegment(1)).toBe(size);
    expect(segmentFiles(dir)).toEqual(['000002.spool']);
    expect(vigilErrorOf(() => spool.read(ref!), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    expect(spool.removeSegment(1)).toBe(0);
    expect(vigilErrorOf(() => spool.removeSegment(2), 'VIGIL_ERR_SPOOL').message).toContain('000002.spool is being written');
    spool.close();
  });

  it('reads from more segments than it keeps handles open for, in any order, again and again', () => {
    const dir = path.join(tempDir(), 'spool');
    const refs: string[] = [];
    for (let n = 1; n <= 7; n++) {
      const writer = new Spool(dir);
      refs.push(...writer.append([record(n)]));
      writer.close();
    }
    const spool = new Spool(dir);
    const order = [0, 1, 2, 3, 4, 5, 6, 0, 6, 1, 5, 2, 4, 3, 0];
    expect(order.map((i) => spool.read(refs[i]!))).toEqual(order.map((i) => record(i + 1).body));
    // What a cut took off is gone for a reader too.
    spool.truncate(7, 0);
    expect(vigilErrorOf(() => spool.read(refs[6]!), 'VIGIL_ERR_SPOOL').code).toBe('VIGIL_ERR_SPOOL');
    expect(spool.read(refs[0]!)).toBe(record(1).body);
    spool.close();
  });

  it('scans from a ref in the middle of a segment: only what follows it', () => {
    const dir = path.join(tempDir(), 'spool');
    const spool = new Spool(dir);
    const refs = spool.append([record(1), record(2), record(3)]);
    expect(spool.scanAfter(refs[1]).records.map((r) => r.deliveryId)).toEqual(['d-3']);
    expect(spool.scanAfter(refs[0]).records.map((r) => r.ref)).toEqual(refs.slice(1));
    spool.close();
  });
});
