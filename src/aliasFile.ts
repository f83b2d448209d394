import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildAliasTable, NO_ALIASES, type AliasTable } from './core/aliases.js';
import type { CorpusWarning } from './core/types.js';

/** The bundled corpus, wherever the process was started from. */
export const BUNDLED_CORPUS = resolve(dirname(new URL(import.meta.url).pathname), '..', 'corpus');

/** Reads and validates the alias file; a broken one is reported and the engine runs without aliases. */
export function loadAliases(path: string | undefined, warnings: CorpusWarning[]): { table: AliasTable; text: string } {
  if (!path) return { table: NO_ALIASES, text: '' };
  try {
    const text = readFileSync(path, 'utf8');
    return { table: buildAliasTable(parseYaml(text)), text };
  } catch (err) {
    warnings.push({ file: path, reason: `alias file ignored: ${(err as Error).message.split('\n')[0]}` });
    return { table: NO_ALIASES, text: '' };
  }
}
