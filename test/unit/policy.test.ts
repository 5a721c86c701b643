import { describe, expect, it } from 'vitest';
import { type PermissionsConfig } from '../../src/config/index.js';
import { parseConfig } from '../../src/config/load.js';
import { ACTION_SCHEMAS, ACTION_SUMMARY, PolicyGate, describePermissions, recheckForExecution, type Proposal } from '../../src/policy/index.js';
import { CARRIES_SECRET } from '../../src/policy/gate.js';
import { checkCatalog } from '../../src/policy/catalog.js';
import { makeSecretMask, REDACTED } from '../../src/secrets/index.js';

/** Permissions exactly as the owner's config would produce them (defaults, frozen). */
function permissions(raw: Record<string, unknown> = {}): Readonly<PermissionsConfig> {
  return parseConfig({ permissions: raw }, {}).permissions;
}

function gate(raw: Record<string, unknown> = {}): PolicyGate {
  return new PolicyGate(permissions(raw));
}

/** One valid proposal per catalog action. */
const VALID: Record<string, Proposal> = {
  notify: { action: 'notify', params: { title: 'Build broke', body: 'main is red' } },
  'memory.note': { action: 'memory.note', params: { text: 'the owner prefers squash merges' } },
  remind: { action: 'remind', params: { at: '2026-06-10T09:00:00+02:00', note: 'review PR 7' } },
  'github.comment': { action: 'github.comment', params: { repo: 'octo/app', number: 7, body: 'Thanks!' } },
  'github.label': { action: 'github.label', params: { repo: 'octo/app', number: 7, labels: ['bug'] } },
  'github.create_issue': { action: 'github.create_issue', params: { repo: 'octo/app', title: 'Flaky test', body: '' } },
  'agent.task': { action: 'agent.task', params: { repo: 'octo/app', instructions: 'fix the flaky test' } },
};

const comment = (repo: string): Proposal => ({ action: 'github.comment', params: { repo, number: 1, body: 'hi' } });

describe('PolicyGate, layer 1: the catalog', () => {
  it('denies an action that is not in the catalog, even when a rule would allow everything', () => {
    const judgement = gate({ rules: [{ action: '*', decision: 'allow' }] }).judge({ action: 'shell.exec', params: {} });
    expect(judgement.verdict).toBe('deny');
    expect(judgement.reason).toContain('shell.exec');
    expect(judgement.action).toBeUndefined();
  });

  it('denies params that fail the schema, naming the param', () => {
    const allowAll = gate({ rules: [{ action: '*', decision: 'allow' }] });
    const badNumber = allowAll.judge({ action: 'github.comment', params: { repo: 'octo/app', number: 'seven', body: 'x' } });
    expect(badNumber.verdict).toBe('deny');
    expect(badNumber.reason).toContain('number');

    const badRepo = allowAll.judge({ action: 'github.comment', params: { repo: 'not a repo', number: 1, body: 'x' } });
    expect(badRepo.verdict).toBe('deny');
    expect(badRepo.reason).toContain('repo');

    const missing = allowAll.judge({ action: 'notify', params: { body: 'no title' } });
    expect(missing.verdict).toBe('deny');
    expect(missing.reason).toContain('title');

    const extra = allowAll.judge({ action: 'memory.note', params: { text: 'x', sudo: true } });
    expect(extra.verdict).toBe('deny');
    expect(extra.reason).toContain('sudo');
  });

  it('says which param failed, under its own error code', () => {
    expect(checkCatalog('github.comment', { repo: 'octo/app', number: 'seven', body: 'x' })).toEqual({
      ok: false,
      code: 'VIGIL_ERR_ACTION_PARAMS',
      reason: 'github.comment params: number: Expected number, received string',
    });
    expect(checkCatalog('github.comment', 'seven')).toEqual({ ok: false, code: 'VIGIL_ERR_ACTION_PARAMS', reason: 'github.comment params: Expected object, received string' });
    expect(checkCatalog('shell.exec', {})).toMatchObject({ ok: false, code: 'VIGIL_ERR_UNKNOWN_ACTION' });
  });

  it('returns the parsed params and the repo of an accepted proposal', () => {
    const judgement = gate().judge(VALID['github.label']!);
    expect(judgement.action).toBe('github.label');
    expect(judgement.params).toEqual({ repo: 'octo/app', number: 7, labels: ['bug'] });
    expect(judgement.repo).toBe('octo/app');
  });
});

