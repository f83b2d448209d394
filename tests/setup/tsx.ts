import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs a TypeScript entry point in one plain node process with tsx's loader: the tsx binary
 * starts a second node process for it, and the CLI tests start dozens of them.
 */
export const TS_NODE: readonly [command: string, ...args: string[]] = [
  process.execPath,
  '--import',
  pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
];

/**
 * The command that runs one of Newsdesk's entry points (`src/cli.ts`, `src/main.ts`,
 * `bench/bench.ts`; relative to the repository or absolute): plain node on the run's compiled
 * copy (tests/setup/build.ts), which starts in a fraction of tsx's time; through tsx when there
 * is none (a test file run without the global setup).
 */
export function nodeEntry(file: string): [command: string, ...args: string[]] {
  const rel = isAbsolute(file) ? relative(ROOT, file) : file;
  const build = process.env.NEWSDESK_TEST_BUILD;
  if (build) return [process.execPath, join(build, rel.replace(/\.ts$/, '.js'))];
  return [...TS_NODE, join(ROOT, rel)];
}

/** `nodeEntry` as `spawn`'s first two arguments: `spawn(...nodeCommand('src/cli.ts', ['ask']), options)`. */
export function nodeCommand(file: string, args: readonly string[]): [command: string, args: string[]] {
  const [command, ...entry] = nodeEntry(file);
  return [command, [...entry, ...args]];
}
