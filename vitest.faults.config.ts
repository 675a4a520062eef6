import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: real processes killed, Redis lost, PostgreSQL restarted. One file at a
 * time and after the rest of the suite: a PostgreSQL restart drops every connection on it.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 1_500_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