describe('PolicyGate, layer 2: the mode', () => {
  it('observe: only memory.note is allowed, even with rules that allow everything', () => {
    const observe = gate({ mode: 'observe', rules: [{ action: '*', decision: 'allow' }] });
    for (const [name, proposal] of Object.entries(VALID)) {
      expect(observe.judge(proposal).verdict, name).toBe(name === 'memory.note' ? 'allow' : 'deny');
    }
    // The owner reads why, in the approval and the log.
    expect(observe.judge(VALID['memory.note']!).reason).toBe('observe mode allows memory notes');
    expect(observe.judge(VALID.notify!).reason).toBe('observe mode: nothing executes but memory notes');
  });

  it('suggest: everything asks, even notify and memory.note, whatever the rules say', () => {
    const suggest = gate({ mode: 'suggest', rules: [{ action: '*', decision: 'allow' }] });
    for (const [name, proposal] of Object.entries(VALID)) {
      expect(suggest.judge(proposal).verdict, name).toBe('ask');
    }
    expect(suggest.judge(VALID.notify!).reason).toBe('suggest mode: everything asks');
  });

  it('suggest still denies what the catalog rejects', () => {
    expect(gate({ mode: 'suggest' }).judge({ action: 'rm -rf', params: {} }).verdict).toBe('deny');
  });
});

