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
        // Start-up timings and the unsigned-load RSS bound run first and alone (groupOrder),
        // one file at a time, not beside other daemons: what they measure is the process's own.
        test: {
          name: 'timing',
          include: ['test/timing/**/*.test.ts', 'test/security/intake-exhaustion.test.ts'],
          sequence: { groupOrder: 0 },
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/timing/**', 'test/security/intake-exhaustion.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
