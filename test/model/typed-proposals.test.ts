import { zodToJsonSchema } from 'zod-to-json-schema';
import { describe, expect, it } from 'vitest';
import { decideTool } from '../../src/model/decide-tool.js';
import { DecisionInput } from '../../src/model/decision.js';
import { CatalogProposal, DecideAnswer } from '../../src/model/typed-proposals.js';
import { ACTION_SCHEMAS, checkCatalog } from '../../src/policy/catalog.js';

/** The `decide` tool's proposals: one branch per catalog action (issue 14, typed proposals). */

type Branch = { properties: { action: { const: string }; params: unknown; rationale: unknown }; required: string[]; additionalProperties: boolean };

async function branches(): Promise<Branch[]> {
  const tool = await decideTool();
  const proposals = (tool.inputSchema.properties as { proposals: { items: { anyOf: Branch[] } } }).proposals;
  return proposals.items.anyOf;
}

const label = (params: Record<string, unknown>) => ({ act: true, summary: 'label it', proposals: [{ action: 'github.label', params, rationale: 'a bug' }] });

function errorsOf(input: unknown): string[] {
  const parsed = DecideAnswer.safeParse(input);
  expect(parsed.success).toBe(false);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the decide tool’s typed proposals', () => {
  it('has one branch per catalog action, in the catalog’s order, each with the action’s own params schema', async () => {
    const anyOf = await branches();
    expect(anyOf.map((b) => b.properties.action.const)).toEqual(Object.keys(ACTION_SCHEMAS));
    expect([...CatalogProposal.optionsMap.keys()]).toEqual(Object.keys(ACTION_SCHEMAS));
    for (const branch of anyOf) {
      const action = branch.properties.action.const as keyof typeof ACTION_SCHEMAS;
      const own = zodToJsonSchema(ACTION_SCHEMAS[action], { $refStrategy: 'none', target: 'jsonSchema7' }) as Record<string, unknown>;
      delete own.$schema;
      expect(branch.properties.params, action).toEqual(own);
      expect(branch.required).toEqual(['action', 'params']);
      expect(branch.additionalProperties).toBe(false);
    }
  });

  it('keeps the top level an object with the same fields as DecisionInput (both APIs need type: object)', async () => {
    const tool = await decideTool();
    expect(tool.inputSchema.type).toBe('object');
    expect(Object.keys(tool.inputSchema.properties as object)).toEqual(Object.keys(DecisionInput.shape));
    expect(JSON.stringify((await decideTool()).inputSchema)).toBe(JSON.stringify(tool.inputSchema));
  });

  it('describes the proposals to the model as DecisionInput does, and a decision without proposals has none', async () => {
    const tool = await decideTool();
    const described = (tool.inputSchema.properties as { proposals: { description?: string } }).proposals.description;
    expect(described).toBe(DecisionInput.shape.proposals.description);
    expect(described).toMatch(/policy decides what runs/);
    expect(DecideAnswer.shape.proposals.description).toBe(described);
    expect(DecideAnswer.parse({ act: false, summary: 'nothing to do' })).toEqual({ act: false, summary: 'nothing to do', proposals: [] });
  });

  it('a wrong type in params fails, naming the field and the action', () => {
    expect(errorsOf(label({ repo: 'octo/app', number: '1', labels: ['bug'] }))).toEqual([
      'proposals.0.params.number: Expected number, received string (github.label)',
    ]);
    expect(errorsOf({ act: true, summary: 's', proposals: [{ action: 'notify', params: { title: 't', body: 'b', urgency: 'now' } }] })[0]).toMatch(
      /^proposals\.0\.params\.urgency: .*\(notify\)$/,
    );
  });

  it('a missing or unknown field fails too, as the gate would refuse it', () => {
    const missing = errorsOf(label({ repo: 'octo/app', number: 1 }));
    expect(missing).toEqual(['proposals.0.params.labels: Required (github.label)']);
    const extra = errorsOf({ act: true, summary: 's', proposals: [{ action: 'remind', params: { at: '2026-12-01T09:00:00Z', note: 'n', when: 'soon' } }] });
    expect(extra).toEqual(["proposals.0.params: Unrecognized key(s) in object: 'when' (remind)"]);
  });

  it('accepts exactly what the gate’s catalog check accepts, for every action', () => {
    const valid: Record<keyof typeof ACTION_SCHEMAS, Record<string, unknown>> = {
      notify: { title: 'New issue', body: '#1', urgency: 'high' },
      'memory.note': { text: 'the CI is slow' },
      remind: { at: '2026-12-01T09:00:00+01:00', note: 'look at #1' },
      'github.comment': { repo: 'octo/app', number: 1, body: 'thanks' },
      'github.label': { repo: 'octo/app', number: 1, labels: ['bug'] },
      'github.create_issue': { repo: 'octo/app', title: 'a', body: '' },
      'github.remove_label': { repo: 'octo/app', number: 1, labels: ['bug'] },
      'github.assign': { repo: 'octo/app', number: 1, assignees: ['alice', 'vigil-bot[bot]'] },
      'github.request_review': { repo: 'octo/app', number: 2, reviewers: ['bob-smith'] },
      'github.close': { repo: 'octo/app', number: 1, reason: 'not_planned' },
      'github.reopen': { repo: 'octo/app', number: 1 },
      'github.rerun_failed_jobs': { repo: 'octo/app', runId: 42 },
      'github.merge': { repo: 'octo/app', number: 2, sha: 'a'.repeat(40), method: 'squash' },
      'agent.task': { repo: 'octo/app', instructions: 'fix it' },
    };
    for (const [action, params] of Object.entries(valid)) {
      expect(checkCatalog(action, params).ok, action).toBe(true);
      const parsed = DecideAnswer.safeParse({ act: true, summary: 's', proposals: [{ action, params }] });
      expect(parsed.success, action).toBe(true);
      expect(parsed.data?.proposals[0]).toEqual({ action, params, rationale: '' });
    }
  });

  it('an action outside the catalog is let through to the gate, which denies it', () => {
    const input = { act: true, summary: 's', proposals: [{ action: 'github.force_push', params: { repo: 'octo/app', number: '1' }, rationale: 'told to' }] };
    const parsed = DecideAnswer.safeParse(input);
    expect(parsed.success).toBe(true);
    expect(checkCatalog('github.force_push', input.proposals[0]!.params)).toMatchObject({ ok: false, code: 'VIGIL_ERR_UNKNOWN_ACTION' });
  });
});
