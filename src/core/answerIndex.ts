import type { AliasTable } from './aliases.js';
import type { ArticleMeta, ParsedQuery, PassageHit, RankingOptions, SearchRequest } from './search.js';
import type { Passage } from './passages.js';
import { surfaceIn, type Token } from './text.js';

/**
 * What the answer path (answer.ts, rerank.ts, newer.ts) asks of an index: the in-memory NewsIndex
 * and the disk-backed StoredIndex (storedIndex.ts, over SQLite in src/search/sqlite.ts) both give
 * it, so excerpts, evidence, refusals and time notes are the same code whichever backend ranked the passages.
 */
export interface AnswerIndex {
  readonly aliases: AliasTable;
  readonly ranking: RankingOptions;
  /** Articles are numbered from 0 below this (the count, unless some were removed). */
  readonly articleCount: number;
  /** Passages are numbered from 0 below this (the count, unless some were removed). */
  readonly passageCount: number;
  /** How many articles and passages the archive holds. */
  held(): { articles: number; passages: number };
  /** Turns a question into weighted index terms, outlets, dates and the time asked; `now` places "last week". */
  parseQuery(question: string, now?: Date): ParsedQuery;
  /** Ranks passages for a parsed question: one per article unless asked otherwise. */
  rank(query: ParsedQuery, request: SearchRequest): PassageHit[];
  /** Article number a. */
  article(a: number): ArticleMeta;
  /** Passage number p. */
  passage(p: number): Passage;
  /** Passages of article a as a [from, to) range of passage numbers. */
  passageRange(a: number): [number, number];
  /** The words of passage p with their index terms and offsets (see NewsIndex.passageTokens). */
  passageTokens(p: number, from?: number, to?: number, shift?: number, only?: ReadonlyMap<string, unknown>): Token[];
  /** Inverse document frequency of a term over passages. */
  passageIdf(term: string): number;
  /** How many articles contain the term (0 when the archive has never seen it). */
  articleFrequency(term: string): number;
  /** The articles holding an index term, with its weighted frequency in each (title words count more). */
  articlesHolding(term: string): Array<{ article: number; tf: number }>;
  /** Index terms of an article's title. */
  titleTerms(a: number): ReadonlySet<string>;
  /** Which of `terms` article a holds anywhere: title, outlet name or passages. */
  articleHolds(a: number, terms: Iterable<string>): Set<string>;
  /** Which of `terms` passage p holds (its heading's words included). */
  passageHolds(p: number, terms: Iterable<string>): Set<string>;
  /** For each passage of article a, the question weight it holds (each group of terms once). */
  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): ArrayLike<number>;
  /** Up to n words of the archive closest in spelling to one it never saw ("did you mean"). */
  nearestWords(term: string, n: number, asName?: boolean): string[];
  /**
   * The longer-lived index that serves article a unchanged, under the same number, when this one
   * is laid over it (a delta over the main index: see delta.ts): what is worked out about the
   * article once (newer.ts's profiles) is kept there, and not again for every delta.
   */
  lastingIndexOf?(a: number): AnswerIndex;
  /**
   * Article a's key-term profile as the index keeps it (see newer.ts), when it keeps one for
   * `keyTerms` key terms: newer.ts then reads none of the article's words on the answer path.
   */
  keyProfile?(a: number, keyTerms: number): KeyProfile | undefined;
  /**
   * For an index whose content changes in place (the sqlite backend's, as its store is written):
   * a value that is the same object until the content changes. An index without it never changes
   * once made (a delta makes a new one), so what is worked out from it can be kept with it.
   */
  version?(): unknown;
}

/** An article's key terms (newer.ts): their TF-IDF weights as a unit vector, and which of them are names. */
export interface KeyProfile {
  vector: ReadonlyMap<string, number>;
  names: ReadonlySet<string>;
}

/**
 * What the bot asks of an archive besides answering (buttons, autocomplete, digests, listings): its
 * articles found by id and listed. Both backends give it, so every command serves from either.
 */
export interface ArchiveIndex extends AnswerIndex {
  /** The number of the article with this id, if the archive holds it. */
  articleNumber(id: string): number | undefined;
  /** Every article the archive holds with its number, in number order (a removed one leaves a gap). */
  listArticles(): Iterable<{ number: number; meta: ArticleMeta }>;
  /** The index terms of passage p, once each. */
  passageTerms(p: number): string[];
  /** Ranks passages for a question: one per article unless asked otherwise. */
  search(question: string, request: SearchRequest): { query: ParsedQuery; hits: PassageHit[] };
}

/** The articles' metadata, in number order. */
export function* articleMetas(index: Pick<ArchiveIndex, 'listArticles'>): Iterable<ArticleMeta> {
  for (const a of index.listArticles()) yield a.meta;
}

/** The first article (in number order) that `match` accepts, with its number. */
export function findArticle(
  index: Pick<ArchiveIndex, 'listArticles'>,
  match: (meta: ArticleMeta) => boolean,
): { number: number; meta: ArticleMeta } | undefined {
  for (const a of index.listArticles()) if (match(a.meta)) return a;
  return undefined;
}

/** A word of article a's text that makes the index term, as written (see surfaceIn); both backends read it so. */
export function surfaceInArticle(
  index: Pick<AnswerIndex, 'passage' | 'passageRange' | 'passageTokens'>,
  a: number,
  term: string,
): string | undefined {
  const [from, to] = index.passageRange(a);
  const passages = function* () {
    for (let p = from; p < to; p++) yield { text: index.passage(p).text, tokens: index.passageTokens(p) };
  };
  return surfaceIn(term, passages());
}
