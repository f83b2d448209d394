/**
 * What a short question is about beside the words it uses: word vectors (GloVe, passed in with
 * the aliases: see src/termVectors.ts) summed over the question's words and over an article's,
 * each word weighed by its IDF, compared by cosine. A reader asks "What can the deck be converted
 * into?" of a story that says "a full garden and pool": words that never meet, on the same
 * subject. The rerank (rerank.ts, weighsMeaning) weighs it for short questions that name nothing;
 * in a long one, or one that names someone, the words asked pin the story and their mean blurs it.
 */
import type { AnswerIndex } from './answerIndex.js';
import type { ParsedQuery } from './query.js';
import { compareSlice } from './text.js';

/** A unit vector of meaning. */
export type Meaning = Float32Array;

/** Word vectors by index term: `width` signed bytes a row. */
export interface VectorTable {
  width: number;
  /** How many terms (rows). */
  count: number;
  /** A term's row, if it has one. */
  row(term: string): number | undefined;
  bytes: Int8Array;
  /** Each row's length, to make it a unit vector: 0 until its row is first used. */
  norms: Float32Array;
}

/** Word vectors passed in with the aliases (see AliasTable.termVectors), read on first use. */
export interface TermVectors {
  table(): VectorTable;
}

// The file: MAGIC, a format byte, the width (uint16), the term count and the terms' byte length
// (uint32 each, little-endian), the terms in UTF-8 joined by "\n", then the rows.
const MAGIC = 'NDTV';
const FORMAT = 1;
const HEAD = 15;

