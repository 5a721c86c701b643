import fs from 'node:fs';
import { generateSecrets } from './secrets.js';
import { homePaths, type HomePaths } from '../home/index.js';

export interface InitResult {
  paths: HomePaths;
  created: string[];
}

/** The config a new home starts with: offline rules provider, every 15 minutes. */
export function defaultConfigFile(): Record<string, unknown> {
  return {
    $schema: './config.schema.json',
    tick: { schedule: '*/15 * * * *' },
    model: { provider: 'rules' },
    rules: [
      {
        on: 'github.issues.opened',
        propose: {
          action: 'notify',
          params: {
            title: 'New issue in {{payload.repository.full_name}}',
            body: '#{{payload.issue.number}} {{payload.issue.title}}',
          },
        },
      },
      {
        on: 'github.pull_request.opened',
        propose: {
          action: 'notify',
          params: {
            title: 'New pull request in {{payload.repository.full_name}}',
            body: '#{{payload.pull_request.number}} {{payload.pull_request.title}}',
          },
        },
      },
    ],
    permissions: { mode: 'auto', rules: [] },
    repos: [],
  };
}

/**
 * Create what is missing in a home and never overwrite what exists: an owner's
 * config and secrets are theirs. The JSON Schema is refreshed every time so that
 * editors autocomplete the keys of this version.
 */
export async function initHome(home: string): Promise<InitResult> {
  const paths = homePaths(home);
  const created: string[] = [];
  if (!fs.existsSync(home)) created.push(home);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const dir of [paths.logs, paths.memory]) {
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      created.push(dir);
    }
  }
  if (writeIfMissing(paths.secrets, JSON.stringify(generateSecrets(), null, 2) + '\n', 0o600)) {
    created.push(paths.secrets);
  }
  if (writeIfMissing(paths.config, JSON.stringify(defaultConfigFile(), null, 2) + '\n', 0o644)) {
    created.push(paths.config);
  }
  await writeConfigSchema(paths.configSchema);
  return { paths, created };
}

function writeIfMissing(file: string, content: string, mode: number): boolean {
  try {
    fs.writeFileSync(file, content, { flag: 'wx', mode });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** zod-to-json-schema is only needed here, so it is loaded only here. */
async function writeConfigSchema(file: string): Promise<void> {
  const [{ zodToJsonSchema }, { Config }] = await Promise.all([import('zod-to-json-schema'), import('./schema.js')]);
  const schema = zodToJsonSchema(Config, { $refStrategy: 'none', target: 'jsonSchema7' });
  const text = JSON.stringify({ ...schema, title: 'vigil config.json' }, null, 2) + '\n';
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== text) fs.writeFileSync(file, text, { mode: 0o644 });
}

