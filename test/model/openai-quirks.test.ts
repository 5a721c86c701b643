import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonCompletion } from '../../src/model/complete-json.js';
import { OpenAITransport } from '../../src/model/openai.js';
import { FakeOpenAI, type FakeQuirk } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, harness, inboxState, issueOpened, later } from './helpers.js';

/** Issue 23: one fake per documented server behaviour, each spoken to by the real `openai` client. */
async function fakeServer(quirk?: FakeQuirk): Promise<FakeOpenAI> {
  const fake = new FakeOpenAI({ apiKey: FAKE_KEY, ...(quirk ? { quirk } : {}) });
  await fake.start();
  later(() => fake.stop());
  return fake;
}

const LABEL = { act: true, summary: 'bug report', proposals: [{ action: 'github.label', params: { repo: 'octo/app', number: 5, labels: ['bug'] }, rationale: 'it is a bug' }] };

function setUp(fake: FakeOpenAI, model: Record<string, unknown> = {}) {
  const h = harness({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen3:8b', ...model } });
  const event = h.addEvent('github.issues.opened', issueOpened(5, 'Broken', 'It is broken'));
  return { h, event };
}

const named = { type: 'function', function: { name: 'decide' } };

describe('OpenAI-compatible servers and their quirks (issue 23)', () => {
  for (const stream of [false, true]) {
    it(`Ollama ignores the named choice and answers in content: the decision is recovered and logged (${stream ? 'SSE' : 'JSON'})`, async () => {
      const fake = await fakeServer('ollama');
      fake.respond = () => ({ decide: LABEL });
      const { h, event } = setUp(fake, { stream });
      expect(await h.initiative.decideNext()).toBe('decided');
      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0]!.body.tool_choice).toEqual(named);
      expect(inboxState(h.store, event).state).toBe('decided');
      expect(h.journal.ofType('decision.recovered')).toEqual([expect.objectContaining({ eventId: event, model: 'qwen3:8b', from: 'content' })]);
      expect(h.journal.ofType('decision.invalid')).toEqual([]);
      expect(h.journal.ofType('approval.requested')).toEqual([expect.objectContaining({ action: 'github.label' })]);
    });
  }

  it('text that holds no valid decide input is not taken: the repair round is a plain user message and the event goes back', async () => {
    const fake = await fakeServer();
    fake.push({ text: 'I think we should label it. {"act": "maybe"}' }, { text: '```json\n{"name":"decide","arguments":{"act":true}}\n```' });
    const { h, event } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(h.journal.ofType('decision.recovered')).toEqual([]);
    const repair = fake.calls[1]!.body.messages;
    expect(repair.slice(2).map((m: { role: string }) => m.role)).toEqual(['assistant', 'user']);
    expect(repair[3].content).toContain('without calling the decide function');
    expect(inboxState(h.store, event).state).toBe('pending');
  });

  it("LM Studio refuses the named choice with 400: the ladder steps down to \"required\" at once and remembers it", async () => {
    const fake = await fakeServer('lmstudio');
    fake.respond = () => ({ decide: LABEL });
    const { h } = setUp(fake);
    h.addEvent('github.issues.opened', issueOpened(6, 'Also broken', 'Yes'));
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls.map((c) => c.body.tool_choice)).toEqual([named, 'required', 'required']);
    expect(h.journal.ofType('decision.failed')).toEqual([]);
    expect(h.provider.circuitStatus!(h.clock.now()).consecutiveFailures).toBe(0);
  });

  it('a server that takes only "required" is reached from named; model.toolChoice starts the ladder there', async () => {
    const fake = await fakeServer('required-only');
    fake.respond = () => ({ decide: LABEL });
    const { h } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls.map((c) => c.body.tool_choice)).toEqual([named, 'required']);

    const other = await fakeServer('required-only');
    other.respond = () => ({ decide: LABEL });
    const configured = setUp(other, { toolChoice: 'required' });
    expect(await configured.h.initiative.decideNext()).toBe('decided');
    expect(other.calls.map((c) => c.body.tool_choice)).toEqual(['required']);
  });

  it('a reply without a call steps down for the repair round; at "auto" the request asks for the call in words', async () => {
    const fake = await fakeServer();
    fake.push({ text: 'Sure, labelling.' }, { text: 'Done.' }, { decide: LABEL });
    const { h } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('failed');
    h.addEvent('github.issues.opened', issueOpened(7, 'x', 'y'));
    h.clock.advance(3_600_000);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls.map((c) => c.body.tool_choice)).toEqual([named, 'required', 'auto']);
    expect(fake.calls[2]!.body.messages.at(-1)).toEqual({ role: 'user', content: expect.stringContaining('calling the decide function') });
  });

  it('llama-server without --jinja: one call fails with a configuration error naming the fix, no retry, no strike on the circuit, the event waits', async () => {
    const fake = await fakeServer('no-jinja');
    const { h, event } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    const [failed] = h.journal.ofType('decision.failed');
    expect(failed!.error).toContain('a configuration change is needed');
    expect(failed!.error).toContain('start it with --jinja');
    expect(h.provider.circuitStatus!(h.clock.now())).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    // Given back with a retry time, not leased forever: once the server is fixed the event is decided.
    expect(inboxState(h.store, event).state).toBe('pending');
    expect(Date.parse(String(failed!.retryAt))).toBeGreaterThan(h.clock.now());
    fake.quirk = undefined;
    h.clock.advance(3_600_000);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(inboxState(h.store, event).state).toBe('decided');
  });

  it("Groq's 400 tool_use_failed: the decision is recovered from failed_generation", async () => {
    const fake = await fakeServer('groq');
    fake.respond = () => ({ decide: LABEL });
    const { h, event } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    expect(inboxState(h.store, event).state).toBe('decided');
    expect(h.journal.ofType('decision.recovered')).toEqual([expect.objectContaining({ from: 'failed_generation' })]);
  });

  it('Mistral refuses stream_options with 422: with model.stream a configuration error naming the fix, once; without it decisions work', async () => {
    const fake = await fakeServer('mistral');
    fake.respond = () => ({ decide: LABEL });
    const { h, event } = setUp(fake, { stream: true });
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls).toHaveLength(1);
    expect(h.journal.ofType('decision.failed')[0]!.error).toContain('set model.stream to false');
    expect(h.provider.circuitStatus!(h.clock.now()).consecutiveFailures).toBe(0);
    expect(inboxState(h.store, event).state).toBe('pending');
    const plain = setUp(fake, { stream: false });
    expect(await plain.h.initiative.decideNext()).toBe('decided');
  });

  it('the Mistral preset (model.server, or guessed from api.mistral.ai) streams without stream_options: decisions work streamed', async () => {
    const fake = await fakeServer('mistral');
    fake.respond = () => ({ decide: LABEL });
    const { h, event } = setUp(fake, { stream: true, server: 'mistral' });
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.body).toMatchObject({ stream: true });
    expect(fake.calls[0]!.body.stream_options).toBeUndefined();
    expect(inboxState(h.store, event).state).toBe('decided');
  });

  it('the LM Studio preset starts the ladder at "required": no refused request', async () => {
    const fake = await fakeServer('lmstudio');
    fake.respond = () => ({ decide: LABEL });
    const { h } = setUp(fake, { server: 'lmstudio' });
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls.map((c) => c.body.tool_choice)).toEqual(['required']);
  });

  it("model.extraBody reaches the wire beside vigil's own fields; the OpenAI preset sends no name on tool messages", async () => {
    const fake = await fakeServer();
    fake.push({ rawArguments: '{"act": true' }, { decide: LABEL });
    const { h } = setUp(fake, { server: 'openai', extraBody: { provider: { require_parameters: true }, reasoning_effort: 'low' } });
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(fake.calls[0]!.body).toMatchObject({ provider: { require_parameters: true }, reasoning_effort: 'low', tool_choice: named, model: 'qwen3:8b' });
    const tool = fake.calls[1]!.body.messages.find((m: { role: string }) => m.role === 'tool');
    expect(tool).toEqual({ role: 'tool', tool_call_id: expect.stringMatching(/^call_/), content: expect.any(String) });
  });

  it("Gemini's empty call ids and its demand for name: the repair round's tool message has a generated id and the tool's name", async () => {
    const fake = await fakeServer('gemini');
    fake.push({ rawArguments: '{"act": true, "summary": "oops"' }, { decide: LABEL });
    const { h, event } = setUp(fake);
    expect(await h.initiative.decideNext()).toBe('decided');
    const [, assistant, tool] = fake.calls[1]!.body.messages.slice(1);
    expect(assistant.tool_calls[0].id).toMatch(/^call_[0-9a-f]+$/);
    expect(tool).toMatchObject({ role: 'tool', name: 'decide', tool_call_id: assistant.tool_calls[0].id });
    expect(inboxState(h.store, event).state).toBe('decided');
  });

  for (const stream of [false, true]) {
    it(`finish_reason "length" is named as the output cap and retried once with twice the cap (${stream ? 'SSE' : 'JSON'})`, async () => {
      const fake = await fakeServer();
      fake.respond = () => ({ decide: LABEL, needsTokens: 1500 });
      const { h, event } = setUp(fake, { stream });
      expect(await h.initiative.decideNext()).toBe('decided');
      expect(fake.calls.map((c) => c.body.max_tokens)).toEqual([1024, 2048]);
      expect(inboxState(h.store, event).state).toBe('decided');
      expect(h.journal.ofType('decision.invalid')).toEqual([expect.objectContaining({ error: expect.stringContaining('output cap (model.maxTokens = 1024)'), retrying: true })]);
    });
  }
});

