/**
 * Starting a worker thread from a module beside this one, whether Newsdesk runs compiled (dist/,
 * plain node) or from its TypeScript sources (tsx for `npm start`, vitest for the tests).
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** The worker entry points in this folder. */
export type WorkerEntry = 'parseWorker' | 'indexWorker';

let compiledDir: string | undefined;

/**
 * @internal For the tests (tests/setup/workers.ts): start the workers from a compiled copy of this
 * folder, on plain node, rather than through tsx, which compiles every module again in each thread.
 */
export function useCompiledWorkers(dir: string | undefined): void {
  compiledDir = dir;
}

/**
 * A worker running `entry`. From the sources, the thread registers tsx's loader itself before
 * importing the entry (as sharding.ts starts shards through tsx): loader hooks of the parent do not
 * reach worker threads on Node 20, and vitest's do not reach any thread it did not start.
 */
export function startWorker(entry: WorkerEntry, resourceLimits?: ResourceLimits): Worker {
  const typescript = fileURLToPath(import.meta.url).endsWith('.ts');
  const url = new URL(`./${entry}.${typescript ? 'ts' : 'js'}`, import.meta.url);
  const options = resourceLimits ? { resourceLimits } : {};
  if (compiledDir) return new Worker(pathToFileURL(join(compiledDir, `${entry}.js`)), options);
  if (!typescript) return new Worker(url, options);
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
