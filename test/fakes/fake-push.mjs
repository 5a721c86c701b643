// A push service on 127.0.0.1 for tests and benches, spoken to by the real `web-push`
// library. It does what a real one must: checks the VAPID JWT (RFC 8292: ES256 signature
// against the key in `k=`, `aud` = its own origin, `exp` within 24 h), and really decrypts
// the aes128gcm payload (RFC 8291 + RFC 8188) with the subscription's private key, which
// it made like a browser would. web-push speaks only HTTPS, so this serves TLS with a
// certificate made by openssl for the occasion. Plain JS so that benches use it too.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

export class FakePushService {
  messages = [];
  refused = [];
  requests = [];
  /** Called with each accepted message as it arrives (benches time them). */
  onMessage = undefined;
  #devices = new Map();
  #scripted = new Map();
  #server;
  #dir;

  constructor(server, origin, caFile, ca, dir) {
    this.#server = server;
    this.origin = origin;
    this.caFile = caFile;
    this.ca = ca;
    this.#dir = dir;
  }

  static async start() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-push-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    const ref = {};
    const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const answer = ref.service.receive(req.url ?? '/', req.headers, Buffer.concat(chunks));
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    ref.service = new FakePushService(server, `https://127.0.0.1:${port}`, cert, fs.readFileSync(cert, 'utf8'), dir);
    return ref.service;
  }

  /** A new browser subscription, keys made the way a browser makes them. */
  subscribe(name) {
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = crypto.randomBytes(16);
    this.#devices.set(`/push/${name}`, { ecdh, auth });
    return {
      endpoint: `${this.origin}/push/${name}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** The next answers for one subscription (after them: 201). */
  script(name, ...answers) {
    this.#scripted.set(`/push/${name}`, answers);
  }

  async waitFor(count, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`fake push: ${this.messages.length} of ${count} messages; refused: ${JSON.stringify(this.refused)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.messages;
  }

  async close() {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(() => resolve()));
    fs.rmSync(this.#dir, { recursive: true, force: true });
  }

  receive(url, headers, body) {
    this.requests.push({ path: url, at: Date.now() });
    const refuse = (status, reason) => {
      this.refused.push({ path: url, reason });
      return { status };
    };
    const device = this.#devices.get(url);
    if (!device) return refuse(404, 'unknown subscription');
    const vapid = checkVapid(headers.authorization, this.origin);
    if ('error' in vapid) return refuse(401, vapid.error);
    if (headers['content-encoding'] !== 'aes128gcm') return refuse(400, `content-encoding ${headers['content-encoding']}`);
    let payload;
    try {
      payload = decryptAes128gcm(body, device).toString('utf8');
    } catch (err) {
      return refuse(400, `cannot decrypt: ${err.message}`);
    }
    const next = this.#scripted.get(url)?.shift();
    if (next && next.status >= 300) return next;
    const message = { path: url, headers, claims: vapid.claims, vapidKey: vapid.key, payload, at: Date.now() };
    this.messages.push(message);
    this.onMessage?.(message);
    return next ?? { status: 201 };
  }
}

/** RFC 8292 §3: `vapid t=<JWT>, k=<public key>`; ES256 over the raw P-256 point in k. */
function checkVapid(header, origin) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return { error: `no vapid authorization: ${header}` };
  const [, jwt, k] = match;
  const [h, p, s] = jwt.split('.');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return { error: 'k is not an uncompressed P-256 point' };
  const publicKey = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const signed = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!signed) return { error: 'bad JWT signature' };
  const head = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (head.alg !== 'ES256') return { error: `alg ${head.alg}` };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) return { error: `aud ${claims.aud}, expected ${origin}` };
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) return { error: `exp ${claims.exp} is not within 24 h` };
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) return { error: `sub ${claims.sub}` };
  return { claims, key: k };
}

/** RFC 8291 §3.4 key derivation, then one RFC 8188 record: AES-128-GCM, padding up to a 0x02 delimiter. */
export function decryptAes128gcm(body, device) {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20];
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const uaPublic = device.ecdh.getPublicKey();
  const ecdhSecret = device.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, senderKey]);
  const ikm = Buffer.from(crypto.hkdfSync('sha256', ecdhSecret, device.auth, keyInfo, 32));
  const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(-16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('no last-record delimiter');
  return plain.subarray(0, end);
}
