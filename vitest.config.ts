import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process-level tests start real daemons; two cores do not like many at once.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Start-up timings run first and alone (groupOrder), not beside other daemons.
        test: { name: 'timing', include: ['test/timing/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/timing/**'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
