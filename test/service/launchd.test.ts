import fs from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { parse as parsePlist } from 'plist';
import { afterEach, describe, expect, it } from 'vitest';
import { describePlan, executePlan, installPlan, uninstallPlan } from '../../src/service/index.js';
import { renderLaunchAgent } from '../../src/service/launchd.js';
import { BIN } from '../helpers/home.js';
import { fakeHost, removeTempDirs, tempDir } from './helpers.js';

afterEach(() => removeTempDirs());

/** Well-formed XML or an exception: plist's own parser only logs what it skips. */
function strictXml(text: string): void {
  const onError = (level: string, message: string) => {
    throw new Error(`${level}: ${message}`);
  };
  new DOMParser({ onError }).parseFromString(text, 'text/xml');
}

describe('the macOS LaunchAgent', () => {
  it('is valid XML that a plist parser reads into the keys launchd needs, with odd characters intact', () => {
    const home = '/Users/o&b/<vigil> "home"';
    const text = renderLaunchAgent({ node: process.execPath, entry: BIN, home, pathEnv: '/opt/homebrew/bin:/usr/bin', logDir: '/Users/o&b/Library/Logs/vigil' });
    strictXml(text);
    const parsed = parsePlist(text) as Record<string, unknown>;
    expect(parsed).toEqual({
      Label: 'dev.vigil',
      ProgramArguments: [process.execPath, BIN, 'start'],
      EnvironmentVariables: { PATH: '/opt/homebrew/bin:/usr/bin', VIGIL_HOME: home },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 30,
      ExitTimeOut: 15,
      StandardOutPath: '/Users/o&b/Library/Logs/vigil/vigil.log',
      StandardErrorPath: '/Users/o&b/Library/Logs/vigil/vigil.err.log',
    });
  });

  it('the XML check is strict enough to matter: an unescaped & is refused', () => {
    const text = renderLaunchAgent({ node: process.execPath, entry: BIN, home: '/h', pathEnv: '/usr/bin', logDir: '/l' });
    expect(() => strictXml(text)).not.toThrow();
    expect(() => strictXml(text.replace('<string>/h</string>', '<string>/a&b</string>'))).toThrow(/entity|&|;/i);
  });

  it('install on darwin: directories, the plist, then `launchctl bootstrap gui/<uid>`; bootout first when replacing', () => {
    const host = fakeHost({ platform: 'darwin', uid: 501, env: { HOME: tempDir(), PATH: '/usr/bin:/bin' } });
    const plistFile = path.join(host.env.HOME!, 'Library/LaunchAgents/dev.vigil.plist');
    const logDir = path.join(host.env.HOME!, 'Library/Logs/vigil');
    const plan = installPlan(host, { home: '/Users/owner/.vigil' });
    expect(plan.steps.map((s) => (s.kind === 'run' ? s.argv.join(' ') : `${s.kind} ${s.path}`))).toEqual([
      `mkdir ${path.dirname(plistFile)}`,
      `mkdir ${logDir}`,
      `write ${plistFile}`,
      `launchctl bootstrap gui/501 ${plistFile}`,
    ]);
    const printed = describePlan(plan, true).join('\n');
    expect(printed).toContain(`would run: launchctl bootstrap gui/501 ${plistFile}`);
    expect(printed).toContain('<key>RunAtLoad</key>');

    // Carried out on the fake host: the files are real, the launchctl calls recorded.
    executePlan(plan, host, () => undefined);
    expect((parsePlist(fs.readFileSync(plistFile, 'utf8')) as { ProgramArguments: string[] }).ProgramArguments).toEqual([process.execPath, BIN, 'start']);
    expect(fs.statSync(plistFile).mode & 0o777).toBe(0o644);
    expect(fs.statSync(logDir).isDirectory()).toBe(true);

    const again = installPlan(host, { home: '/Users/owner/.vigil' });
    const runs = again.steps.flatMap((s) => (s.kind === 'run' ? [{ line: s.argv.join(' '), mayFail: s.mayFail ?? false }] : []));
    expect(runs).toEqual([
      { line: 'launchctl bootout gui/501/dev.vigil', mayFail: true },
      { line: `launchctl bootstrap gui/501 ${plistFile}`, mayFail: false },
    ]);
  });

  it('uninstall on darwin boots the agent out and removes the plist; --system is refused', () => {
    const host = fakeHost({ platform: 'darwin', uid: 501, env: { HOME: tempDir(), PATH: '/usr/bin' } });
    expect(uninstallPlan(host, undefined)).toBeUndefined();
    executePlan(installPlan(host, { home: '/h' }), host, () => undefined);
    const plan = uninstallPlan(host, undefined)!;
    executePlan(plan, host, () => undefined);
    expect(host.ran.at(-1)).toEqual(['launchctl', 'bootout', 'gui/501/dev.vigil']);
    expect(fs.existsSync(path.join(host.env.HOME!, 'Library/LaunchAgents/dev.vigil.plist'))).toBe(false);
    expect(() => installPlan(host, { mode: 'system', home: '/h' })).toThrow(/LaunchAgent/);
  });
});
