import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDashboardToken } from '../../src/home/index.js';
import { useTempDir } from './helpers.js';

const tempDir = useTempDir('vigil-home-');

function secretsFile(content: string | undefined): string {
  const dir = tempDir();
  const file = path.join(dir, 'secrets.json');
  if (content !== undefined) fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

describe('readDashboardToken: the one secret a command needs to ask the daemon, without the schema', () => {
  it('reads the token and nothing else of the file', () => {
    const file = secretsFile(JSON.stringify({ dashboardToken: 'a'.repeat(16), webhookSecret: 'not looked at' }));
    expect(readDashboardToken(file)).toBe('a'.repeat(16));
  });

  it.each([
    ['a missing file', undefined, /secrets\.json: ENOENT/],
    ['a file that is not JSON', '{"dashboardToken": ', /secrets\.json: .*JSON/],
    ['JSON null', 'null', /dashboardToken: a string of at least 16 characters/],
    ['no token', '{}', /dashboardToken: a string of at least 16 characters/],
    ['a token too short for the schema', JSON.stringify({ dashboardToken: 'a'.repeat(15) }), /at least 16/],
    ['a token that is not a string', JSON.stringify({ dashboardToken: 1234567890123456 }), /at least 16/],
  ])('refuses %s with VIGIL_ERR_SECRETS, naming the file', (_name, content, message) => {
    const file = secretsFile(content);
    expect(() => readDashboardToken(file)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_SECRETS', message: expect.stringMatching(message) }));
    expect(() => readDashboardToken(file)).toThrow(file);
  });
});
