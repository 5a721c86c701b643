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
  /**
   * `quirk` makes the fake one documented server (issue 23); without it, OpenAI itself:
   * - `ollama`: a named tool_choice is accepted and ignored; the call comes back as JSON in `content` (after a `<think>` block, in a code fence).
   * - `lmstudio`: a named tool_choice is refused with 400 "Invalid tool_choice type: 'object'".
   * - `required-only`: only `"required"` is accepted (400 naming tool_choice for the named form and `auto`).
   * - `no-jinja`: llama-server started without --jinja: 500 "tools param requires --jinja flag" whenever tools are sent.
   * - `groq`: the first call answers 400 `tool_use_failed` with the generation in `failed_generation`.
   * - `mistral`: `stream_options` is refused with 422 (so is every streamed request vigil makes).
   * - `gemini`: tool calls come back with id `""`, a tool message without `name` or without a call id is refused with 400, and so is a tool schema with `additionalProperties`, `const` or `$schema`.
   * Scripted replies still win over the quirk's answer where both apply.
   * @param {{ apiKey?: string, quirk?: 'ollama' | 'lmstudio' | 'required-only' | 'no-jinja' | 'groq' | 'mistral' | 'gemini' }} [options]
   */
  constructor(options = {}) {
    this.apiKey = options.apiKey;
    this.quirk = options.quirk;
    this.groqFailed = false;
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
      const refused = this.refuses(body);
      if (refused) return sendError(res, refused.status, refused.message, {}, refused.extra);
      let reply = this.script.length ? this.script.shift() : this.respond(body, record);
      if (this.quirk === 'ollama' && reply.decide !== undefined) reply = { text: `<think>The user wants a decision.</think>\n\`\`\`json\n${JSON.stringify(reply.decide)}\n\`\`\`` };
      if (reply.needsTokens !== undefined && (body.max_tokens ?? Infinity) < reply.needsTokens) {
        reply = { rawArguments: JSON.stringify(reply.decide).slice(0, 12), truncated: true };
      }
      if (this.quirk === 'gemini') reply = { ...reply, emptyIds: true };
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

  /** The quirk's refusal of this request, in the server's documented words; undefined when it is served. */
  refuses(body) {
    const choice = body.tool_choice;
    const named = choice && typeof choice === 'object';
    if (this.quirk === 'no-jinja' && body.tools?.length) return { status: 500, message: 'tools param requires --jinja flag' };
    if (this.quirk === 'lmstudio' && named) return { status: 400, message: "Invalid tool_choice type: 'object'. Supported string values: none, auto, required" };
    if (this.quirk === 'required-only' && choice !== 'required') return { status: 400, message: `tool_choice ${JSON.stringify(choice)} is not supported; use "required"` };
    if (this.quirk === 'mistral' && body.stream_options !== undefined) {
      return { status: 422, message: 'body.stream_options: Extra inputs are not permitted', extra: { type: 'invalid_request_error' } };
    }
    // Gemini's schema dialect: an OpenAPI subset without these keywords (issue 23).
    const refusedKeyword = /"(additionalProperties|const|\$schema)":/.exec(JSON.stringify(body.tools ?? []))?.[1];
    if (this.quirk === 'gemini' && refusedKeyword) return { status: 400, message: `Invalid JSON payload received. Unknown name "${refusedKeyword}" at 'tools[0].function_declarations[0].parameters': Cannot find field.` };
    const nameless = (body.messages ?? []).find((m) => m.role === 'tool' && (!m.name || !m.tool_call_id));
    if (this.quirk === 'gemini' && nameless) return { status: 400, message: 'Invalid JSON payload received. function_response.name: Name cannot be empty.' };
    if (this.quirk === 'groq' && !this.groqFailed) {
      this.groqFailed = true;
      const generation = `<function=decide>${JSON.stringify(this.respond(body).decide)}</function>`;
      return {
        status: 400,
        message: "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
        extra: { type: 'invalid_request_error', code: 'tool_use_failed', failed_generation: generation },
      };
    }
    return undefined;
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

function callId(reply) {
  return reply.emptyIds ? '' : `call_${crypto.randomBytes(6).toString('hex')}`;
}

function toolCall(reply) {
  return { id: callId(reply), type: 'function', function: { name: reply.tool ?? 'decide', arguments: reply.rawArguments ?? JSON.stringify(reply.decide) } };
}

/** Investigation tools the scripted model calls (issue 14), then its `decide` if any. */
function toolCalls(reply) {
  const calls = (reply.calls ?? []).map((c) => ({ id: callId(reply), type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
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
        finish_reason: reply.truncated ? 'length' : calls ? 'tool_calls' : 'stop',
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
  send([{ index: 0, delta: {}, finish_reason: reply.truncated ? 'length' : hasCall ? 'tool_calls' : 'stop' }]);
  if (body.stream_options?.include_usage) send([], { usage });
  res.write('data: [DONE]\n\n');
  res.end();
}

function sendError(res, status, message, headers = {}, extra = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null, ...extra } }));
}
