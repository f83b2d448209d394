import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes a directory and its missing parents one level at a time. Node's `mkdirSync(…, { recursive: true })`
 * loops forever under /proc (`/proc/nope` answers ENOENT for ever); one level at a time fails at once.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new Error(`${d} is a file, not a folder`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`cannot create the folder ${m} (${code ?? (err as Error).message})`);
    }
  }
}

/**
 * Why a file cannot be written at `path` (its folder cannot be made, is a file, or is read-only),
 * or null when it can. Makes the folder as a side effect, as writing the file would.
 */
export function unwritableReason(path: string): string | null {
  try {
    if (existsSync(path) && statSync(path).isDirectory()) return `${path} is a folder, not a file`;
    const dir = dirname(resolve(path));
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') return `${e.path ?? path} is not writable`;
    return e.message;
  }
}
