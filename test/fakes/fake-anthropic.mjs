// An honest fake of the Anthropic Messages API (POST /v1/messages) on 127.0.0.1, for
// the REAL @anthropic-ai/sdk pointed at it through baseURL. It checks the API key,
// records every raw request body, answers with scripted replies as JSON or as SSE
// (when the request says `stream: true`), and keeps token accounting like the API:
// a `cache_control` breakpoint caches the prefix up to it (tools → system → messages)
// for its TTL (5 min, or 1 h), refreshed on every read, under an injectable clock.
// Plain ESM so that both the tests and `npm run bench -- tokens` can use it.
import crypto from 'node:crypto';
import http from 'node:http';

/** ~4 characters per token: close enough to compare prompts with each other. */
export function countTokens(text) {
  return Math.ceil(text.length / 4);
}

const ERROR_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };

export class FakeAnthropic {
  /**
   * @param {{ apiKey?: string, now?: () => number, minCacheTokens?: number }} [options]
   */
  constructor(options = {}) {
    this.apiKey = options.apiKey;
    this.now = options.now ?? (() => Date.now());
    this.minCacheTokens = options.minCacheTokens ?? 1024;
    this.requests = [];
    this.script = [];
    /** The reply when the script is empty: a decision that acts on nothing. */
    this.respond = () => ({ decide: { act: false, summary: 'nothing to do', proposals: [] } });
    this.cache = new Map();
    this.sockets = new Set();
    this.server = undefined;
    this.url = '';
  }

  /** Queue replies, used in order before `respond`. */
  push(...replies) {
    this.script.push(...replies);
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Messages calls only (not count_tokens or anything else). */
  get calls() {
    return this.requests.filter((r) => r.path === '/v1/messages');
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const record = { path: req.url, headers: req.headers, raw, body, at: this.now() };
      this.requests.push(record);
      // The SDK sends the key as x-api-key or as a bearer token, depending on its version.
      const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
      if (this.apiKey !== undefined && key !== this.apiKey) return sendError(res, 401, 'invalid API key');
      if (req.method === 'GET' && req.url.startsWith('/v1/models')) return listModels(res);
      if (req.method !== 'POST' || req.url !== '/v1/messages') return sendError(res, 404, 'not found');
      if (!body) return sendError(res, 400, 'body is not JSON');
      const reply = this.script.length ? this.script.shift() : this.respond(body, record);
      this.answer(body, reply, res, record);
    });
  }

  answer(body, reply, res, record) {
    // A slow model: the reply comes after `delayMs`.
    if (reply.delayMs) return void setTimeout(() => this.answer(body, { ...reply, delayMs: 0 }, res, record), reply.delayMs);
    record.reply = reply;
    if (reply.hang) return; // never answer: the client must time out
    if (reply.error) return sendError(res, reply.error, reply.message ?? `scripted ${reply.error}`, reply.headers);
    const usage = this.account(body, reply);
    record.usage = usage;
    const message = messageFor(body, reply, usage);
    if (body.stream) return streamMessage(res, message, Boolean(reply.stallAfterStart));
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${crypto.randomUUID()}` });
    res.end(JSON.stringify(message));
  }

  /**
   * Token accounting with a prompt cache keyed by the bytes of the prefix. Like the API,
   * each `cache_control` breakpoint writes the prefix up to it, and a request reads the
   * longest cached prefix that ends at one of its breakpoints or at any block boundary
   * up to 20 blocks before one (so a breakpoint that moves down a conversation finds
   * the previous turn's). Tokens past the last breakpoint are plain input.
   */
  account(body, reply) {
    // A breakpoint marks where a prefix ends; like the API, the marker itself is not part of the cached bytes.
    const segment = ({ cache_control: mark, ...rest }) => ({ text: JSON.stringify(rest), mark });
    const segments = [...(body.tools ?? []), ...asBlocks(body.system), ...(body.messages ?? []).flatMap((m) => asBlocks(m.content))].map(segment);
    const total = countTokens(segments.map((s) => s.text).join(''));
    const output = countTokens(JSON.stringify(reply.decide ?? reply.calls ?? reply.text ?? '')) + 8;
    const plain = { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output };
    const marks = segments.flatMap((s, i) => (s.mark ? [i] : []));
    const last = marks.at(-1);
    if (last === undefined) return plain;
    const prefixAt = (i) => segments.slice(0, i + 1).map((s) => s.text).join('');
    const keyAt = (i) => crypto.createHash('sha256').update(`${body.model}\n${prefixAt(i)}`).digest('hex');
    const lastTokens = countTokens(prefixAt(last));
    if (lastTokens < this.minCacheTokens) return plain;
    const now = this.now();
    const candidates = new Set(marks.flatMap((m) => Array.from({ length: Math.min(20, m + 1) }, (_, k) => m - k)));
    const hit = [...candidates].sort((a, b) => b - a).find((i) => (this.cache.get(keyAt(i))?.until ?? -Infinity) > now);
    const readTokens = hit === undefined ? 0 : countTokens(prefixAt(hit));
    if (hit !== undefined) this.cache.get(keyAt(hit)).until = now + this.cache.get(keyAt(hit)).ttl;
    for (const m of marks) {
      const ttl = segments[m].mark.ttl === '1h' ? 3_600_000 : 300_000;
      const key = keyAt(m);
      const entry = this.cache.get(key);
      this.cache.set(key, { ttl, until: Math.max(entry?.until ?? -Infinity, now + ttl) });
    }
    return {
      input_tokens: total - lastTokens,
      cache_creation_input_tokens: lastTokens - readTokens,
      cache_read_input_tokens: readTokens,
      output_tokens: output,
    };
  }
}

function asBlocks(content) {
  if (content === undefined) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content;
}

function messageFor(body, reply, usage) {
  const content = [];
  if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
  // Investigation tools the scripted model calls (issue 14), before any decide.
  for (const call of reply.calls ?? []) {
    content.push({ type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: call.name, input: call.input });
  }
  if (reply.decide !== undefined) {
    content.push({ type: 'tool_use', id: `toolu_${crypto.randomBytes(8).toString('hex')}`, name: reply.tool ?? 'decide', input: reply.decide });
  }
  return {
    id: `msg_${crypto.randomBytes(8).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: reply.decide !== undefined || reply.calls?.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage,
  };
}

/** The Messages streaming protocol: message_start, blocks with deltas, message_delta, message_stop. */
function streamMessage(res, message, stallAfterStart) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { content, usage, ...rest } = message;
  send('message_start', { message: { ...rest, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  if (stallAfterStart) return; // headers and a first event, then silence: a stream that hangs
  send('ping', {});
  content.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { index, content_block: { ...block, input: {} } });
      const json = JSON.stringify(block.input);
      const third = Math.ceil(json.length / 3);
      for (let i = 0; i < json.length; i += third) {
        send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + third) } });
      }
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  send('message_stop', {});
  res.end();
}

/** GET /v1/models: what `vigil doctor` asks to learn that the endpoint takes the key. */
function listModels(res) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const data = ['claude-sonnet-4-6', 'claude-haiku-4-5'].map((id) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' }));
  res.end(JSON.stringify({ data, has_more: false, first_id: data[0].id, last_id: data.at(-1).id }));
}

function sendError(res, status, message, headers = {}) {
  const type = ERROR_TYPES[status] ?? 'api_error';
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/** The first user message's text: a string, or text blocks when it carries a cache breakpoint (a decision that may look). */
export function firstUserText(body) {
  const content = body.messages?.[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((b) => b.text ?? '').join('');
}
