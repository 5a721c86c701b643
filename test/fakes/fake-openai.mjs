// An honest fake of an OpenAI-compatible chat-completions endpoint (what Ollama, vLLM,
// llama.cpp server and DeepSeek serve) on 127.0.0.1, for the REAL `openai` client
// pointed at it through baseURL. Checks the bearer key when given one, records raw
// bodies, answers scripted function calls as JSON or SSE chunks (with the usage chunk
// when `stream_options.include_usage` asks for it), and reports automatic prefix
// caching like OpenAI: a repeated system message + tools counts as `cached_tokens`.
import crypto from 'node:crypto';
import http from 'node:http';
import { countTokens } from './fake-anthropic.mjs';

export class FakeOpenAI {
  /** @param {{ apiKey?: string }} [options] */
  constructor(options = {}) {
    this.apiKey = options.apiKey;
    this.requests = [];
    this.script = [];
    this.respond = () => ({ decide: { act: false, summary: 'nothing to do', proposals: [] } });
    this.prefixes = new Set();
    this.sockets = new Set();
    this.url = '';
  }

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
    this.url = `http://127.0.0.1:${this.server.address().port}/v1`;
    return this.url;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  get calls() {
    return this.requests.filter((r) => r.path === '/v1/chat/completions');
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
      const record = { path: req.url, headers: req.headers, raw, body };
      this.requests.push(record);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return sendError(res, 404, 'not found');
      if (this.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.apiKey}`) return sendError(res, 401, 'invalid api key');
      if (!body) return sendError(res, 400, 'body is not JSON');
      const reply = this.script.length ? this.script.shift() : this.respond(body, record);
      record.reply = reply;
      if (reply.hang) return;
      if (reply.error) return sendError(res, reply.error, reply.message ?? `scripted ${reply.error}`, reply.headers);
      const usage = this.account(body, reply);
      record.usage = usage;
      if (body.stream) return streamCompletion(res, body, reply, usage);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(body, reply, usage)));
    });
  }

  account(body, reply) {
    const prompt = countTokens(JSON.stringify(body.tools ?? []) + JSON.stringify(body.messages));
    const prefix = JSON.stringify(body.tools ?? []) + JSON.stringify(body.messages?.[0] ?? '');
    const key = crypto.createHash('sha256').update(`${body.model}\n${prefix}`).digest('hex');
    const cached = this.prefixes.has(key) ? countTokens(prefix) : 0;
    this.prefixes.add(key);
    const completionTokens = countTokens(JSON.stringify(reply.decide ?? reply.calls ?? reply.text ?? '')) + 8;
    return {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: cached },
    };
  }
}

function toolCall(reply) {
  return { id: `call_${crypto.randomBytes(6).toString('hex')}`, type: 'function', function: { name: reply.tool ?? 'decide', arguments: reply.rawArguments ?? JSON.stringify(reply.decide) } };
}

/** Investigation tools the scripted model calls (issue 14), then its `decide` if any. */
function toolCalls(reply) {
  const calls = (reply.calls ?? []).map((c) => ({ id: `call_${crypto.randomBytes(6).toString('hex')}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
  if (reply.decide !== undefined || reply.rawArguments !== undefined) calls.push(toolCall(reply));
  return calls.length ? calls : undefined;
}

function completion(body, reply, usage) {
  const calls = toolCalls(reply);
  return {
    id: `chatcmpl-${crypto.randomBytes(6).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? null, ...(calls ? { tool_calls: calls } : {}), refusal: null },
        finish_reason: calls ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage,
  };
}

function streamCompletion(res, body, reply, usage) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: `chatcmpl-${crypto.randomBytes(6).toString('hex')}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
  const send = (choices, extra = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: reply.text ?? null }, finish_reason: null }]);
  if (reply.stallAfterStart) return;
  const calls = toolCalls(reply) ?? [];
  const hasCall = calls.length > 0;
  calls.forEach((call, index) => {
    const args = call.function.arguments;
    send([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }]);
    const third = Math.max(1, Math.ceil(args.length / 3));
    for (let i = 0; i < args.length; i += third) {
      send([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(i, i + third) } }] }, finish_reason: null }]);
    }
  });
  send([{ index: 0, delta: {}, finish_reason: hasCall ? 'tool_calls' : 'stop' }]);
  if (body.stream_options?.include_usage) send([], { usage });
  res.write('data: [DONE]\n\n');
  res.end();
}

function sendError(res, status, message, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }));
}
