import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createOplog } from '../../src/daemon/index.js';
import { stringLeaves } from '../../src/daemon/oplog.js';
import { makeHome, removeHomes, startDaemon, waitFor, type RunningDaemon, killDaemons } from '../helpers/home.js';

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('operational logs', () => {
  it('are JSON lines with a level name, a time and the pid; the level filters and can change', () => {
    const { lines, destination } = capture();
    const oplog = createOplog({ level: 'warn', destination });
    oplog.info('hidden');
    oplog.warn('shown', { n: 1 });
    oplog.setLevel('debug');
    oplog.debug('now shown');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'shown'],
      ['debug', 'now shown'],
    ]);
    expect(lines[0]).toMatchObject({ pid: process.pid, n: 1 });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('never print a secret: by field name, and by value wherever it hides', () => {
    const { lines, destination } = capture();
    const oplog = createOplog({ destination });
    const secrets = { webhookSecret: 'whsec-0123456789abcdef', githubToken: 'ghp_abcdefghijklmnop', vapid: { publicKey: 'BPub', privateKey: 'priv-0123456789' } };
    oplog.redactValues(stringLeaves(secrets));
    oplog.info('calling https://x.test/?token=ghp_abcdefghijklmnop', {
      headers: { authorization: 'Bearer anything' },
      dashboardToken: 'whatever-it-is',
      nested: { error: new Error('signature with whsec-0123456789abcdef failed'), list: ['priv-0123456789'] },
      count: 3,
    });
    const text = JSON.stringify(lines);
    for (const value of ['ghp_abcdefghijklmnop', 'whsec-0123456789abcdef', 'priv-0123456789', 'Bearer anything', 'whatever-it-is']) {
      expect(text).not.toContain(value);
    }
    expect(lines[0]).toMatchObject({
      msg: 'calling https://x.test/?token=[redacted]',
      headers: { authorization: '[redacted]' },
      dashboardToken: '[redacted]',
      nested: { error: { type: 'Error', message: 'signature with [redacted] failed' }, list: ['[redacted]'] },
      count: 3,
    });
  });

  it('the daemon logs to stdout at the configured level and redacts its secrets from what libraries say', async () => {
    const token = 'ghp_ThisTokenMustNeverBePrinted42';
    // A proxy channel URL that carries the token, on a port nothing listens on: the failure is logged.
    const home = makeHome({ github: { webhookProxyUrl: `http://127.0.0.1:9/channel-${token}` } });
    const daemon = await startDaemon(home, { GITHUB_TOKEN: token });
    daemons.push(daemon);
    await waitFor(() => daemon.output().includes('webhook proxy'), 5000, 'the proxy failure');
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    const lines = daemon.output().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['vigil started', 'draining', 'vigil stopped']));
    expect(lines.find((l) => l.msg === 'vigil started')).toMatchObject({ level: 'info', url: daemon.url, home });
    expect(daemon.output()).not.toContain(token);
    expect(daemon.output()).toContain('channel-[redacted]');

    // log.level from config: info lines are gone, warnings stay.
    const quiet = makeHome({ log: { level: 'warn' } });
    const second = await startDaemon(quiet);
    daemons.push(second);
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(second.output()).not.toContain('vigil started');
  });
});
