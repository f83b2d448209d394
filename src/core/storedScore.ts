/**
 * The scoring loops of StoredIndex (storedIndex.ts) over an article as the store keeps it: its
 * term ids in order (passage BM25 with proximity), and its distinct term ids with their counts
 * (stage 1's BM25F, which only needs how often each asked term occurs).
 */
import type { StoredArticle } from './archiveStore.js';
import { bm25Term, passageNorm, type RankingOptions } from './ranking-options.js';

/** An article's distinct term ids, ascending, with how often each occurs in its passages. */
export function bagOf(tokens: Int32Array): Bag {
  const sorted = tokens.slice().sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const bag: Bag = { ids: new Int32Array(distinct), counts: new Int32Array(distinct) };
  let at = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) bag.ids[++at] = sorted[i]!;
    bag.counts[at]!++;
  }
  return bag;
}

/** An article's distinct term ids, ascending, and their counts. */
export interface Bag {
  ids: Int32Array;
  counts: Int32Array;
}

/** The index of x in an ascending array, or -1. */
export function findSorted(ids: Int32Array, x: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Whether two articles hold the same words in the same order. */
export function sameTokens(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** BM25 of passage i of an article for the question terms in `slotOf` (NewsIndex.scorePassage's measure). */
export function scorePassage(
  record: StoredArticle,
  i: number,
  slotOf: Int32Array,
  far: ReadonlyMap<number, number>,
  weights: readonly number[],
  tf: Float64Array,
  r: RankingOptions,
  avgPassageLength: number,
): number {
  tf.fill(0);
  const start = record.tokenStart[i]!;
  const end = record.tokenStart[i + 1]!;
  let any = false;
  let prev = -1;
  let prevAt = -2;
  let near = 0;
  for (let t = start; t < end; t++) {
    const x = record.tokens[t]!;
    const slot = x < slotOf.length ? slotOf[x]! : far.size > 0 ? (far.get(x) ?? -1) : -1;
    if (slot >= 0) {
      tf[slot]!++;
      any = true;
      if (prev !== slot && t - prevAt === 1) near += Math.min(weights[prev]!, weights[slot]!);
      prev = slot;
      prevAt = t;
    }
  }
  return any ? passageBm25(tf, weights, weights.length, near, end - start, avgPassageLength, r) : 0;
}

/**
 * BM25 of a passage of `length` tokens from its question terms' counts (`tf`, by slot) and the
 * weight of its adjacent pairs of different question words (`near`), term by term as the
 * Ranker's scan (rank.ts) weighs them.
 */
function passageBm25(
  tf: Float64Array,
  weights: readonly number[],
  slotCount: number,
  near: number,
  length: number,
  avgPassageLength: number,
  r: RankingOptions,
): number {
  const norm = passageNorm(r, length, avgPassageLength);
  let score = r.proximity * near;
  for (let s = 0; s < slotCount; s++) {
    const f = tf[s]!;
    if (f > 0) score += bm25Term(weights[s]!, f, r.k1, norm);
  }
  return score;
}
