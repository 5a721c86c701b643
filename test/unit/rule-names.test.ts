import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_NAMES } from '../../src/action-names.js';
import { parseConfig } from '../../src/config/load.js';
import { editDistance, nearest } from '../../src/config/suggest.js';
import { claimableOn } from '../../src/exec/team-claimable.js';
import { TEAM_HANDLERS } from '../../src/exec/team-handlers.js';
import { ACTION_SCHEMAS } from '../../src/policy/catalog.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

afterEach(() => removeHomes());

const rule = (on: string, action = 'notify', extra: Record<string, unknown> = {}) => ({
  on,
  propose: { action, params: { title: 't', body: 'b' } },
  ...extra,
});

const problem = (config: unknown): string => {
  try {
    parseConfig(config, {});
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('rules that catch typos', () => {
  it('the kernel list of action names is the catalog, both ways', () => {
    expect([...ACTION_NAMES].sort()).toEqual(Object.keys(ACTION_SCHEMAS).sort());
  });

  it('a team node runs every action of the catalog: what its worker claims (team-claimable.ts) is what it has handlers for', () => {
    expect(Object.keys(TEAM_HANDLERS).sort()).toEqual([...ACTION_NAMES].sort());
    const { main, agent } = claimableOn([]);
    expect([...main.actions, ...agent.actions].sort()).toEqual([...ACTION_NAMES].sort());
  });

  it('edit distance counts a swap of neighbours as one step', () => {
    expect(editDistance('lable', 'label')).toBe(1);
    expect(editDistance('issue', 'issues')).toBe(1);
    expect(nearest('github.lable', ACTION_NAMES)).toBe('github.label');
    expect(nearest('completely.else', ACTION_NAMES)).toBeUndefined();
  });

  it('real kinds, patterns over them and the tick pass', () => {
    for (const on of ['github.issues.opened', 'github.issues.*', 'github.*', '*', 'tick', 'github.push', 'github.check_run.completed']) {
      expect(problem({ rules: [rule(on)] }), on).toBe('');
    }
    expect(problem({ permissions: { rules: [{ action: 'github.*', decision: 'allow' }, { action: '*', decision: 'ask' }] } })).toBe('');
  });

  it('an event kind GitHub does not send names the key and the nearest real kind', () => {
    expect(problem({ rules: [rule('github.issues.opened'), rule('github.issue.opened')] })).toBe(
      'invalid configuration: rules[1].on: "github.issue.opened" matches no event kind (tick, or github.<event>[.<action>] as GitHub names them); did you mean "github.issues.opened"?',
    );
    expect(problem({ rules: [rule('github.pull_request.openned', 'notify', { name: 'new PRs' })] })).toContain(
      'rules[0].on (rule "new PRs"): "github.pull_request.openned" matches no event kind',
    );
    expect(problem({ rules: [rule('github.isues.*')] })).toContain('did you mean "github.issues.*"?');
  });

  it('an action outside the catalog names the key and the nearest action', () => {
    expect(problem({ rules: [rule('github.issues.labeled', 'github.lable')] })).toBe(
      'invalid configuration: rules[0].propose.action: "github.lable" is not in the action catalog (notify, memory.note, remind, github.comment, github.label, github.create_issue, github.remove_label, github.assign, github.request_review, github.close, github.reopen, github.rerun_failed_jobs, github.merge, agent.task); did you mean "github.label"?',
    );
    expect(problem({ permissions: { rules: [{ action: 'github.coment', decision: 'allow' }] } })).toMatch(
      /^invalid configuration: permissions\.rules\[0\]\.action: "github\.coment" is not in the action catalog .*did you mean "github\.comment"\?$/,
    );
  });

  it("model.skipEvents the owner writes are checked; the defaults stand", () => {
    expect(problem({ model: { provider: 'rules' } })).toBe('');
    expect(problem({ model: { skipEvents: ['github.stra.*'] } })).toBe(
      'invalid configuration: model.skipEvents[0]: "github.stra.*" matches no event kind (tick, or github.<event>[.<action>] as GitHub names them); did you mean "github.star.*"?',
    );
  });

  for (const [name, config, message] of [
    ['an event kind', { rules: [rule('github.issue.opened')] }, /rules\[0\]\.on: .*did you mean "github\.issues\.opened"\?/],
    ['an action', { rules: [rule('github.issues.opened', 'github.lable')] }, /rules\[0\]\.propose\.action: .*did you mean "github\.label"\?/],
  ] as const) {
    it(`vigil start with a typo in ${name} exits 78 with one line naming the key and the suggestion`, () => {
      const home = makeHome();
      fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify(config));
      const result = runCli(home, ['start']);
      expect(result.status, result.stderr).toBe(78);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).toContain('VIGIL_ERR_CONFIG');
    });
  }
});
