import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildAliasTable, mergeAliasFiles, type AliasTable } from './core/aliases.js';
import { GENERAL_ALIASES } from './generalAliases.js';
import { LANGUAGE } from './language.js';
import type { CorpusWarning } from './core/types.js';
import { yaml } from './yaml.js';

/** The bundled corpus, wherever the process was started from. */
export const BUNDLED_CORPUS = resolve(dirname(new URL(import.meta.url).pathname), '..', 'corpus');

const warn = (warnings: CorpusWarning[], path: string, err: unknown): void => {
  warnings.push({ file: path, reason: `alias file ignored: ${(err as Error).message.split('\n')[0]}` });
};

/** The alias file's text, for the index hash; '' (and a warning) when there is none or it is unreadable. */
export function readAliasText(path: string | undefined, warnings: CorpusWarning[]): string {
  if (!path) return '';
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    warn(warnings, path, err);
    return '';
  }
}

/** No alias file: the general aliases alone, with the language data the core reads (see LANGUAGE). */
const NO_ALIASES = buildAliasTable(mergeAliasFiles(GENERAL_ALIASES, {}), LANGUAGE);

/**
 * Parses and validates alias text into a table that carries the language data too; a broken
 * one is reported and the engine runs without aliases.
 */
export function parseAliases(path: string | undefined, text: string, warnings: CorpusWarning[]): AliasTable {
  if (!path || !text) return NO_ALIASES;
  try {
    return buildAliasTable(mergeAliasFiles(GENERAL_ALIASES, yaml().parse(text)), LANGUAGE);
  } catch (err) {
    warn(warnings, path, err);
    return NO_ALIASES;
  }
}

/** Reads, parses and validates the alias file. */
export function loadAliases(path: string | undefined, warnings: CorpusWarning[]): { table: AliasTable; text: string } {
  const text = readAliasText(path, warnings);
  return { table: parseAliases(path, text, warnings), text };
}