describe('JSON completions (the dream) through a server that answers in content (issue 23)', () => {
  const Batch = z.object({ operations: z.array(z.object({ op: z.enum(['ADD', 'KEEP']), text: z.string() })) }).strict();
  const tool = { name: 'consolidate', description: 'The operations.', schema: Batch };

  function completion(fake: FakeOpenAI) {
    const transport = new OpenAITransport({ apiKey: FAKE_KEY, baseURL: fake.url, timeoutMs: 10_000, stream: false });
    return jsonCompletion({ transport, model: 'qwen3:8b', maxTokens: 1024, timeoutMs: 10_000, retry: { retries: 0, initialDelayMs: 1, maxDelayMs: 1 }, redact: (t) => t });
  }

  it('the consolidate answer is read from <tool_call> tags after a think block, with its name wrapper', async () => {
    const fake = await fakeServer();
    const operations = { operations: [{ op: 'ADD', text: 'the CI is slow' }] };
    fake.push(
      { text: `<think>{"operations": []}</think>Here:\n<tool_call>\n${JSON.stringify({ name: 'consolidate', arguments: JSON.stringify(operations) })}\n</tool_call>` },
      // A draft inside the thinking is not the answer, even when it validates.
      { text: `<think>Maybe {"operations": []}</think> The answer: ${JSON.stringify({ name: 'consolidate', parameters: operations })}` },
      { text: `${JSON.stringify({ name: 'other_tool', arguments: operations })}` },
    );
    const complete = completion(fake);
    expect((await complete({ system: 'Consolidate.', user: 'facts', tool })).json).toEqual(operations);
    expect((await complete({ system: 'Consolidate.', user: 'facts', tool })).json).toEqual(operations);
    // A wrapper naming another tool is not this tool's answer: the raw text goes to the caller's validation.
    expect((await complete({ system: 'Consolidate.', user: 'facts', tool })).json).toEqual(expect.stringContaining('other_tool'));
  });

  it('Ollama: the JSON in a code fence is the answer', async () => {
    const fake = await fakeServer('ollama');
    const operations = { operations: [{ op: 'KEEP', text: 'x' }] };
    fake.push({ tool: 'consolidate', decide: operations });
    const answer = await completion(fake)({ system: 'Consolidate.', user: 'facts', tool });
    expect(answer.json).toEqual(operations);
  });
});
