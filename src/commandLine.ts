import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config.js';

/**
 * What every Newsdesk script shares on the command line: one error style
 * (`newsdesk <command>: <message>`), exit 2 for a mistake in how it was called and 1 for a
 * failure, and an ending that never cuts off output a slow reader has not taken yet.
 */

/** A mistake in how a command was called (bad flag, bad value): exit 2, one line naming it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one line a failure prints: `newsdesk <command>: <message>` (first line of the message only: no stack). */
export function errorLine(command: string, message: string): string {
  return `newsdesk ${command}: ${message.split('\n')[0]}`;
}

/** Prints an error in the house style on stderr. */
export function printError(command: string, message: string): void {
  process.stderr.write(`${errorLine(command, message)}\n`);
}

/**
 * `node:util` parseArgs with its errors turned into one-line {@link UsageError}s that name the
 * flag ("unknown option --foo"), instead of node's two-sentence advice about positionals.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const e = err as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option ${quoted ?? ''} (see --help)`.replace('  ', ' '));
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(`unexpected argument ${quoted ?? ''} (see --help)`.replace('  ', ' '));
    // "Option '-k, --results <value>' argument missing": name the long flag.
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(`${/--[\w-]+/.exec(quoted ?? '')?.[0] ?? quoted ?? 'an option'} needs a value`);
    throw new UsageError(e.message.split('. ')[0] ?? e.message);
  }
}

/** A whole number from min to max, or a UsageError naming the flag and the range. */
export function intFlag(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
}

/**
 * A path given on the command line, resolved from the directory the user typed the command in:
 * npm runs scripts from the package root and passes the caller's directory as INIT_CWD.
 */
export function callerPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INIT_CWD ?? process.cwd(), path);
}

/**
 * Runs a script's main and ends it without cutting off its output. `process.exit()` right after
 * the last write drops whatever stdout has not flushed to a slow reader (a pipe into a busy
 * process kept 141 of 600 answer lines); so the exit code is set and the process ends when its
 * work is done. Something left holding the event loop (a watcher, a socket) is given the exit
 * once stdout and stderr have flushed. A code below 0 means "keep running" (a bot).
 */
export function runCommand(command: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      if (code >= 0) finish(code);
    },
    (err: unknown) => finish(reportFailure(command, err)),
  );
}

/** Prints why a script's main failed, in the house style, and returns its exit code (2: how it was called, 1: anything else). */
export function reportFailure(command: string, err: unknown): number {
  if (err instanceof UsageError) {
    printError(command, err.message);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  // A ConfigError names its variables, one a line, none with its value: all of it is shown.
  if (err instanceof ConfigError) process.stderr.write(`newsdesk ${command}: ${message}\n`);
  else printError(command, message);
  return 1;
}

function finish(code: number): void {
  process.exitCode = code;
  // The write callbacks run once everything written before them has been handed to the OS.
  process.stdout.write('', () => {
    process.stderr.write('', () => {
      setTimeout(() => process.exit(code), 200).unref();
    });
  });
}
