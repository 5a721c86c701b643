/**
 * Session bus addresses in the abstract socket namespace (`unix:abstract=…`, what dbus-daemon's
 * `unix:tmpdir=` gives on some Linux systems): the D-Bus client library cannot open them
 * without a native add-on, so vigil opens them with Node's own socket. A private dbus-daemon
 * listens on one; it has no notification server, so the bus itself answers the call — which
 * it can only do once vigil has connected, authenticated and said Hello over that socket.
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeNotificationServer } from '../../src/notify/desktop-bus.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-abstract-bus-'));
let busPid: number | undefined;
let busAddress = '';

beforeAll(() => {
  const config = path.join(dir, 'session.conf');
  fs.writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:abstract=vigil-test-${crypto.randomBytes(8).toString('hex')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = spawnSync('dbus-daemon', [`--config-file=${config}`, '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', timeout: 15_000 });
  if (bus.status !== 0) throw new Error(`dbus-daemon: ${bus.stderr}`);
  const [address, pid] = bus.stdout.trim().split('\n');
  busAddress = address!;
  busPid = Number(pid);
});
afterAll(() => {
  if (busPid) process.kill(busPid);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('reaches a session bus at a unix:abstract= address: the bus answers that no notification server is there', async () => {
  expect(busAddress).toMatch(/^unix:abstract=vigil-test-/);
  await expect(probeNotificationServer(busAddress, 10_000)).rejects.toThrow(/GetServerInformation: org\.freedesktop\.DBus\.Error\.ServiceUnknown/);
});
