/**
 * Global setup: compiles src/, bench/ and the test helpers to plain JavaScript once per run (esbuild, one file per
 * module, layout kept) so that the tests which start Newsdesk's processes and worker threads run
 * them on plain node: a tsx start costs about a second of compiling per process and per thread,
 * and the CLI tests start well over a hundred. Runs after tmpdir.ts, inside the run's folder.
 *
 * The build sits one level below its root as src/ sits below the repository's, and that root
 * links back to the repository's corpus/, patterns/, lexicon/, package.json and node_modules/, so paths the
 * code finds from its own location (the bundled corpus, the boilerplate patterns, the word vectors, the worker
 * entries beside thread.js) resolve as they do from dist/.
 */
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

export default async function setup(): Promise<void> {
  const run = process.env.NEWSDESK_TEST_TMPDIR;
  if (!run) throw new Error('tests/setup/build.ts runs after tests/setup/tmpdir.ts');
  const out = join(run, 'build');
  mkdirSync(out, { recursive: true });
  // Not bundled: each module compiled on its own keeps its place, and its `.js` imports stay valid.
  await build({
    // bench/ starts the local Discord double from tests/, so the test helpers come too (not the tests).
    entryPoints: [
      ...sources(join(ROOT, 'src')),
      ...sources(join(ROOT, 'bench')),
      ...sources(join(ROOT, 'tests')).filter((f) => !f.endsWith('.test.ts')),
    ],
    outdir: out,
    outbase: ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  for (const name of ['corpus', 'patterns', 'lexicon', 'package.json', 'node_modules'])
    symlinkSync(join(ROOT, name), join(out, name));
  // Test processes are forked after this, with this environment (tests/setup/tsx.ts reads it).
  process.env.NEWSDESK_TEST_BUILD = out;
}