/** The bytes of a vector file: terms sorted and distinct, in row order, `width` signed bytes each. */
export function encodeTermVectors(terms: readonly string[], width: number, rows: Int8Array): Uint8Array {
  if (rows.length !== terms.length * width) throw new Error('term vectors: rows do not match the terms');
  if (terms.some((t, i) => i > 0 && terms[i - 1]! >= t)) throw new Error('term vectors: terms not sorted and distinct');
  const names = new TextEncoder().encode(terms.join('\n'));
  const out = new Uint8Array(HEAD + names.length + rows.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  out[4] = FORMAT;
  view.setUint16(5, width, true);
  view.setUint32(7, terms.length, true);
  view.setUint32(11, names.length, true);
  out.set(names, HEAD);
  out.set(new Uint8Array(rows.buffer, rows.byteOffset, rows.length), HEAD + names.length);
  return out;
}

/** Reads a vector file's bytes; throws on anything else. */
export function readTermVectors(data: Uint8Array): VectorTable {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = String.fromCharCode(...data.subarray(0, MAGIC.length));
  if (data.length < HEAD || magic !== MAGIC || data[4] !== FORMAT) throw new Error('not a term vector file');
  const width = view.getUint16(5, true);
  const count = view.getUint32(7, true);
  const namesLength = view.getUint32(11, true);
  if (data.length !== HEAD + namesLength + count * width) throw new Error('term vector file: wrong length');
  // The terms as one string and where each starts: a Map of 19,000 strings held 1.5 MB more.
  const names = new TextDecoder().decode(data.subarray(HEAD, HEAD + namesLength));
  const starts = new Uint32Array(count + 1);
  let n = 1;
  for (let i = names.indexOf('\n'); i >= 0 && n <= count; i = names.indexOf('\n', i + 1)) starts[n++] = i + 1;
  if (n !== Math.max(count, 1)) throw new Error('term vector file: wrong term count');
  starts[count] = names.length + 1;
  const bytes = new Int8Array(data.buffer, data.byteOffset + HEAD + namesLength, count * width);
  // Worked out as rows are used (addTerm): all at once held a serving loop 30-50 ms at warm-up.
  const norms = new Float32Array(count);
  const row = (term: string): number | undefined => {
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const d = compareSlice(names, starts[mid]!, starts[mid + 1]! - 1 - starts[mid]!, term);
      if (d === 0) return mid;
      if (d < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
  return { width, count, row, bytes, norms };
}

/** Adds `weight` times term's unit vector to `sum`; false when the term has none. */
function addTerm(table: VectorTable, sum: Float64Array, term: string, weight: number): boolean {
  const row = table.row(term);
  if (row === undefined) return false;
  let norm = table.norms[row]!;
  if (norm === 0) {
    for (let i = 0, at = row * table.width; i < table.width; i++, at++) norm += table.bytes[at]! * table.bytes[at]!;
    table.norms[row] = norm = Math.sqrt(norm) || 1;
  }
  const scale = weight / norm;
  for (let i = 0, at = row * table.width; i < table.width; i++, at++) sum[i]! += scale * table.bytes[at]!;
  return true;
}

function unit(sum: Float64Array): Meaning | undefined {
  let norm = 0;
  for (const x of sum) norm += x * x;
  if (norm === 0) return undefined;
  norm = Math.sqrt(norm);
  return Float32Array.from(sum, (x) => x / norm);
}

/** IDF as ln(1 + N/df) over articles, as key terms weigh (newer.ts): never near zero in a small archive. */
function idf(index: AnswerIndex, term: string, articles: number): number {
  return Math.log(1 + articles / (1 + index.articleFrequency(term)));
}

/**
 * The words a question asks, as index terms, each once: a term's word as asked (a synonym, a
 * corrected or a derived form counts as the word it stands for) and words the archive never saw,
 * which may still have a meaning. The same count as the evidence's words asked (answer.ts).
 */
export function askedTerms(query: Pick<ParsedQuery, 'terms' | 'unknown'>): string[] {
  return [...new Set([...query.terms.map((t) => t.from ?? t.term), ...query.unknown])];
}

/** The meaning of the words a question asks, each by its IDF (a word the archive never saw weighs most). */
export function questionMeaning(index: AnswerIndex, asked: readonly string[]): Meaning | undefined {
  const table = index.aliases.termVectors?.table();
  if (!table) return undefined;
  const sum = new Float64Array(table.width);
  const articles = index.held().articles;
  for (const term of asked) addTerm(table, sum, term, idf(index, term, articles));
  return unit(sum);
}

/** At most this many articles' meanings kept per index (400 bytes each). */
const KEPT = 5_000;
const kept = new WeakMap<AnswerIndex, { version: unknown; meanings: Map<number, Meaning | null> }>();

/**
 * The meaning of article a: its words (title and passages), each by (1 + ln tf) times its IDF.
 * Worked out once per article and index (20-40 µs a passage, from the tokens the index keeps).
 * A delta over the main index works its own out (its IDF is the whole archive's), so main and
 * delta answer as one index built over both.
 */
export function articleMeaning(index: AnswerIndex, a: number): Meaning | undefined {
  const table = index.aliases.termVectors?.table();
  if (!table) return undefined;
  const version = index.version?.();
  let cache = kept.get(index);
  if (!cache || cache.version !== version) kept.set(index, (cache = { version, meanings: new Map() }));
  const known = cache.meanings.get(a);
  if (known !== undefined) return known ?? undefined;
  const counts = new Map<string, number>();
  const [from, to] = index.passageRange(a);
  for (let p = from; p < to; p++)
    for (const t of index.passageTokens(p)) counts.set(t.term, (counts.get(t.term) ?? 0) + 1);
  for (const t of index.titleTerms(a)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const sum = new Float64Array(table.width);
  const articles = index.held().articles;
  for (const [term, n] of counts) addTerm(table, sum, term, idf(index, term, articles) * (1 + Math.log(n)));
  const meaning = unit(sum);
  // The oldest goes first: a Map keeps insertion order.
  if (cache.meanings.size >= KEPT) cache.meanings.delete(cache.meanings.keys().next().value as number);
  cache.meanings.set(a, meaning ?? null);
  return meaning;
}

/** Cosine of two unit vectors (0 when either is missing). */
export function similarity(x: Meaning | undefined, y: Meaning | undefined): number {
  if (!x || !y) return 0;
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
  return dot;
}
