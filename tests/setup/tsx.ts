import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs a TypeScript entry point in one plain node process with tsx's loader: the tsx binary
 * starts a second node process for it, and the CLI tests start dozens of them.
 */
export const TS_NODE: readonly [command: string, ...args: string[]] = [process.execPath, '--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href];