describe('PolicyGate, layer 3: rules and defaults', () => {
  it('auto without rules: local actions allow, external ones ask', () => {
    const auto = gate();
    const expected: Record<string, string> = {
      notify: 'allow',
      'memory.note': 'allow',
      remind: 'allow',
      'github.comment': 'ask',
      'github.label': 'ask',
      'github.create_issue': 'ask',
      'agent.task': 'ask',
    };
    for (const [name, proposal] of Object.entries(VALID)) {
      expect(auto.judge(proposal).verdict, name).toBe(expected[name]);
    }
    expect(auto.judge(VALID.notify!).reason).toBe('default: local actions are allowed');
    expect(auto.judge(VALID['github.comment']!).reason).toBe('default: effects outside the machine ask');
  });

  it('auto without rules, every catalog action by its effect: the three local ones allow, each one that leaves the machine asks', () => {
    const every: Record<string, Record<string, unknown>> = {
      notify: { title: 'New issue', body: '#1' },
      'memory.note': { text: 'the CI is slow' },
      remind: { at: '2026-12-01T09:00:00+01:00', note: 'look at #1' },
      'github.comment': { repo: 'octo/app', number: 1, body: 'thanks' },
      'github.label': { repo: 'octo/app', number: 1, labels: ['bug'] },
      'github.create_issue': { repo: 'octo/app', title: 'a', body: '' },
      'github.remove_label': { repo: 'octo/app', number: 1, labels: ['bug'] },
      'github.assign': { repo: 'octo/app', number: 1, assignees: ['alice'] },
      'github.request_review': { repo: 'octo/app', number: 2, reviewers: ['bob-smith'] },
      'github.close': { repo: 'octo/app', number: 1, reason: 'not_planned' },
      'github.reopen': { repo: 'octo/app', number: 1 },
      'github.rerun_failed_jobs': { repo: 'octo/app', runId: 42 },
      'github.merge': { repo: 'octo/app', number: 2, sha: 'a'.repeat(40), method: 'squash' },
      'agent.task': { repo: 'octo/app', instructions: 'fix it' },
    };
    expect(Object.keys(every)).toEqual(Object.keys(ACTION_SCHEMAS));
    const auto = gate();
    const local = new Set(['notify', 'memory.note', 'remind']);
    for (const [action, params] of Object.entries(every)) {
      expect(auto.judge({ action, params }), action).toMatchObject(
        local.has(action)
          ? { verdict: 'allow', reason: 'default: local actions are allowed' }
          : { verdict: 'ask', reason: 'default: effects outside the machine ask' },
      );
    }
  });

  it('the first matching rule wins', () => {
    const denyFirst = gate({
      rules: [
        { action: 'github.comment', decision: 'deny' },
        { action: 'github.comment', decision: 'allow' },
      ],
    });
    const judgement = denyFirst.judge(comment('octo/app'));
    expect(judgement.verdict).toBe('deny');
    expect(judgement.reason).toBe('permissions.rules[0]');

    const allowFirst = gate({
      rules: [
        { action: 'github.comment', decision: 'allow' },
        { action: 'github.comment', decision: 'deny' },
      ],
    });
    expect(allowFirst.judge(comment('octo/app')).verdict).toBe('allow');
  });

  it('matches action globs', () => {
    const rules = gate({ rules: [{ action: 'github.*', decision: 'deny' }] });
    expect(rules.judge(VALID['github.comment']!).verdict).toBe('deny');
    expect(rules.judge(VALID['github.label']!).verdict).toBe('deny');
    expect(rules.judge(VALID['github.create_issue']!).verdict).toBe('deny');
    // Not github.*: defaults apply.
    expect(rules.judge(VALID['agent.task']!).verdict).toBe('ask');
    expect(rules.judge(VALID.notify!).verdict).toBe('allow');
  });

  it('matches repo globs', () => {
    const rules = gate({ rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'allow' }] });
    expect(rules.judge(comment('octo/app')).verdict).toBe('allow');
    expect(rules.judge(comment('octo/other')).verdict).toBe('allow');
    expect(rules.judge(comment('evil/app')).verdict).toBe('ask');
    expect(rules.judge(comment('octopus/app')).verdict).toBe('ask');
  });

  it('a rule with a repo does not match an action without a repo', () => {
    const rules = gate({ rules: [{ action: '*', repo: 'octo/*', decision: 'deny' }] });
    expect(rules.judge(VALID.notify!).verdict).toBe('allow');
    expect(rules.judge(VALID['memory.note']!).verdict).toBe('allow');
    expect(rules.judge(comment('octo/app')).verdict).toBe('deny');
  });

  it('can tighten a local action', () => {
    expect(gate({ rules: [{ action: 'notify', decision: 'deny' }] }).judge(VALID.notify!).verdict).toBe('deny');
    expect(gate({ rules: [{ action: 'remind', decision: 'ask' }] }).judge(VALID.remind!).verdict).toBe('ask');
  });

  it("a repo spelt in another case cannot slip past the owner's repo rule", () => {
    // GitHub owner and repository names are case-insensitive: "Octo/Secret" is the
    // same repository as "octo/secret". A proposal (shaped by webhook content) must not
    // be able to dodge a deny rule — and fall through to a broader allow — by case.
    const rules = gate({
      rules: [
        { action: 'github.*', repo: 'octo/secret', decision: 'deny' },
        { action: 'github.comment', decision: 'allow' },
      ],
    });
    expect(rules.judge(comment('octo/secret')).verdict).toBe('deny');
    expect(rules.judge(comment('Octo/Secret')).verdict).toBe('deny');
  });
});

