import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { VigilError } from '../errors.js';

/**
 * The bytes of one spool record, and where one is. A record is `VSP1` | meta length
 * u32 | body length u32 | crc32(meta + body) u32 | meta (JSON: delivery id, event,
 * received at) | body (UTF-8). A record cut short, with a wrong magic or a crc that
 * does not check reads as torn: that is where a crash stopped an append. The meta's
 * body digest (issue 12) is absent from records written before it existed.
 */

const MAGIC = 0x31505356; // 'VSP1' little-endian
const HEADER_BYTES = 16;

export interface SpoolRecord {
  deliveryId: string;
  event: string;
  receivedAt: number;
  /** The JSON text of the payload, exactly as it will be read back. */
  body: string;
  /** The inbox's replay key for these bytes (16 hex digits), so an index at start can refuse replays too. */
  bodyDigest?: string;
}

/**
 * A record to append: the body as text, or as its UTF-8 bytes when the caller has them
 * already (the webhook route read them off the socket): copied, not encoded again — at
 * ~11 KB a delivery the encode was a tenth of the intake's CPU (issue 18's profile).
 */
export interface SpoolWrite extends Omit<SpoolRecord, 'body'> {
  body: string | Buffer;
}

export interface ScannedRecord extends SpoolRecord {
  ref: string;
}

interface Meta {
  d: string;
  e: string;
  t: number;
  h?: string;
}

/** `<segment>:<offset>` — where a record starts. */
export function spoolRef(segment: number, offset: number): string {
  return `${segment}:${offset}`;
}

export function parseSpoolRef(ref: string): { segment: number; offset: number } {
  const match = /^(\d+):(\d+)$/.exec(ref);
  if (!match) throw new VigilError('VIGIL_ERR_SPOOL', `"${ref}" is not a spool reference`);
  return { segment: Number(match[1]), offset: Number(match[2]) };
}

export interface EncodedSize {
  meta: string;
  metaBytes: number;
  bodyBytes: number;
  total: number;
}

export function encodedSize(record: SpoolWrite): EncodedSize {
  const fields: Meta = { d: record.deliveryId, e: record.event, t: record.receivedAt };
  if (record.bodyDigest !== undefined) fields.h = record.bodyDigest;
  const meta = JSON.stringify(fields);
  const metaBytes = Buffer.byteLength(meta);
  const bodyBytes = typeof record.body === 'string' ? Buffer.byteLength(record.body) : record.body.length;
  return { meta, metaBytes, bodyBytes, total: HEADER_BYTES + metaBytes + bodyBytes };
}

export function encodeInto(buf: Buffer, at: number, record: SpoolWrite, size: EncodedSize): void {
  buf.writeUInt32LE(MAGIC, at);
  buf.writeUInt32LE(size.metaBytes, at + 4);
  buf.writeUInt32LE(size.bodyBytes, at + 8);
  buf.write(size.meta, at + HEADER_BYTES, 'utf8');
  if (typeof record.body === 'string') buf.write(record.body, at + HEADER_BYTES + size.metaBytes, 'utf8');
  else record.body.copy(buf, at + HEADER_BYTES + size.metaBytes);
  buf.writeUInt32LE(crc32(buf.subarray(at + HEADER_BYTES, at + size.total)), at + 12);
}

/** The record at `offset`, 'torn' when it is cut short or does not check, undefined at a clean end. */
export function readRecord(fd: number, offset: number, size: number): { record: SpoolRecord; end: number } | 'torn' | undefined {
  if (offset >= size) return undefined;
  if (size - offset < HEADER_BYTES) return 'torn';
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  fs.readSync(fd, header, 0, HEADER_BYTES, offset);
  if (header.readUInt32LE(0) !== MAGIC) return 'torn';
  const metaBytes = header.readUInt32LE(4);
  const bodyBytes = header.readUInt32LE(8);
  const end = offset + HEADER_BYTES + metaBytes + bodyBytes;
  if (end > size) return 'torn';
  const rest = Buffer.allocUnsafe(metaBytes + bodyBytes);
  fs.readSync(fd, rest, 0, rest.length, offset + HEADER_BYTES);
  if (crc32(rest) !== header.readUInt32LE(12)) return 'torn';
  let meta: Meta;
  try {
    meta = JSON.parse(rest.toString('utf8', 0, metaBytes)) as Meta;
  } catch {
    return 'torn';
  }
  return {
    record: {
      deliveryId: meta.d,
      event: meta.e,
      receivedAt: meta.t,
      body: rest.toString('utf8', metaBytes),
      ...(typeof meta.h === 'string' ? { bodyDigest: meta.h } : {}),
    },
    end,
  };
}

