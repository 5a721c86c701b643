import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceHost } from '../../src/service/index.js';
import type { RunResult } from '../../src/service/host.js';
import { BIN } from '../helpers/home.js';

const dirs: string[] = [];

export function tempDir(prefix = 'vigil-svc-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A unit file as systemd reads it: section → key → every value given (Environment= repeats). */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections[header[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit line: ${line}`);
    (current[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

/**
 * `systemd-analyze verify` on a unit written as `vigil.service` in a temp dir. User
 * units are verified by a user manager, which needs a runtime dir of its own.
 */
export function systemdVerify(unit: string, mode: 'user' | 'system'): { status: number | null; complaints: string[] } {
  const dir = tempDir('vigil-verify-');
  const file = path.join(dir, 'vigil.service');
  fs.writeFileSync(file, unit);
  const runtime = path.join(dir, 'runtime');
  fs.mkdirSync(runtime, { mode: 0o700 });
  const args = mode === 'user' ? ['--user', 'verify', file] : ['verify', file];
  const res = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
  if (res.error) throw res.error;
  const output = `${res.stdout}\n${res.stderr}`;
  // Other units on the machine may draw remarks of their own; only ours count.
  return { status: res.status, complaints: output.split('\n').filter((l) => l.includes('vigil')) };
}

/** A host whose commands are recorded instead of run (they succeed unless `answers` says otherwise): for plans of another platform. */
export function fakeHost(overrides: Partial<ServiceHost> & { answers?: Record<string, RunResult> } = {}): ServiceHost & { ran: string[][] } {
  const ran: string[][] = [];
  const { answers = {}, ...rest } = overrides;
  return {
    platform: 'linux',
    env: { HOME: tempDir(), PATH: '/usr/bin:/bin' },
    uid: 1000,
    username: 'owner',
    execPath: process.execPath,
    nodeVersion: process.versions.node,
    entry: BIN,
    run: (argv) => {
      ran.push([...argv]);
      return answers[argv.join(' ')] ?? { status: 0, stdout: '', stderr: '' };
    },
    ...rest,
    ran,
  };
}

/** Every file and directory under `root` with its mode and a content hash: "changed nothing" is a diff of two of these. */
export function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        out[full + '/'] = mode;
        walk(full);
      } else {
        const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
        out[full] = `${mode} ${stat.size} ${stat.mtimeMs} ${hash}`;
      }
    }
  };
  walk(root);
  return out;
}
