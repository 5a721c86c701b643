import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (stryker.config.json): the in-process ones
 * that import the guarantee modules from src/. Process-level tests run dist/, which a
 * mutant in src/ never reaches, so they cannot kill one; and they would cost minutes per
 * mutant. `vitest.related` narrows this list further to the files that import the mutant.
 */
/** scripts/mutation.mjs narrows a group to the test files that check it (its TESTS). */
const only = process.env.VIGIL_MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    // Not shorter: the dry run runs every file here at once, and on cores loaded by
    // three engineers a dream test took over 15 s. A mutant that holds a sync (the
    // spool's group commit never resolving) ends by Stryker's timeout instead
    // (stryker.config.json: timeoutMS 10 s over the tests' own time), as Timeout: killed.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: only?.length ? only : [
      'test/unit/spool.test.ts',
      'test/unit/spool-disk.test.ts',
      'test/unit/spool-record.test.ts',
      'test/unit/store.test.ts',
      'test/unit/policy.test.ts',
      'test/unit/approvals.test.ts',
      'test/unit/config.test.ts',
      'test/webhooks/group-commit.test.ts',
      'test/webhooks/classify.test.ts',
      'test/webhooks/route-inprocess.test.ts',
      'test/webhooks/read-body.test.ts',
      'test/notify/capability.test.ts',
      'test/logs/line.test.ts',
      'test/logs/parse-line.test.ts',
      'test/logs/verify.test.ts',
      'test/logs/daily-log.test.ts',
      'test/logs/torn.test.ts',
      'test/security/log-tail.test.ts',
      'test/agent/units.test.ts',
      'test/agent/env.test.ts',
      'test/agent/confine.test.ts',
      'test/security/agent-check-command.test.ts',
      'test/security/secrets-redactor.test.ts',
      'test/unit/secret-mask.test.ts',
      'test/model/typed-proposals.test.ts',
      'test/model/decision.test.ts',
      'test/dream/third-party.test.ts',
      'test/dream/repo-facts.test.ts',
      'test/dream/units.test.ts',
      'test/dream/model-dream.test.ts',
      'test/dream/write-failure.test.ts',
      'test/dream/write-memory.test.ts',
      'test/dream/operations.test.ts',
    ],
  },
});
