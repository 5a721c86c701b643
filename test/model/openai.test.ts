import { describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, harness, inboxState, issueOpened, later } from './helpers.js';

/** `keyless`: a local server (Ollama, llama.cpp) that checks no key. */
async function fakeServer(keyless = false): Promise<FakeOpenAI> {
  const fake = new FakeOpenAI(keyless ? {} : { apiKey: FAKE_KEY });
  await fake.start();
  later(() => fake.stop());
  return fake;
}

const LABEL = { act: true, summary: 'bug report', proposals: [{ action: 'github.label', params: { repo: 'octo/app', number: 5, labels: ['bug'] }, rationale: 'it is a bug' }] };

describe('the OpenAI-compatible provider, real openai client against a fake chat-completions server', () => {
  for (const stream of [false, true]) {
    it(`a webhook event and a tick each become a decision through a forced function call (${stream ? 'SSE' : 'JSON'})`, async () => {
      const fake = await fakeServer();
      fake.push({ decide: LABEL }, { decide: { act: false, summary: 'quiet tick', proposals: [] } });
      const h = harness({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen2.5:14b', tickModel: 'llama3.2:3b', stream } });
      const event = h.addEvent('github.issues.opened', issueOpened(5, 'Broken', 'It is broken'));
      const tick = h.addTick();
      expect(await h.initiative.decideNext()).toBe('decided');
      expect(await h.initiative.decideNext()).toBe('decided');

      const [first, second] = fake.calls;
      expect(first!.body.model).toBe('qwen2.5:14b');
      expect(second!.body.model).toBe('llama3.2:3b');
      expect(first!.body.tool_choice).toEqual({ type: 'function', function: { name: 'decide' } });
      expect(first!.body.tools[0].function.name).toBe('decide');
      expect(first!.body.tools[0].function.parameters.required).toEqual(['act', 'summary']);
      expect(first!.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
      expect(first!.body.messages[1].content).toContain('<third-party-data>');
      if (stream) expect(first!.body.stream_options).toEqual({ include_usage: true });

      expect(inboxState(h.store, event).state).toBe('decided');
      expect(inboxState(h.store, tick).state).toBe('decided');
      const made = h.journal.ofType('decision.made');
      expect(made.map((r) => [r.model, r.summary])).toEqual([
        ['qwen2.5:14b', 'bug report'],
        ['llama3.2:3b', 'quiet tick'],
      ]);
      expect(made[0]!.usage).toMatchObject({ inputTokens: first!.usage!.prompt_tokens, outputTokens: first!.usage!.completion_tokens });
      expect(h.journal.ofType('approval.requested')).toEqual([expect.objectContaining({ action: 'github.label' })]);
    });
  }

  it('the system message repeats byte for byte, and the server reports the repeat as cached tokens', async () => {
    const fake = await fakeServer();
    const h = harness({ model: { provider: 'openai', baseURL: fake.url, model: 'deepseek-chat' }, memory: '# Facts\n- the CI is slow' });
    h.addTick(['first tick']);
    h.addTick(['new events']);
    await h.initiative.decideNext();
    h.clock.advance(15 * 60_000);
    await h.initiative.decideNext();
    const [a, b] = fake.calls;
    expect(JSON.stringify(b!.body.messages[0])).toBe(JSON.stringify(a!.body.messages[0]));
    expect(b!.body.messages[1].content).not.toBe(a!.body.messages[1].content);
    const rows = h.store.db.prepare('SELECT input_tokens AS input, cache_read_tokens AS cached FROM model_usage ORDER BY id').all() as { input: number; cached: number }[];
    expect(rows[0]!.cached).toBe(0);
    expect(rows[1]!.cached).toBe(b!.usage!.prompt_tokens_details.cached_tokens);
    expect(rows[1]!.cached).toBeGreaterThan(0);
    expect(rows[1]!.input + rows[1]!.cached).toBe(b!.usage!.prompt_tokens);
  });

  it('arguments that are not JSON get one repair round with the error as the tool result', async () => {
    const fake = await fakeServer();
    fake.push({ rawArguments: '{"act": true, "summary": "oops"' }, { decide: LABEL });
    const h = harness({ model: { provider: 'openai', baseURL: fake.url, model: 'llama3.1' } });
    h.addEvent('github.issues.opened', issueOpened(5, 'x', 'y'));
    expect(await h.initiative.decideNext()).toBe('decided');
    const messages = fake.calls[1]!.body.messages;
    expect(messages[2]).toMatchObject({ role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'decide' } }] });
    expect(messages[3]).toMatchObject({ role: 'tool', tool_call_id: messages[2].tool_calls[0].id });
    expect(messages[3].content).toContain('Your decide input was invalid');
    expect(h.journal.ofType('decision.invalid')).toHaveLength(1);
  });

  it('429 with retry-after, a 502, a hung connection and a stalled stream are retried; no key is needed for a local server', async () => {
    const fake = await fakeServer(true);
    fake.push({ error: 429, headers: { 'retry-after': '1' } }, { error: 502 }, { hang: true }, { decide: LABEL, stallAfterStart: true }, { decide: LABEL });
    const h = harness({
      model: { provider: 'openai', baseURL: fake.url, model: 'llama3.1', stream: true, retries: 4, retryDelayMs: 100, timeoutSeconds: 0.4 },
      deps: { secrets: {} },
    });
    const id = h.addEvent('github.issues.opened', issueOpened(5, 'x', 'y'));
    expect(await h.initiative.decideNext()).toBe('decided');
    expect(h.sleeps).toEqual([1000, 150, 300, 600]);
    expect(h.journal.ofType('model.retry').map((r) => r.status ?? r.error)).toEqual([429, 502, 'timed out after 0.4 s', 'timed out after 0.4 s']);
    expect(fake.calls[0]!.headers.authorization).toBe('Bearer none');
    expect(h.store.decisions.countForEvent(id)).toBe(1);
  });
});
