import { describe, expect, it } from 'vitest';
import { ACTION_SCHEMAS } from '../../src/policy/index.js';
import { decideTool } from '../../src/model/decide-tool.js';
import { portableSchema } from '../../src/model/portable-schema.js';

/** Issue 23: what OpenAI-compatible servers other than OpenAI's own get as the decide tool's schema. */
describe('the portable schema dialect', () => {
  it("keeps no keyword Gemini or a grammar converter refuses; the proposals' union is one object with an enum of every catalog action", async () => {
    const full = (await decideTool()).inputSchema;
    expect(JSON.stringify(full)).toMatch(/"(anyOf|const|additionalProperties)":/);
    const wire = portableSchema(full);
    expect(JSON.stringify(wire)).not.toMatch(/"(anyOf|oneOf|const|additionalProperties|default|\$schema)":/);
    const items = (wire.properties as Record<string, { items: { type: string; properties: Record<string, { enum?: string[]; type?: string }>; required: string[] } }>).proposals!.items;
    expect(items.type).toBe('object');
    expect(items.properties.action!.enum).toEqual(Object.keys(ACTION_SCHEMAS));
    expect(items.properties.params!.type).toBe('object');
    expect(items.required).toEqual(expect.arrayContaining(['action', 'params']));
    expect(wire.required).toEqual(full.required);
    // Memoised: the same bytes on every request.
    expect(portableSchema(full)).toBe(wire);
  });

  it('turns a lone const into an enum, keeps a property named like a keyword, and leaves other unions as they are', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: { default: { type: 'string', default: 'x' }, kind: { const: 'a' }, either: { anyOf: [{ type: 'string' }, { type: 'number' }] } },
    };
    expect(portableSchema(schema)).toEqual({
      type: 'object',
      properties: { default: { type: 'string' }, kind: { enum: ['a'] }, either: { anyOf: [{ type: 'string' }, { type: 'number' }] } },
    });
  });
});