describe('recheckForExecution (layer 5)', () => {
  it('refuses an ask action that only the policy (or nobody) answered', () => {
    const g = gate();
    const params = VALID['github.comment']!.params;
    expect(recheckForExecution(g, { action: 'github.comment', params, answeredBy: 'policy' }).ok).toBe(false);
    expect(recheckForExecution(g, { action: 'github.comment', params, answeredBy: null }).ok).toBe(false);
    expect(recheckForExecution(g, { action: 'github.comment', params, answeredBy: 'webhook' }).ok).toBe(false);
  });

  it('passes an ask action the owner approved from any owner channel', () => {
    const g = gate();
    const params = VALID['github.comment']!.params;
    for (const by of ['cli', 'dashboard', 'push', 'desktop']) {
      const recheck = recheckForExecution(g, { action: 'github.comment', params, answeredBy: by });
      expect(recheck.ok, by).toBe(true);
      if (recheck.ok) expect(recheck.judgement.verdict).toBe('ask');
    }
  });

  it('passes an allowed action without an owner answer', () => {
    const recheck = recheckForExecution(gate(), { action: 'notify', params: VALID.notify!.params, answeredBy: null });
    expect(recheck.ok).toBe(true);
  });

  it('refuses an approved action once a rule has been tightened to deny', () => {
    const params = VALID['github.comment']!.params;
    const before = recheckForExecution(gate(), { action: 'github.comment', params, answeredBy: 'cli' });
    expect(before.ok).toBe(true);
    const tightened = gate({ rules: [{ action: 'github.comment', repo: 'octo/*', decision: 'deny' }] });
    const after = recheckForExecution(tightened, { action: 'github.comment', params, answeredBy: 'cli' });
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.reason).toContain('permissions.rules[0]');
  });

  it('refuses an approved action once the mode becomes observe', () => {
    const params = VALID['github.comment']!.params;
    const recheck = recheckForExecution(gate({ mode: 'observe' }), { action: 'github.comment', params, answeredBy: 'cli' });
    expect(recheck.ok).toBe(false);
  });

  it('says why it refuses an ask action without the owner\'s answer', () => {
    const recheck = recheckForExecution(gate(), { action: 'github.comment', params: VALID['github.comment']!.params, answeredBy: 'policy' });
    expect(recheck).toEqual({ ok: false, reason: 'needs the owner\'s approval, which it does not have' });
  });

  it('refuses params that no longer pass the catalog', () => {
    const recheck = recheckForExecution(gate(), {
      action: 'github.comment',
      params: { repo: 'octo/app', number: -1, body: 'x' },
      answeredBy: 'cli',
    });
    expect(recheck.ok).toBe(false);
  });
});

describe('github.merge: allowed only by a rule that names it', () => {
  const merge: Proposal = { action: 'github.merge', params: { repo: 'octo/app', number: 7, sha: 'a'.repeat(40) } };

  it('a wildcard rule that allows it still asks; the other actions it covers are allowed', () => {
    for (const action of ['github.*', '*']) {
      const wide = gate({ rules: [{ action, decision: 'allow' }] });
      expect(wide.judge(merge), action).toMatchObject({ verdict: 'ask', reason: 'permissions.rules[0] allows github.merge only when its action names it' });
      expect(wide.judge(comment('octo/app')).verdict, action).toBe('allow');
    }
  });

  it('a rule naming it allows it; a wildcard that denies or asks is obeyed as written', () => {
    expect(gate({ rules: [{ action: 'github.merge', decision: 'allow' }] }).judge(merge)).toMatchObject({ verdict: 'allow', reason: 'permissions.rules[0]' });
    expect(gate({ rules: [{ action: 'github.*', decision: 'deny' }] }).judge(merge)).toMatchObject({ verdict: 'deny', reason: 'permissions.rules[0]' });
    expect(gate({ rules: [{ action: 'github.*', decision: 'ask' }] }).judge(merge)).toMatchObject({ verdict: 'ask', reason: 'permissions.rules[0]' });
  });
});

