import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

afterEach(() => removeHomes());

function startWith(config: unknown) {
  const home = makeHome();
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify(config));
  return runCli(home, ['start']);
}

describe('a bad config stops the start with exit code 78 and one line naming the key', () => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown key', { tick: { schedule: '*/15 * * * *' }, tikc: {} }, /tikc: unknown key/],
    ['unknown nested key', { tick: { every: '15m' } }, /tick\.every: unknown key/],
    ['wrong type', { tick: { schedule: 15 } }, /tick\.schedule: expected string, got number/],
    ['bad cron expression', { tick: { schedule: '61 * * * *' } }, /tick\.schedule: "61 \* \* \* \*" is not a valid cron expression/],
    ['unknown timezone', { tick: { timezone: 'Mars/Olympus_Mons' } }, /tick\.timezone: "Mars\/Olympus_Mons" is not a known IANA time zone/],
    ['wrong enum', { permissions: { mode: 'yolo' } }, /permissions\.mode: /],
  ];

  for (const [name, config, message] of cases) {
    it(name, () => {
      const result = startWith(config);
      expect(result.status).toBe(78);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).toContain('VIGIL_ERR_CONFIG');
    });
  }

  it('config.json that is not JSON', () => {
    const home = makeHome();
    fs.writeFileSync(path.join(home, 'config.json'), '{ "tick": ');
    const result = runCli(home, ['start']);
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('VIGIL_ERR_CONFIG_JSON');
  });
});
