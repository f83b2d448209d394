import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One temporary folder per run, removed at the end (tests/setup/tmpdir.ts).
    globalSetup: ['tests/setup/tmpdir.ts'],
  },
});