describe('the catalog at its edges', () => {
  const assign = (login: string) => gate({ rules: [{ action: '*', decision: 'allow' }] }).judge({ action: 'github.assign', params: { repo: 'octo/app', number: 1, assignees: [login] } });

  it('a login is letters, digits and single inner hyphens, at most 39, with a bot\'s [bot] suffix', () => {
    for (const ok of ['octocat', 'a', 'a-b-c', 'Octo-Cat9', 'dependabot[bot]', `a${'b'.repeat(38)}`]) expect(assign(ok).verdict, ok).toBe('allow');
    for (const bad of ['-a', 'a-', 'a--b', `a${'b'.repeat(39)}`, 'a b', 'a_b', '../x', 'x[bot]y', '[bot]', '']) {
      expect(assign(bad), bad).toMatchObject({ verdict: 'deny', reason: 'github.assign params: assignees.0: a GitHub login' });
    }
  });

  it('params that are not an object are refused as such, naming no path', () => {
    expect(gate().judge({ action: 'notify', params: 'call me' })).toEqual({ verdict: 'deny', reason: 'notify params: Expected object, received string' });
  });

  it('a failed param is named by its whole path', () => {
    const judged = gate().judge({ action: 'github.label', params: { repo: 'octo/app', number: 1, labels: ['bug', ''] } });
    expect(judged).toMatchObject({ verdict: 'deny', reason: expect.stringMatching(/^github\.label params: labels\.1: /) });
  });

  it('the model is shown every action, each with its own params', () => {
    expect(Object.keys(ACTION_SUMMARY).sort()).toEqual(Object.keys(ACTION_SCHEMAS).sort());
    for (const [name, schema] of Object.entries(ACTION_SCHEMAS)) {
      const line = ACTION_SUMMARY[name as keyof typeof ACTION_SUMMARY];
      expect(line.startsWith(`${name} {`), line).toBe(true);
      expect(line, name).toMatch(/ — \w/);
      for (const param of Object.keys(schema.shape)) expect(line, `${name}.${param}`).toContain(param);
    }
  });

  it('the model is told the owner\'s permissions: the mode, each rule in order, and the defaults', () => {
    const text = describePermissions(permissions({ mode: 'auto', rules: [{ action: 'github.*', repo: 'octo/*', decision: 'allow' }, { action: 'notify', decision: 'deny' }] }));
    expect(text.split('\n')).toEqual([
      'mode: auto',
      '- github.* on octo/*: allow',
      '- notify: deny',
      '- otherwise: effects outside the machine ask the owner; notify, memory.note and remind are allowed',
      '- github.merge is allowed only by a rule that names it; a wildcard rule that allows it still asks',
    ]);
  });
});

describe('a proposal carrying a secret', () => {
  const SECRET = 'ghp_policycanary0123456789abcdef';
  const guarded = new PolicyGate(permissions({ rules: [{ action: '*', decision: 'allow' }] }), () => makeSecretMask([SECRET]));

  it('is denied with the reason the owner reads in the log and the threat model names, "carries a secret"', () => {
    expect(guarded.judge({ action: 'memory.note', params: { text: SECRET } })).toMatchObject({ verdict: 'deny', reason: 'carries a secret' });
  });

  it('is denied before anything else, keeping only a redacted copy of its params in their own shape', () => {
    const asObject = guarded.judge({ action: 'notify', params: { title: 't', body: `see ${SECRET}` } });
    expect(asObject).toEqual({ verdict: 'deny', reason: CARRIES_SECRET, params: { title: 't', body: `see ${REDACTED}` } });
    // Params that are not an object (the model may send anything) are kept as { value }.
    expect(guarded.judge({ action: 'notify', params: [SECRET] })).toEqual({ verdict: 'deny', reason: CARRIES_SECRET, params: { value: [REDACTED] } });
    expect(guarded.judge({ action: 'notify', params: SECRET })).toEqual({ verdict: 'deny', reason: CARRIES_SECRET, params: { value: REDACTED } });
    // The secret in the rationale, the params null: still { value }, never a bare null.
    expect(guarded.judge({ action: 'notify', params: null, rationale: `from ${SECRET}` })).toEqual({ verdict: 'deny', reason: CARRIES_SECRET, params: { value: null } });
  });
});
