import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cliEnv, makeHome, removeHomes } from '../helpers/home.js';
import { FakeOpenAI, type FakeQuirk } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, later } from './helpers.js';

/** `vigil doctor --model` (issue 23): the CLI process against a fake server on 127.0.0.1, one per documented behaviour. */
afterEach(() => removeHomes());

async function doctorModel(quirk: FakeQuirk | undefined, model: Record<string, unknown> = {}, respond?: FakeOpenAI['respond']) {
  const fake = new FakeOpenAI({ apiKey: FAKE_KEY, ...(quirk ? { quirk } : {}) });
  if (respond) fake.respond = respond;
  await fake.start();
  later(() => fake.stop());
  const home = makeHome({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen3:8b', ...model } });
  const env = cliEnv(home, { OPENAI_API_KEY: FAKE_KEY });
  // Asynchronously: the fake answers from this process.
  const result = await promisify(execFile)(process.execPath, [BIN, 'doctor', '--model', '--json'], { env, encoding: 'utf8' }).catch((err: { stdout: string }) => err);
  const { checks } = JSON.parse(result.stdout) as { checks: { name: string; status: string; detail: string }[] };
  return { fake, check: checks.find((c) => c.name === 'decide')! };
}

describe('vigil doctor --model', () => {
  it('OpenAI-like server: a call came back at the named step, valid, with its tokens', async () => {
    const { fake, check } = await doctorModel(undefined);
    expect(check).toMatchObject({ status: 'ok', detail: expect.stringMatching(/a decide call came back and validates \(generic preset, tool_choice "named"; \d+ tokens\)/) });
    expect(fake.calls).toHaveLength(1);
  });

  it("LM Studio: the named choice is refused, \"required\" worked", async () => {
    const { check } = await doctorModel('lmstudio');
    expect(check).toMatchObject({ status: 'ok', detail: expect.stringContaining('tool_choice "required"') });
  });

  it('Ollama: no call, the answer recovered from the text (a warning)', async () => {
    const { check } = await doctorModel('ollama');
    expect(check).toMatchObject({ status: 'warn', detail: expect.stringContaining('recovered') });
  });

  it('llama-server without --jinja: the rejected parameter and its fix', async () => {
    const { fake, check } = await doctorModel('no-jinja');
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('start it with --jinja') });
    expect(fake.calls).toHaveLength(1);
  });

  it('Mistral streamed: stream_options rejected, named in the answer', async () => {
    const { check } = await doctorModel('mistral', { stream: true });
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringMatching(/streamed.*stream_options.*model\.stream/) });
  });

  it('a server that takes only "required": the named choice refused, "required" worked', async () => {
    const { check } = await doctorModel('required-only');
    expect(check).toMatchObject({ status: 'ok', detail: expect.stringContaining('tool_choice "required"') });
  });

  it("Groq's tool_use_failed: the answer recovered from failed_generation (a warning)", async () => {
    const { check } = await doctorModel('groq');
    expect(check).toMatchObject({ status: 'warn', detail: expect.stringContaining('recovered') });
  });

  it('Gemini: empty call ids and its schema dialect — the portable schema is taken and the call validates', async () => {
    const { fake, check } = await doctorModel('gemini');
    expect(check).toMatchObject({ status: 'ok', detail: expect.stringContaining('validates') });
    expect(JSON.stringify(fake.calls[0]!.body.tools)).not.toMatch(/"(additionalProperties|const)":/);
  });

  it('an answer cut at the output cap: named as model.maxTokens', async () => {
    const { check } = await doctorModel(undefined, {}, () => ({ decide: { act: false, summary: 'ok', proposals: [] }, needsTokens: 100_000 }));
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('model.maxTokens') });
  });
});
