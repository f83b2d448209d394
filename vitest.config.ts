import { defineConfig } from 'vitest/config';

/**
 * Test files that run in a module graph of their own (see `isolate` below): one replaces a module
 * with vi.mock; the links test twice saw \`new URL\` refuse an internationalised host after other
 * files had run in its worker (never alone, cause not found), so it keeps a fresh one.
 */
const ISOLATED = ['tests/core/parsers-corpus.test.ts', 'tests/security/links.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // One worker (Vitest's default on 2 cores): with two, the suite took 100-130 s instead of about
    // 150, but timing-sensitive tests (shards, a held rebuild, an internationalised url) failed in 3
    // of 6 clean runs while the other worker loaded the cores; a red run does not land.
    maxWorkers: 1,
    // One temporary folder per run, removed at the end (tests/setup/tmpdir.ts); Newsdesk compiled
    // into it once, for the tests that start its processes and threads (tests/setup/build.ts).
    globalSetup: ['tests/setup/tmpdir.ts', 'tests/setup/build.ts'],
    setupFiles: ['tests/setup/workers.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['tests/**/*.test.ts'],
          exclude: ISOLATED,
          // A worker runs file after file with the modules it has loaded (discord.js, the engine): a fresh
          // process and module graph per file cost a second or more of imports each, a third of the suite.
          // Every file closes what it opens and restores what it changes (process.env, stdout), so none
          // sees another's state.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
