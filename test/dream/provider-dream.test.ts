import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { homePaths } from '../../src/home/index.js';
import { generateSecrets } from '../../src/config/secrets.js';
import { dreamInHome } from '../../src/dream/index.js';
import { isVigilError } from '../../src/errors.js';
import { parseTopic } from '../../src/memory/topics.js';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FakeOpenAI } from '../fakes/fake-openai.mjs';
import { useTempDirs } from '../memory/helpers.js';
import { copyHome, DREAM_AT, dreamOn, fillHome, homeIn, memoryFiles, type Home } from './fixture.js';
import { makeRepo, REPO } from './synthetic.js';

const tempDir = useTempDirs('vigil-provider-dream-');
/** A recognisable key: it must reach the API as the key and never appear in a prompt. */
const FAKE_KEY = 'sk-ant-FAKE-DREAM-KEY-0123456789';

let repo: string;
let base: Home;
let fake: FakeAnthropic;

beforeAll(async () => {
  const fixed = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-provider-base-'));
  repo = makeRepo(fixed);
  base = homeIn(path.join(fixed, 'home'));
  await fillHome(base, 1, 20);
  await dreamOn({ home: base, repo, at: new Date(2026, 0, 21, 3).getTime() });
  await fillHome(base, 21, 30);
  return () => fs.rmSync(fixed, { recursive: true, force: true });
});

afterEach(async () => {
  await fake?.stop();
});

