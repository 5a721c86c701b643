import os from 'node:os';
import path from 'node:path';

/** Where everything of one vigil lives. `VIGIL_HOME` alone suffices to find it all. */
export interface HomePaths {
  home: string;
  config: string;
  configSchema: string;
  secrets: string;
  db: string;
  logs: string;
  memory: string;
  /** The owner's standing orders for ticks, in plain words (optional). */
  heartbeat: string;
  /** Written by the running daemon: its pid and HTTP address. */
  daemon: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.VIGIL_HOME?.trim();
  return path.resolve(fromEnv ? fromEnv : path.join(os.homedir(), '.vigil'));
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    config: path.join(home, 'config.json'),
    configSchema: path.join(home, 'config.schema.json'),
    secrets: path.join(home, 'secrets.json'),
    db: path.join(home, 'vigil.db'),
    logs: path.join(home, 'logs'),
    memory: path.join(home, 'memory'),
    heartbeat: path.join(home, 'HEARTBEAT.md'),
    daemon: path.join(home, 'daemon.json'),
  };
}
