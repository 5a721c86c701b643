import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { killDaemons, removeHomes, type RunningDaemon } from '../helpers/home.js';

/**
 * Debian's Chromium for a browser test file: launched once (headless, the flags these
 * machines need), closed after the file; the daemons a test started are killed, and
 * their homes removed, after each test.
 */
export function useChromium(artifactsDir?: string): { readonly browser: Browser; readonly daemons: RunningDaemon[] } {
  const state: { browser: Browser; daemons: RunningDaemon[] } = { browser: undefined as unknown as Browser, daemons: [] };
  beforeAll(async () => {
    if (artifactsDir) fs.mkdirSync(artifactsDir, { recursive: true });
    state.browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await state.browser?.close();
  });
  afterEach(async () => {
    await killDaemons(state.daemons);
    removeHomes();
  });
  return state;
}