/** A home configured for the anthropic provider, as `vigil init` and the owner would leave it. */
async function anthropicHome(model: Record<string, unknown> = {}): Promise<Home> {
  const home = copyHome(base, tempDir());
  const config = { model: { provider: 'anthropic', retries: 0, ...model }, repos: [{ name: REPO, path: repo }], permissions: { mode: 'auto' } };
  fs.writeFileSync(path.join(home.dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(home.dir, 'secrets.json'), JSON.stringify(generateSecrets()));
  fake = new FakeAnthropic({ apiKey: FAKE_KEY });
  await fake.start();
  return home;
}

function dream(home: Home) {
  const env = { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: fake.url };
  return dreamInHome({ paths: homePaths(home.dir), env, clock: new FakeClock(DREAM_AT), trigger: 'manual' });
}

/** The number the prompt gives the fact (or observation) whose line matches. */
function numberOf(prompt: string, section: 'Facts' | 'Observations', pattern: RegExp): number {
  const body = prompt.split(`# ${section}`)[1]!;
  const line = body.split('\n').find((l) => /^\[\d+\]/.test(l) && pattern.test(l));
  if (!line) throw new Error(`no ${section} line matches ${pattern}:\n${prompt}`);
  return Number(/^\[(\d+)\]/.exec(line)![1]);
}

function userPrompt(body: { messages: { content: unknown }[] }): string {
  const content = body.messages[0]!.content;
  return typeof content === 'string' ? content : (content as { text: string }[]).map((b) => b.text).join('');
}

describe('a dream with model.provider "anthropic" (real SDK, fake Messages API)', () => {
  it('sends one request with the forced consolidate tool and applies the operations it returns', async () => {
    const home = await anthropicHome();
    const notes = path.join(home.memory, 'notes.md');
    fs.appendFileSync(notes, `- [octo/app] The deploy token of octo/app is ${FAKE_KEY}.\n`);
    fake.respond = (body) => {
      const p = userPrompt(body);
      return {
        tool: 'consolidate',
        decide: {
          operations: [
            { op: 'UPDATE', fact: numberOf(p, 'Facts', /CI command/), text: 'CI runs `npm run ci` on octo/app.', from: [numberOf(p, 'Observations', /npm run ci/)] },
            { op: 'DELETE', fact: numberOf(p, 'Facts', /flaky parser/), reason: 'no longer worth remembering' },
            { op: 'ADD', topic: 'octo/app', text: 'Releases of octo/app are cut on Fridays.', from: [numberOf(p, 'Observations', /npm run ci/)] },
          ],
        },
      };
    };
    const report = await dream(home);

    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0]!;
    // The fake answers 401 to any other key; the SDK sends it as x-api-key or as a bearer token.
    expect(call.headers['x-api-key'] ?? call.headers.authorization).toMatch(FAKE_KEY);
    expect(call.body.tool_choice).toEqual({ type: 'tool', name: 'consolidate' });
    expect(call.body.tools).toHaveLength(1);
    // The input schema is generated from the operations' zod schema: ops and their fields.
    const schema = JSON.stringify(call.body.tools[0].input_schema);
    expect(call.body.tools[0].input_schema).toMatchObject({ type: 'object', required: ['operations'], additionalProperties: false });
    for (const word of ['"ADD"', '"UPDATE"', '"DELETE"', '"KEEP"', '"fact"', '"from"']) expect(schema).toContain(word);
    // Redacted: the secret a note carried never left, the marker did.
    expect(call.raw).not.toContain(FAKE_KEY);
    expect(userPrompt(call.body)).toContain('[redacted]');

    const usage = call.usage!;
    const tokens = usage.input_tokens + usage.output_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    expect(report).toMatchObject({ consolidator: 'model', added: 1, updated: 1, removed: 1, modelTokens: tokens });
    expect(tokens).toBeGreaterThan(100);
    const facts = parseTopic('octo-app', fs.readFileSync(path.join(home.memory, 'topics/octo-app.md'), 'utf8'), '2099-01-01').facts;
    expect(facts.find((f) => /CI runs/.test(f.text))).toMatchObject({ text: 'CI runs `npm run ci` on octo/app.', source: expect.stringMatching(/^log 2026-01-22#\d+$/) });
    expect(facts.some((f) => /Releases of octo\/app are cut on Fridays/.test(f.text))).toBe(true);
    expect(facts.some((f) => /flaky parser/.test(f.text))).toBe(false);
  });

  it('rejects a scripted operation on a fact that does not exist: the dream fails and nothing is applied', async () => {
    const home = await anthropicHome();
    const before = memoryFiles(home);
    fake.push({
      tool: 'consolidate',
      decide: { operations: [{ op: 'ADD', topic: 'octo/app', text: 'Something new.', from: [1] }, { op: 'KEEP', fact: 99 }] },
    });
    let error: unknown;
    try {
      await dream(home);
    } catch (err) {
      error = err;
    }
    expect(fake.calls).toHaveLength(1);
    expect(isVigilError(error, 'VIGIL_ERR_DREAM_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/operation 2 \(KEEP\): there is no fact 99/);
    expect(memoryFiles(home)).toEqual(before);
  });

  it('retries an overloaded API (529) like a decision does, then applies the answer', async () => {
    const home = await anthropicHome({ retries: 1, retryDelayMs: 10, retryMaxDelayMs: 20 });
    fake.push({ error: 529, message: 'Overloaded' });
    fake.respond = (body) => ({ tool: 'consolidate', decide: { operations: [{ op: 'KEEP', fact: numberOf(userPrompt(body), 'Facts', /CI command/) }] } });
    const report = await dream(home);
    expect(fake.calls.map((c) => c.reply?.error ?? 'ok')).toEqual([529, 'ok']);
    expect(report).toMatchObject({ consolidator: 'model', added: 0, updated: 0, removed: 0 });
    expect(report.modelTokens).toBe(fake.calls[1]!.usage!.input_tokens + fake.calls[1]!.usage!.output_tokens);
  });
});

describe('a dream with model.provider "openai" through servers that answer in text (issue 23)', () => {
  for (const server of ['ollama', 'tool_call tags'] as const) {
    it(`${server}: the consolidate answer is read from the reply's text and applied`, async () => {
      const home = copyHome(base, tempDir());
      const config = { model: { provider: 'openai', baseURL: '', model: 'qwen3:8b', retries: 0 }, repos: [{ name: REPO, path: repo }], permissions: { mode: 'auto' } };
      const openai = new FakeOpenAI({ apiKey: FAKE_KEY, ...(server === 'ollama' ? { quirk: 'ollama' as const } : {}) });
      await openai.start();
      try {
        config.model.baseURL = openai.url;
        fs.writeFileSync(path.join(home.dir, 'config.json'), JSON.stringify(config));
        fs.writeFileSync(path.join(home.dir, 'secrets.json'), JSON.stringify(generateSecrets()));
        openai.respond = (body) => {
          const prompt = String(body.messages.find((m: { role: string }) => m.role === 'user')!.content);
          const operations = {
            operations: [{ op: 'ADD', topic: 'octo/app', text: `Releases of octo/app are cut on Fridays (${server}).`, from: [numberOf(prompt, 'Observations', /npm run ci/)] }],
          };
          // Ollama's quirk puts `decide` into a code fence after a think block; the other answers in tags, as Hermes-style templates do.
          return server === 'ollama'
            ? { decide: operations }
            : { text: `<think>{"operations": []}</think>\n<tool_call>\n${JSON.stringify({ name: 'consolidate', arguments: operations })}\n</tool_call>` };
        };
        const report = await dreamInHome({ paths: homePaths(home.dir), env: { OPENAI_API_KEY: FAKE_KEY }, clock: new FakeClock(DREAM_AT), trigger: 'manual' });
        expect(openai.calls).toHaveLength(1);
        expect(openai.calls[0]!.reply?.text).toBeDefined();
        expect(report).toMatchObject({ consolidator: 'model', added: 1 });
        const facts = parseTopic('octo-app', fs.readFileSync(path.join(home.memory, 'topics/octo-app.md'), 'utf8'), '2099-01-01').facts;
        expect(facts.some((f) => f.text === `Releases of octo/app are cut on Fridays (${server}).`)).toBe(true);
      } finally {
        await openai.stop();
      }
    });
  }
});
