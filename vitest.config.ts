import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault tests restart shared servers: they run on their own (vitest.faults.config.ts).
    exclude: ['test/faults/**', '**/node_modules/**'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more workers only make the timing-sensitive integration tests noisy.
    maxWorkers: 2,
  },
});
