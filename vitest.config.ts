import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    globalSetup: ['packages/platform-testing/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: [
      'default',
      ['json', { outputFile: process.env.MARQUEE_TEST_REPORT ?? '.marquee/test-report.json' }],
      [
        './packages/platform-testing/src/unhandled-errors-reporter.ts',
        { outputFile: process.env.MARQUEE_TEST_ERRORS ?? '.marquee/test-errors.json' },
      ],
    ],
  },
});
