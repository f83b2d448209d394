import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One temporary folder per run, removed at the end (tests/setup/tmpdir.ts); Newsdesk compiled
    // into it once, for the tests that start its processes and threads (tests/setup/build.ts).
    globalSetup: ['tests/setup/tmpdir.ts', 'tests/setup/build.ts'],
    setupFiles: ['tests/setup/workers.ts'],
  },
});
