import crypto from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { GithubConfig } from '../../src/config/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { EventRecord } from '../../src/events.js';
import type { HandlerContext } from '../../src/exec/handlers/index.js';
import { openGithub, type GithubSession } from '../../src/github-api/index.js';
import { type GithubCredentials } from '../../src/github-api/types.js';
import { circuitFor } from '../../src/model/index.js';
import { Store } from '../../src/store/index.js';
import { useTempDir } from '../unit/helpers.js';
import { FakeGithub, type FakeGithubOptions } from './fake-github.js';

export const TOKEN = 'ghp_fake_token_for_tests';
export const REPO = 'octo/app';

/**
 * Fakes and stores made in a test are stopped and closed after it. The fake has no rate
 * rule: Octokit's spacing of writes (1 s, 3 s for comments, shared by every client in
 * the process) is off for the test (VIGIL_GITHUB_THROTTLE), else each write waits it.
 */
export function useGithubWorld() {
  const tempDir = useTempDir('vigil-github-');
  const fakes: FakeGithub[] = [];
  const stores: Store[] = [];
  beforeEach(() => {
    vi.stubEnv('VIGIL_GITHUB_THROTTLE', 'off');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    for (const store of stores.splice(0)) store.close();
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
  });
  return {
    async fake(options: FakeGithubOptions = { tokens: [TOKEN] }): Promise<FakeGithub> {
      const fake = await new FakeGithub(options).start();
      fakes.push(fake);
      return fake;
    },
    store(): Store {
      const store = Store.open(path.join(tempDir(), 'vigil.db'));
      stores.push(store);
      return store;
    },
  };
}

export interface SessionSetup {
  fake: FakeGithub;
  store: Store;
  config?: Record<string, unknown>;
  credentials?: GithubCredentials | undefined;
  records?: EventRecord[];
  /** `repos[].name` of the config: readable besides `github.repos`. */
  watchedNames?: string[];
}

/** The worker's GitHub session, with the real Octokit pointed at the fake. */
export function session(setup: SessionSetup): GithubSession {
  const credentials = 'credentials' in setup ? setup.credentials : { kind: 'token' as const, token: TOKEN };
  return openGithub({
    config: GithubConfig.parse(setup.config ?? {}),
    credentials,
    baseUrl: setup.fake.url,
    store: setup.store,
    clock: systemClock,
    record: (r) => setup.records?.push(r),
    ...(setup.watchedNames ? { watchedNames: setup.watchedNames } : {}),
  });
}

/** What the worker's runner hands a handler. */
export function handlerContext(github: GithubSession, store: Store, actionId: string, createdAt = Date.now()): HandlerContext {
  return {
    actionId,
    actionCreatedAt: createdAt,
    eventId: null,
    clock: systemClock,
    store,
    memoryDir: '/nonexistent',
    github: () => Promise.resolve(github),
    record: () => undefined,
    print: () => undefined,
    config: parseConfig({}, {}),
    notifier: () => {
      throw new Error('GitHub handlers reach no owner');
    },
    modelCalls: { recorder: store.usage, circuit: circuitFor(parseConfig({}, {}).model) },
  };
}

export function newActionIdForTest(): string {
  return crypto.randomBytes(5).toString('hex');
}
