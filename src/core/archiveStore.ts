/**
 * What the answer path needs of an archive kept outside the process (src/search/sqlite.ts keeps
 * one in SQLite): term statistics, a candidate pool from its own full-text engine, and each
 * article's passages and term ids on demand. StoredIndex (storedIndex.ts) ranks over it.
 */
import type { KeyProfile } from './answerIndex.js';
import type { ArticleMeta } from './index-parts.js';
import type { Passage } from './passages.js';

/**
 * Term ids from this up are a layer's own (a server's words the shared archive lacks, see
 * layeredStore.ts); a store's own vocabulary stays below it.
 */
export const FAR_TERMS = 2 ** 29;

/** A term of the store's vocabulary with its document frequencies. */
export interface StoredTerm {
  id: number;
  /** Passages holding it. */
  passageDf: number;
  /** Articles holding it in their passages, title, standfirst, headings, source or date (NewsIndex.articleFrequency). */
  articleDf: number;
  /** Articles holding it in their passages or weighted title, source or date words: BM25F's document frequency. */
  postingDf: number;
}

/** One article as the store keeps it: its metadata and its passages' term ids. */
export interface StoredArticle {
  /** Its article number. */
  number: number;
  meta: ArticleMeta;
  passageCount: number;
  /** BM25F length: its passages' tokens plus its title, source and date words at their field weights. */
  length: number;
  /** Term ids of its passages, back to back; passage i is tokenStart[i]..tokenStart[i + 1]. */
  tokens: Int32Array;
  tokenStart: Int32Array;
  /**
   * Where each token stands in its passage's text: [start, end) plus one; 0 for heading words (in
   * 2 bytes each where they fit: a store may keep them so).
   */
  offsets: Int32Array | Uint16Array;
  /** Its title, source and date words with their field weights (see articleMetaTerms). */
  metaTerms: ReadonlyArray<readonly [term: string, weight: number]>;
}

/** Totals over the whole archive, for IDF and length normalisation. */
export interface ArchiveStats {
  articles: number;
  passages: number;
  /** Passage tokens, all passages together. */
  tokens: number;
  /** Sum of the articles' BM25F lengths. */
  articleLength: number;
  /** The number the next article added takes: articles are numbered below it (removed ones leave gaps). */
  nextArticle: number;
  /** The number the next passage added takes. */
  nextPassage: number;
}

/**
 * What changed in a store after an epoch (see ArchiveStore.changesSince): the terms whose counts
 * or postings moved, by id, and the words that joined or left its vocabulary; null when anything
 * may have (the store kept no account that far back, or rewrote more than terms).
 */
export interface StoreChanges {
  /** The store's epoch now: ask again from it. */
  epoch: number;
  changed: { ids: ReadonlySet<number>; words: ReadonlySet<string> } | null;
}

/**
 * An archive kept outside the process (the candidate source and passage store of the answer
 * path). Articles and passages are numbered from 0 in insertion order (a removed one leaves a gap,
 * never reused); an article's passages are numbered consecutively from its `firstPassage`.
 */
export interface ArchiveStore {
  /** Takes in what other processes sharing the store wrote since the last call (a question starts with it). */
  sync?(): void;
  stats(): ArchiveStats;
  /**
   * What its writes changed after `epoch` (an epoch an earlier call returned, -1 at first): a reader
   * keeps what they left alone. Without it every write empties the readers' caches.
   */
  changesSince?(epoch: number): StoreChanges;
  term(term: string): StoredTerm | undefined;
  /** The term with this id. */
  termOf(id: number): string;
  /** Article a (throws when there is none). */
  article(a: number): StoredArticle;
  /** Article a's metadata alone, without reading its words (the store's article's meta when absent). */
  meta?(a: number): ArticleMeta;
  passage(p: number): Passage;
  /** The article of passage p, without reading its text. */
  articleOf(p: number): number;
  /**
   * Up to `count` articles holding any of the terms, those holding the most weight first (each
   * term's weight counted once per article holding it; ties to the lower number).
   */
  pool(terms: ReadonlyArray<{ id: number; weight: number }>, count: number): number[];
  /**
   * Article a's key-term profile as kept at its insert (see newer.ts KeyTermCounter), if the
   * store keeps one for `keyTerms` key terms.
   */
  keyProfile?(a: number, keyTerms: number): KeyProfile | undefined;
  /** The archive's outlets, folded (foldWord) as NewsIndex keys them. */
  sources(): readonly string[];
  /** Vocabulary terms within `distance` edits of `term`, or (prefix) starting with it. */
  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[];
  /** An article holding the term in its passages, if any. */
  articleWith(termId: number): number | undefined;
  /** The number of the article with this id, if the archive holds it. */
  articleNumber(id: string): number | undefined;
  /** Every article the archive holds, in number order. */
  articles(): Iterable<StoredListing>;
}

/** An article as a listing gives it: its number and metadata. */
export interface StoredListing {
  number: number;
  meta: ArticleMeta;
}
