import { describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FakeOpenAI } from '../fakes/fake-openai.mjs';
import { FAKE_KEY, harness, issueOpened, later } from './helpers.js';

/**
 * Typed proposals through both transports (issue 14): the union schema reaches each API
 * as its tool definition, and params that fail the catalog's schema get the one repair
 * round, with an error naming the action and the field, before any gate sees them.
 */

const label = (number: unknown) => ({
  act: true,
  summary: 'bug report',
  proposals: [{ action: 'github.label', params: { repo: 'octo/app', number, labels: ['bug'] }, rationale: 'it is a bug' }],
});
const ERROR = 'proposals.0.params.number: Expected number, received string (github.label)';
const ALLOW_LABELS = { mode: 'auto', rules: [{ action: 'github.label', repo: 'octo/app', decision: 'allow' }] };

describe('typed proposals, OpenAI-compatible (real openai client, fake chat-completions server)', () => {
  it('the union goes out flattened to an enum discriminator (the portable dialect, no strict mode); a string number is repaired once', async () => {
    const fake = new FakeOpenAI({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push({ decide: label('5') }, { decide: label(5) });
    const h = harness({ model: { provider: 'openai', baseURL: fake.url, model: 'qwen2.5:14b' }, permissions: ALLOW_LABELS });
    h.addEvent('github.issues.opened', issueOpened(5, 'Broken', 'It is broken'));
    expect(await h.initiative.decideNext()).toBe('decided');

    const fn = fake.calls[0]!.body.tools[0].function;
    expect(fn).not.toHaveProperty('strict');
    expect(fn.parameters.type).toBe('object');
    // Portable on the wire (src/model/portable-schema.ts): zod, not the server, types the params.
    expect(fn.parameters.properties.proposals.items.properties.action.enum).toContain('github.label');
    expect(JSON.stringify(fn.parameters)).not.toMatch(/"(anyOf|const|additionalProperties|default|\$schema)":/);
    // The tool's bytes are the same in the repair request: it stays part of the cached prefix.
    expect(JSON.stringify(fake.calls[1]!.body.tools)).toBe(JSON.stringify(fake.calls[0]!.body.tools));

    expect(fake.calls).toHaveLength(2);
    const messages = fake.calls[1]!.body.messages;
    expect(JSON.parse(messages[2].tool_calls[0].function.arguments)).toEqual(label('5'));
    expect(messages[3]).toMatchObject({ role: 'tool', tool_call_id: messages[2].tool_calls[0].id });
    expect(messages[3].content).toContain(ERROR);
    expect(h.journal.ofType('decision.invalid')).toEqual([expect.objectContaining({ retrying: true, error: expect.stringContaining(ERROR) })]);
    expect(h.journal.ofType('decision.made')[0]!.proposals).toEqual([expect.objectContaining({ action: 'github.label', params: { repo: 'octo/app', number: 5, labels: ['bug'] } })]);
    expect(h.journal.ofType('action.allowed')).toEqual([expect.objectContaining({ action: 'github.label' })]);
    expect(h.journal.ofType('action.denied')).toEqual([]);
  });
});

describe('typed proposals, Anthropic (real SDK, fake Messages API)', () => {
  it('a second answer that still fails the union fails the decision; nothing reaches the gate', async () => {
    const fake = new FakeAnthropic({ apiKey: FAKE_KEY });
    await fake.start();
    later(() => fake.stop());
    fake.push({ decide: label('5') }, { decide: label('five') });
    const h = harness({ model: { provider: 'anthropic', baseURL: fake.url }, permissions: ALLOW_LABELS });
    h.addEvent('github.issues.opened', issueOpened(5, 'Broken', 'It is broken'));
    expect(await h.initiative.decideNext()).toBe('failed');
    expect(fake.calls).toHaveLength(2);
    expect(h.journal.ofType('decision.invalid').map((r) => r.retrying)).toEqual([true, false]);
    expect(h.journal.ofType('decision.failed')[0]!.error).toContain(ERROR);
    expect(h.journal.ofType('decision.made')).toEqual([]);
    expect(h.journal.ofType('action.allowed')).toEqual([]);
    expect(h.journal.ofType('action.denied')).toEqual([]);
  });
});
