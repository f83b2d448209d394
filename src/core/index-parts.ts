/**
 * The index's data: what building makes, the file format saves and loads, a delta merges, and
 * the query and ranking stages read. Plain arrays and records, no behaviour beyond small lookups.
 */
import type { Article } from './types.js';
import type { SpellingIndex } from './index-spelling.js';
import type { PassageList } from './passage-store.js';

/** What a renderer needs of an article, without its body. */
export type ArticleMeta = Omit<Article, 'sections' | 'line'> & {
  /** Index of the article's first passage; its passages run to the next article's. */
  firstPassage: number;
};

/** 16-bit where every value fits (a vocabulary and passages under 65,535), else 32-bit. */
export type Ints = Uint16Array | Int32Array;
/** `values` in the narrowest of Ints that holds `max`. */
export const narrowest = (values: ArrayLike<number>, max: number): Ints =>
  max < 0xffff ? Uint16Array.from(values) : Int32Array.from(values);

/** An index's data (delta.ts merges two). */
export interface IndexParts {
  articles: ArticleMeta[];
  /** The passages, in columns (see passage-store.ts): a build's or a load's. */
  passages: PassageList;
  /** Index terms of each passage, concatenated; `tokenStart[p]..tokenStart[p+1]` is passage p. */
  tokens: Ints;
  tokenStart: Int32Array;
  /** Where each token stands in its passage's text: [start, end) pairs plus one; 0 for heading words. */
  tokenOffsets: Ints;
  vocab: string[];
  passageDf: Int32Array;
  articleDf: Int32Array;
  /**
   * minisearch over the passages, which only spelling correction and "did you mean" ask: a loaded
   * index makes it on first use (see index-spelling.ts), so a start that meets no misspelling never pays for it.
   */
  mini: SpellingIndex;
  postings: ArticlePostings;
}

/** For each term, the articles holding it and its weighted frequency there; the length of each article. */
export interface ArticlePostings {
  /** Postings of term t run from start[t] to start[t + 1]. */
  start: Int32Array;
  article: Int32Array;
  tf: Float32Array;
  length: Float32Array;
}

/** Passages of article `a` as a [from, to) range of passage indexes. */
export function passageRange(parts: Pick<IndexParts, 'articles' | 'passages'>, a: number): [number, number] {
  const from = parts.articles[a]!.firstPassage;
  const to = a + 1 < parts.articles.length ? parts.articles[a + 1]!.firstPassage : parts.passages.length;
  return [from, to];
}
