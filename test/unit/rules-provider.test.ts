import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { DecisionInput, type DecisionEvent, type DecisionRequest } from '../../src/model/index.js';
import { RulesProvider } from '../../src/model/rules.js';
import { fillTemplate } from '../../src/model/template.js';

const issuePayload = {
  action: 'opened',
  issue: { number: 42, title: 'Crash on start', labels: [{ name: 'bug' }], user: { login: 'alice' } },
  repository: { full_name: 'octo/app', private: false },
};

function event(kind: string, payload: unknown = issuePayload): DecisionEvent {
  return { id: 1, source: 'github', kind, deliveryId: 'd-1', payload };
}

/** The rules provider must never build context or prompt text: both throw here. */
function request(ev: DecisionEvent): DecisionRequest {
  return {
    purpose: 'event',
    event: ev,
    context: () => Promise.reject(new Error('the rules provider built the context')),
    prompt: () => Promise.reject(new Error('the rules provider built the prompt')),
  };
}

/** Rules exactly as the owner's config would produce them. */
function provider(rules: unknown[]): RulesProvider {
  return new RulesProvider(parseConfig({ rules }, {}).rules);
}

describe('RulesProvider', () => {
  it('proposes the rule’s action with placeholders filled from the payload', async () => {
    const rules = provider([
      {
        on: 'github.issues.opened',
        propose: {
          action: 'notify',
          params: { title: 'New issue: {{payload.issue.title}}', body: '#{{ payload.issue.number }} in {{payload.repository.full_name}}' },
        },
      },
    ]);
    const { decision, model } = await rules.decide(request(event('github.issues.opened')));
    expect(model).toBe('rules');
    expect(decision.act).toBe(true);
    expect(decision.proposals).toHaveLength(1);
    expect(decision.proposals[0]).toMatchObject({
      action: 'notify',
      params: { title: 'New issue: Crash on start', body: '#42 in octo/app' },
    });
    expect(decision.proposals[0]!.rationale).not.toBe('');
    expect(decision.summary).toContain('github.issues.opened');
  });

  it('keeps the type of a whole-string placeholder', async () => {
    const rules = provider([
      {
        on: 'github.issues.opened',
        propose: {
          action: 'github.label',
          params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', labels: ['triage'] },
          rationale: 'label new issues',
        },
      },
    ]);
    const { decision } = await rules.decide(request(event('github.issues.opened')));
    expect(decision.proposals[0]).toEqual({
      action: 'github.label',
      params: { repo: 'octo/app', number: 42, labels: ['triage'] },
      rationale: 'label new issues',
    });
  });

  it('matches fields by equality, and strings by glob', async () => {
    const rules = provider([
      { on: 'github.issues.opened', match: { 'payload.repository.full_name': 'octo/*' }, propose: { action: 'notify', params: { title: 'glob', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.issue.number': 42 }, propose: { action: 'notify', params: { title: 'number', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.repository.private': false }, propose: { action: 'notify', params: { title: 'boolean', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.issue.number': 43 }, propose: { action: 'notify', params: { title: 'wrong number', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.repository.full_name': 'other/*' }, propose: { action: 'notify', params: { title: 'wrong repo', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.issue.number': '42' }, propose: { action: 'notify', params: { title: 'string vs number', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.missing.field': 'x' }, propose: { action: 'notify', params: { title: 'missing', body: '' } } },
      { on: 'github.issues.opened', match: { 'payload.repository.full_name': 'octo/app', 'payload.issue.user.login': 'bob' }, propose: { action: 'notify', params: { title: 'all must match', body: '' } } },
      { on: 'github.issues.opened', match: { kind: 'github.issues.*', source: 'github' }, propose: { action: 'notify', params: { title: 'scope', body: '' } } },
    ]);
    const { decision } = await rules.decide(request(event('github.issues.opened')));
    expect(decision.proposals.map((p) => p.params.title)).toEqual(['glob', 'number', 'boolean', 'scope']);
  });

  it('accepts globs in `on`', async () => {
    const rules = provider([{ on: 'github.issues.*', propose: { action: 'notify', params: { title: '{{kind}}', body: '' } } }]);
    const opened = await rules.decide(request(event('github.issues.opened')));
    const closed = await rules.decide(request(event('github.issues.closed')));
    const push = await rules.decide(request(event('github.push', {})));
    expect(opened.decision.proposals[0]!.params.title).toBe('github.issues.opened');
    expect(closed.decision.proposals[0]!.params.title).toBe('github.issues.closed');
    expect(push.decision.act).toBe(false);
  });

  it('does not treat `.` in `on` as a regex wildcard', async () => {
    const rules = provider([{ on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'x', body: '' } } }]);
    const { decision } = await rules.decide(request(event('githubXissuesXopened')));
    expect(decision.act).toBe(false);
  });

  it('answers act: false with a summary when no rule matches', async () => {
    const rules = provider([{ on: 'github.pull_request.opened', propose: { action: 'notify', params: { title: 'x', body: '' } } }]);
    const { decision } = await rules.decide(request(event('github.issues.opened')));
    expect(decision.act).toBe(false);
    expect(decision.proposals).toEqual([]);
    expect(decision.summary).toContain('github.issues.opened');
    expect(decision.summary.length).toBeGreaterThan('github.issues.opened'.length);
  });

  it('with no rules at all, decides not to act', async () => {
    const { decision } = await provider([]).decide(request(event('tick', {})));
    expect(decision).toMatchObject({ act: false, proposals: [] });
  });

  it('every matching rule contributes a proposal, in rule order', async () => {
    const rules = provider([
      { on: 'github.issues.opened', propose: { action: 'notify', params: { title: 'first', body: '' } } },
      { on: 'github.push', propose: { action: 'notify', params: { title: 'not this', body: '' } } },
      { on: 'github.*', propose: { action: 'memory.note', params: { text: 'issue {{payload.issue.number}}' } } },
    ]);
    const { decision } = await rules.decide(request(event('github.issues.opened')));
    expect(decision.proposals.map((p) => p.action)).toEqual(['notify', 'memory.note']);
    expect(decision.proposals[1]!.params).toEqual({ text: 'issue 42' });
    expect(decision.summary).toContain('rules[0]');
    expect(decision.summary).toContain('rules[2]');
    expect(decision.summary).not.toContain('rules[1]');
  });

  it('its output passes the decide tool schema', async () => {
    const rules = provider([
      { on: 'github.issues.opened', propose: { action: 'notify', params: { title: '{{payload.issue.title}}', body: '' } } },
      { on: 'github.issues.*', propose: { action: 'github.comment', params: { repo: '{{payload.repository.full_name}}', number: '{{payload.issue.number}}', body: 'thanks' } } },
    ]);
    for (const kind of ['github.issues.opened', 'github.push']) {
      const { decision } = await rules.decide(request(event(kind)));
      const parsed = DecisionInput.safeParse(decision);
      expect(parsed.success, kind).toBe(true);
      if (parsed.success) expect(parsed.data).toEqual(decision);
    }
  });

  it('does not change the owner’s rules when filling them', async () => {
    const config = parseConfig(
      { rules: [{ on: '*', propose: { action: 'notify', params: { title: '{{payload.issue.title}}', body: '' } } }] },
      {},
    );
    const rules = new RulesProvider(config.rules);
    await rules.decide(request(event('github.issues.opened')));
    const second = await rules.decide(request(event('github.issues.opened', { issue: { title: 'Another' } })));
    expect(second.decision.proposals[0]!.params.title).toBe('Another');
    expect(config.rules[0]!.propose.params.title).toBe('{{payload.issue.title}}');
  });
});

describe('fillTemplate', () => {
  const scope = { kind: 'github.issues.opened', payload: issuePayload };

  it('fills placeholders inside text and stringifies objects', () => {
    expect(fillTemplate('#{{payload.issue.number}}: {{payload.issue.title}}', scope)).toBe('#42: Crash on start');
    expect(fillTemplate('user={{payload.issue.user}}', scope)).toBe('user={"login":"alice"}');
    expect(fillTemplate('first label: {{payload.issue.labels.0.name}}', scope)).toBe('first label: bug');
  });

  it('keeps the value and its type for a whole-string placeholder', () => {
    expect(fillTemplate('{{payload.issue.number}}', scope)).toBe(42);
    expect(fillTemplate('{{ payload.repository.private }}', scope)).toBe(false);
    expect(fillTemplate('{{payload.issue.labels}}', scope)).toEqual([{ name: 'bug' }]);
  });

  it('turns a missing value into the empty string', () => {
    expect(fillTemplate('{{payload.nope.deeper}}', scope)).toBe('');
    expect(fillTemplate('x{{payload.nope}}y', scope)).toBe('xy');
  });

  it('walks arrays and objects and leaves non-strings alone', () => {
    expect(
      fillTemplate({ a: ['{{payload.issue.number}}', 'n={{payload.issue.number}}'], b: { c: 7, d: null, e: true } }, scope),
    ).toEqual({ a: [42, 'n=42'], b: { c: 7, d: null, e: true } });
  });

  it('does not re-expand placeholders that arrive inside payload values', () => {
    const hostile = { payload: { issue: { title: '{{payload.secret}}' }, secret: 'leaked' } };
    expect(fillTemplate('title: {{payload.issue.title}}', hostile)).toBe('title: {{payload.secret}}');
  });
});
