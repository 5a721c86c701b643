import { describe, expect, it } from 'vitest';
import { ModelConfig } from '../../src/config/schema.js';
import { openaiParams } from '../../src/model/openai.js';
import { PRESET_NAMES, presetFor } from '../../src/model/presets.js';

/** Issue 23: what vigil assumes of a server from its baseURL, before its first answer. */
describe('server presets', () => {
  const cases: [string, string, { name: string; firstStep: string; streamOptions: boolean; toolMessageName: boolean; portableSchemas: boolean }][] = [
    ['https://api.openai.com/v1', 'gpt-4.1-mini', { name: 'openai', firstStep: 'named', streamOptions: true, toolMessageName: false, portableSchemas: false }],
    ['http://localhost:11434/v1', 'qwen3:8b', { name: 'ollama', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['http://127.0.0.1:1234/v1', 'qwen3-8b', { name: 'lmstudio', firstStep: 'required', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['http://localhost:8080/v1', 'any', { name: 'llama-server', firstStep: 'required', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['http://gpu-box:8000/v1', 'Qwen/Qwen3-8B', { name: 'vllm', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://api.deepseek.com', 'deepseek-chat', { name: 'deepseek', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://api.deepseek.com', 'deepseek-reasoner', { name: 'deepseek', firstStep: 'auto', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://api.mistral.ai/v1', 'mistral-small-latest', { name: 'mistral', firstStep: 'named', streamOptions: false, toolMessageName: true, portableSchemas: true }],
    ['https://generativelanguage.googleapis.com/v1beta/openai/', 'gemini-2.5-flash', { name: 'gemini', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://openrouter.ai/api/v1', 'qwen/qwen3-32b', { name: 'openrouter', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile', { name: 'groq', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://api.together.xyz/v1', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', { name: 'together', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    ['https://llm.example.com/v1', 'x', { name: 'generic', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
    // A look-alike host is not the server.
    ['https://api.openai.com.example.net/v1', 'x', { name: 'generic', firstStep: 'named', streamOptions: true, toolMessageName: true, portableSchemas: true }],
  ];
  for (const [url, model, preset] of cases) {
    it(`${url} (${model}) → ${preset.name}`, () => expect(presetFor(url, model)).toEqual(preset));
  }

  it('model.server names a preset outright (a proxy, another port)', () => {
    expect(presetFor('http://127.0.0.1:9999/v1', 'x', 'mistral')).toMatchObject({ name: 'mistral', streamOptions: false });
    expect(presetFor('http://127.0.0.1:1234/v1', 'x', 'generic')).toMatchObject({ name: 'generic', firstStep: 'named' });
  });

  it('the config accepts exactly the preset names, and model.extraBody may not replace what vigil sets', () => {
    expect([...ModelConfig.innerType().shape.server.unwrap().options].sort()).toEqual([...PRESET_NAMES].sort());
    const base = { provider: 'openai', model: 'x' };
    expect(ModelConfig.safeParse({ ...base, extraBody: { provider: { require_parameters: true } } }).success).toBe(true);
    const refused = ModelConfig.safeParse({ ...base, extraBody: { tool_choice: 'auto' } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['extraBody', 'tool_choice'] });
  });
});

describe('the tool-choice ladder on the wire', () => {
  const tool = { name: 'decide', description: 'd', inputSchema: { type: 'object' } };
  const look = { name: 'repo_read', description: 'r', inputSchema: { type: 'object' } };
  const turn = { model: 'm', maxTokens: 100, prompt: { system: 's', stable: 'st', dynamic: 'dy' }, tool, tools: [look], signal: new AbortController().signal };
  const names = (params: ReturnType<typeof openaiParams>) => params.tools!.map((t) => (t as { function: { name: string } }).function.name);

  it('below the named step a forced decide offers decide alone ("required" with one tool names it); a free turn offers every tool', () => {
    expect(names(openaiParams({ ...turn, choice: 'decide' }, 'named'))).toEqual(['decide', 'repo_read']);
    expect(openaiParams({ ...turn, choice: 'decide' }, 'required')).toMatchObject({ tool_choice: 'required' });
    expect(names(openaiParams({ ...turn, choice: 'decide' }, 'required'))).toEqual(['decide']);
    expect(names(openaiParams({ ...turn, choice: 'decide' }, 'auto'))).toEqual(['decide']);
    expect(names(openaiParams({ ...turn, choice: 'any' }, 'required'))).toEqual(['decide', 'repo_read']);
  });
});
