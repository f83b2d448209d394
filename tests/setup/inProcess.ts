import { main } from '../../src/cli.js';
import { reportFailure } from '../../src/commandLine.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs a command of src/cli.ts (`['digest', '--json']`) in this process, as its script does:
 * its main, a failure reported in the house style with its exit code (src/commandLine.ts), with
 * only `env` (and PATH) as the environment and stdout and stderr captured. A spawned CLI costs
 * a second or two of starting node and loading modules; the tests that check many argument
 * combinations call this and keep a spawned run or two for the process itself.
 */
export function runCliInProcess(argv: string[], env: Record<string, string>): Promise<CliRun> {
  // One at a time: each swaps the process's environment and output for its own while it runs.
  const run = queue.then(() => runOne(argv, env));
  queue = run.catch(() => {});
  return run;
}

let queue: Promise<unknown> = Promise.resolve();

async function runOne(argv: string[], env: Record<string, string>): Promise<CliRun> {
  const savedEnv = process.env;
  const writes = { out: process.stdout.write, err: process.stderr.write };
  let out = '';
  let err = '';
  const capture =
    (add: (s: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      add(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    };
  // The test run's own variables stay (the compiled workers); nothing else of this process's leaks in.
  const kept = Object.fromEntries(Object.entries(savedEnv).filter(([k]) => k.startsWith('NEWSDESK_TEST_')));
  process.env = { PATH: savedEnv.PATH ?? '', ...kept, ...env };
  process.stdout.write = capture((s) => (out += s)) as typeof process.stdout.write;
  process.stderr.write = capture((s) => (err += s)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    code = reportFailure(argv[0] ?? 'cli', e);
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.env = savedEnv;
  }
  return { code, out, err };
}
