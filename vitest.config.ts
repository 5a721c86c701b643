import { defineConfig } from 'vitest/config';
import { NOT_ON_POSTGRES } from './test/backends.js';

/**
 * The backend switch (test/helpers/backend.ts): with VIGIL_TEST_STORE=postgres the same
 * suite runs with every home on PostgreSQL, leaving out test/store/pg (PostgreSQL's own
 * files, on clusters of their own) and what test/backends.ts lists, said aloud here.
 */
const onPostgres = process.env['VIGIL_TEST_STORE'] === 'postgres';
const leftOut = onPostgres ? ['test/store/pg/**', ...Object.keys(NOT_ON_POSTGRES)] : [];
// The config is read more than once in a run (once per project): the list is said once.
if (onPostgres && process.env['VIGIL_TEST_LEFT_OUT_SAID'] === undefined) {
  process.env['VIGIL_TEST_LEFT_OUT_SAID'] = '1';
  console.warn(`\n*** VIGIL_TEST_STORE=postgres: ${Object.keys(NOT_ON_POSTGRES).length} files not run on PostgreSQL (test/backends.ts):`);
  for (const [file, why] of Object.entries(NOT_ON_POSTGRES)) console.warn(`    ${file}: ${why}`);
  console.warn('');
}

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
          exclude: leftOut,
          sequence: { groupOrder: 0 },
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['test/timing/**', 'test/security/intake-exhaustion.test.ts', ...leftOut],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
