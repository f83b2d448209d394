import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTermVectors, type TermVectors, type VectorTable } from './core/meaning.js';

/**
 * Word vectors for what a short question means (src/core/meaning.ts): lexicon/term-vectors.bin,
 * made by scripts/term-vectors.ts from GloVe. Passed into the core with the aliases, as data,
 * not read by it; read at its first use (1.9 MB, a few ms), so a start does not pay for it.
 */
export const TERM_VECTOR_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'lexicon', 'term-vectors.bin');

let table: VectorTable | undefined;

/** No vectors: answers weigh words only (a file that is missing or unreadable). */
const NONE: VectorTable = {
  width: 0,
  count: 0,
  row: () => undefined,
  bytes: new Int8Array(0),
  norms: new Float32Array(0),
};

function load(): VectorTable {
  if (table) return table;
  try {
    table = readTermVectors(readFileSync(TERM_VECTOR_FILE));
  } catch (err) {
    process.emitWarning(`${TERM_VECTOR_FILE}: ${(err as Error).message}; answers weigh words only`);
    table = NONE;
  }
  return table;
}

/** The bundled word vectors, read at their first use. */
export const TERM_VECTORS: TermVectors = { table: load };

/** Reads the word vectors now rather than at the first question that needs them. */
export function warmTermVectors(): void {
  load();
}
