/**
 * The searchable archive as one object: an index's data with the stages of a search over it.
 * A newcomer's map of the stages, each a module:
 *
 *   index-build.ts    articles → passages, index terms, frequencies, article postings
 *   index-format.ts   the index as bytes and back (save, load in slices, peek)
 *   index-spelling.ts the minisearch index behind spelling correction, made on first use
 *   query.ts          question → weighted terms (aliases, corrections, synonyms, outlets, dates)
 *   rank.ts           parsed question → ranked passages (candidate articles, then their passages)
 *
 * NewsIndex holds the parts and delegates; the answer path (answer.ts) and digests ask it.
 */
import { finish, sliced } from './slices.js';
import type { AliasTable, Language } from './aliases.js';
import { foldWord, tokenize, type Token } from './text.js';
import type { Article } from './types.js';
import type { PassageList } from './passage-store.js';
import type { Passage, PassageOptions } from './passages.js';
import { buildIndexSteps } from './index-build.js';
import {
  decodeIndex,
  decodeSections,
  encodeIndex,
  peekIndex,
  peekLength,
  PEEK_MIN,
  type DecodedIndex,
  type IndexHead,
  type SectionName,
  type TextSource,
} from './index-format.js';
import { spellingVocabulary, warmUpSpelling } from './index-spelling.js';
import { passageRange, type ArticleMeta, type ArticlePostings, type IndexParts, type Ints } from './index-parts.js';
import { QueryParser, type ParsedQuery, type Vocabulary } from './query.js';
import {
  DEFAULT_RANKING,
  Ranker,
  type BestPassages,
  type CorpusStats,
  type PassageHit,
  type RankingOptions,
  type SearchRequest,
} from './rank.js';
import { surfaceInArticle, type ArchiveIndex } from './answerIndex.js';

export {
  INDEX_FORMAT_VERSION,
  INDEX_TERMS_VERSION,
  indexSummary,
  readsIndexFormat,
  readIndexHead,
  sectionsToRead,
  sectionsToSummarize,
  type IndexSummary,
  type IndexHead,
  type SectionName,
  type TextBytes,
  type TextSource,
} from './index-format.js';
export type { ArticleMeta, IndexParts, Ints } from './index-parts.js';
export type { ParsedQuery, QueryTerm } from './query.js';
export { DEFAULT_RANKING, type PassageHit, type RankingOptions, type SearchRequest } from './rank.js';

/** Term ids a load makes between two chances to pause. */
const TERM_IDS_PER_STEP = 10_000;

export interface SearchResult {
  query: ParsedQuery;
  hits: PassageHit[];
}

/** What building an index takes besides the articles. */
export interface BuildIndexOptions {
  aliases: AliasTable;
  hash?: string;
  ranking?: Partial<RankingOptions>;
  passages?: PassageOptions;
}

export interface LoadOptions {
  /** Aliases to answer with instead of those the index was built with. */
  aliases?: AliasTable;
  /** Language data for the aliases the index was built with (see AliasTable.englishWords, termVectors). */
  language?: Language;
  ranking?: Partial<RankingOptions>;
}

/**
 * The searchable archive: article postings find candidates with field weights, aliases and
 * spelling correction; a compact passage store then ranks the passages of those candidates, so
 * every question is answered with sentences, not whole articles.
 */
export class NewsIndex implements ArchiveIndex {
  readonly articles: ArticleMeta[];
  readonly passages: PassageList;
  readonly hash: string;
  readonly aliases: AliasTable;
  readonly ranking: RankingOptions;
  private readonly data: IndexParts;
  private readonly tokens: Ints;
  private readonly tokenStart: Int32Array;
  private readonly tokenOffsets: Ints;
  private readonly vocab: string[];
  private readonly termId: Map<string, number>;
  private readonly passageDf: Int32Array;
  private readonly articleDf: Int32Array;
  private readonly postings: ArticlePostings;
  private readonly titleCache = new Map<number, ReadonlySet<string>>();
  private readonly queries: QueryParser;
  private readonly ranker: Ranker;
  /** @internal The words the query stage looks up (a delta beside this index adds its own: see delta.ts). */
  readonly vocabulary: Vocabulary;
  /** @internal The articles' sources, folded, in the order first met (the query stage's outlets). */
  readonly sources: string[];

  private constructor(
    b: IndexParts,
    hash: string,
    aliases: AliasTable,
    ranking: RankingOptions,
    /** The vocabulary's term ids, when made already (a load makes them in steps). */
    termId?: Map<string, number>,
  ) {
    this.data = b;
    this.articles = b.articles;
    this.passages = b.passages;
    this.tokens = b.tokens;
    this.tokenStart = b.tokenStart;
    this.tokenOffsets = b.tokenOffsets;
    this.vocab = b.vocab;
    this.passageDf = b.passageDf;
    this.articleDf = b.articleDf;
    this.postings = b.postings;
    this.hash = hash;
    this.aliases = aliases;
    this.ranking = ranking;
    this.termId = termId ?? new Map(b.vocab.map((t, i) => [t, i]));
    const articlesBySource = new Map<string, number[]>();
    b.articles.forEach((a, i) => {
      if (!a.source) return;
      const key = foldWord(a.source);
      const list = articlesBySource.get(key) ?? [];
      list.push(i);
      articlesBySource.set(key, list);
    });
    this.vocabulary = spellingVocabulary(this.termId, b.mini);
    this.sources = [...articlesBySource.keys()];
    this.queries = new QueryParser({
      vocabulary: this.vocabulary,
      aliases,
      ranking,
      sources: this.sources,
      articleFrequency: (term) => this.articleFrequency(term),
      articleCount: () => this.articleCount,
      surfaceOf: (term) => this.surfaceOf(term),
    });
    this.ranker = new Ranker(b, this.termId, aliases, ranking, (a) => this.titleTerms(a));
  }

  /** Builds the index from parsed articles, taken one at a time (see buildIndexParts). */
  static build(articles: Iterable<Article>, options: BuildIndexOptions): NewsIndex {
    return finish(NewsIndex.buildSteps(articles, options));
  }

  /** build in steps, a pause after each article (see buildIndexSteps): a delta built in slices (delta.ts). */
  static *buildSteps(articles: Iterable<Article>, options: BuildIndexOptions): Generator<void, NewsIndex> {
    const { aliases } = options;
    const ranking = { ...DEFAULT_RANKING, ...options.ranking };
    const parts = yield* buildIndexSteps(articles, {
      aliases,
      fieldWeights: ranking.fieldWeights,
      passages: options.passages,
    });
    return new NewsIndex(parts, options.hash ?? '', aliases, ranking);
  }

  /** The persisted form (see index-format.ts), stamped with the format version and the corpus hash. */
  toBuffer(extra: unknown = null): Buffer {
    return encodeIndex(this.data, this.hash, this.aliases, extra);
  }

  /** How many bytes of a file `peek` needs, from its first `PEEK_MIN` bytes (0: not an index file). */
  static peekLength(start: Uint8Array): number {
    return peekLength(start);
  }

  /** The bytes at the start of a file that tell how much of it `peek` reads. */
  static readonly PEEK_MIN = PEEK_MIN;

  /**
   * The format version and corpus hash of a persisted index, read without loading it; null when
   * the data is not an index, an error when it is cut short.
   */
  static peek(data: Uint8Array): { formatVersion: number; hash: string } | null {
    return peekIndex(data);
  }

  /**
   * Loads a persisted index; throws when it is not one, or has another format version, or is cut
   * short. It answers with the aliases it was built with unless others are given.
   */
  static fromBuffer(
    data: Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): { index: NewsIndex; extra: unknown } {
    return finish(NewsIndex.loadSteps(NewsIndex.decodeBuffer(data, options, text), options));
  }

  /**
   * fromBuffer in slices of a few milliseconds with the event loop served in between: how a
   * serving process takes up a rebuilt index while it goes on answering from the old one.
   */
  static fromBufferAsync(
    data: Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): Promise<{ index: NewsIndex; extra: unknown }> {
    return sliced(NewsIndex.loadSteps(NewsIndex.decodeBuffer(data, options, text), options));
  }

  /**
   * fromBuffer over an index read section by section (src/indexFile.ts): `head` as readIndexHead
   * gives it, and each section's bytes (every one sectionsToRead names), in buffers of their own
   * that the index keeps as its arrays instead of copying them.
   */
  static fromSections(
    head: IndexHead,
    sections: (name: SectionName) => Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): { index: NewsIndex; extra: unknown } {
    return finish(NewsIndex.loadSteps(NewsIndex.decodeSections(head, sections, options, text), options));
  }

  /** fromSections in slices, as fromBufferAsync. */
  static fromSectionsAsync(
    head: IndexHead,
    sections: (name: SectionName) => Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): Promise<{ index: NewsIndex; extra: unknown }> {
    return sliced(NewsIndex.loadSteps(NewsIndex.decodeSections(head, sections, options, text), options));
  }

  private static decodeSections(
    head: IndexHead,
    sections: (name: SectionName) => Uint8Array,
    options: LoadOptions,
    text?: TextSource,
  ) {
    return decodeSections(head, sections, true, options.aliases, text, options.language);
  }

  private static decodeBuffer(data: Uint8Array, options: LoadOptions, text?: TextSource) {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return decodeIndex(buf, options.aliases, text, options.language);
  }

  /** The work of a load in steps of a few milliseconds: it yields where a caller may pause. */
  private static *loadSteps(
    decoding: Generator<void, DecodedIndex>,
    options: LoadOptions,
  ): Generator<void, { index: NewsIndex; extra: unknown }> {
    const loaded = yield* decoding;
    // The term ids in steps too: in one go they took most of the 16 ms the index's making held a load at 10×.
    const termId = new Map<string, number>();
    const { vocab } = loaded.parts;
    for (let i = 0; i < vocab.length; i++) {
      termId.set(vocab[i]!, i);
      if (i % TERM_IDS_PER_STEP === TERM_IDS_PER_STEP - 1) yield;
    }
    const ranking = { ...DEFAULT_RANKING, ...options.ranking };
    const index = new NewsIndex(loaded.parts, loaded.hash, loaded.aliases, ranking, termId);
    loaded.text.own?.();
    return { index, extra: loaded.extra };
  }

  /**
   * Makes what a loaded index leaves for its first use (the minisearch index behind spelling
   * correction, the articles' fingerprints) in slices of a few milliseconds, so the first misspelt question after a start or
   * a reindex does not pay for it. A serving process calls it once an index is in place.
   */
  warmUp(): Promise<void> {
    // The articles' fingerprints too (milliseconds at 10x), which the first questions would otherwise work out.
    return Promise.all([warmUpSpelling(this.data.mini), sliced(this.ranker.fingerprintSteps())]).then(() => {});
  }

  /** @internal The index's data as it is (shared, not copied): for delta.ts, which merges indexes. */
  get parts(): Readonly<IndexParts> {
    // The spelling index goes as it stands, made or still to make: a delta shares it either way.
    return this.data;
  }

  /** @internal An index over merged data (see delta.ts). */
  static fromParts(parts: IndexParts, hash: string, aliases: AliasTable, ranking: RankingOptions): NewsIndex {
    return new NewsIndex(parts, hash, aliases, ranking);
  }

  get termCount(): number {
    return this.vocab.length;
  }

  /** How many articles the archive holds (AnswerIndex: numbered from 0). */
  private byId: Map<string, number> | undefined;

  /** How many articles and passages the index holds. */
  held(): { articles: number; passages: number } {
    return { articles: this.articles.length, passages: this.passages.length };
  }

  /** The number of the article with this id, if the index holds it. */
  articleNumber(id: string): number | undefined {
    this.byId ??= new Map(this.articles.map((a, i) => [a.id, i]));
    return this.byId.get(id);
  }

  /** Every article with its number, in number order. */
  *listArticles(): Iterable<{ number: number; meta: ArticleMeta }> {
    for (let a = 0; a < this.articles.length; a++) yield { number: a, meta: this.articles[a]! };
  }

  get articleCount(): number {
    return this.articles.length;
  }

  /** How many passages the archive holds (AnswerIndex: numbered from 0). */
  get passageCount(): number {
    return this.passages.length;
  }

  /** Article number a (AnswerIndex: the answer path reads articles through it, whatever the backend). */
  article(a: number): ArticleMeta {
    return this.articles[a]!;
  }

  /** Passage number p (AnswerIndex). */
  passage(p: number): Passage {
    return this.passages.get(p);
  }

  /** Passages of article `a` as a [from, to) range of passage indexes. */
  passageRange(a: number): [number, number] {
    return passageRange(this.data, a);
  }

  /**
   * The words of passage p with their index terms and offsets in its text (heading words left
   * out); only those within [from, to), with `shift` added to their offsets, and only the terms
   * `only` holds when it is given.
   */
  passageTokens(p: number, from = 0, to = Infinity, shift = 0, only?: ReadonlyMap<string, unknown>): Token[] {
    const out: Token[] = [];
    // `only` by term id, marked for this call: a look-up by string for every word of the passage
    // was a twentieth of the answer path's time (each result's excerpt reads several passages).
    const ids = only ? this.termIdsOf(only) : [];
    const mark = only ? (this.onlyMark ??= new Uint8Array(this.vocab.length)) : undefined;
    if (mark) for (const id of ids) mark[id] = 1;
    try {
      for (let i = this.tokenStart[p]!, stop = this.tokenStart[p + 1]!; i < stop; i++) {
        if (mark && !mark[this.tokens[i]!]) continue;
        // Stored plus one, 0 for a heading word: -1 here, before any `from`.
        const start = this.tokenOffsets[2 * i]! - 1;
        const end = this.tokenOffsets[2 * i + 1]! - 1;
        if (start < from || end > to) continue;
        out.push({ term: this.vocab[this.tokens[i]!]!, start: start + shift, end: end + shift });
      }
    } finally {
      if (mark) for (const id of ids) mark[id] = 0;
    }
    return out;
  }

  /** Scratch for passageTokens: 1 for the term ids it keeps, cleared after each call. */
  private onlyMark?: Uint8Array;

  /** The distinct term ids of a map's terms, by the map (a question's weights: its excerpts read a few dozen passages with them). */
  private readonly idsOf = new WeakMap<ReadonlyMap<string, unknown>, number[]>();

  private termIdsOf(terms: ReadonlyMap<string, unknown>): number[] {
    let ids = this.idsOf.get(terms);
    if (!ids) {
      const seen = new Set<number>();
      for (const term of terms.keys()) {
        const id = this.termId.get(term);
        if (id !== undefined) seen.add(id);
      }
      this.idsOf.set(terms, (ids = [...seen]));
    }
    return ids;
  }

  /** Index terms of passage p. */
  passageTerms(p: number): string[] {
    const out: string[] = [];
    for (let i = this.tokenStart[p]!; i < this.tokenStart[p + 1]!; i++) out.push(this.vocab[this.tokens[i]!]!);
    return out;
  }

  /** How many articles contain the term (0 when the archive has never seen it). */
  articleFrequency(term: string): number {
    const id = this.termId.get(term);
    return id === undefined ? 0 : this.articleDf[id]!;
  }

  /** Inverse document frequency of a term over articles, as BM25 computes it. */
  idf(term: string): number {
    const n = this.articles.length;
    const df = this.articleFrequency(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Index terms of an article's title (cached: refusals and excerpts ask for them often). */
  titleTerms(a: number): ReadonlySet<string> {
    let t = this.titleCache.get(a);
    if (!t) {
      t = new Set(tokenize(this.articles[a]!.title, this.aliases).map((x) => x.term));
      if (this.titleCache.size > 10_000) this.titleCache.clear();
      this.titleCache.set(a, t);
    }
    return t;
  }

  /** Inverse document frequency of a term over passages: finer-grained than over articles in a small archive. */
  passageIdf(term: string): number {
    const id = this.termId.get(term);
    const df = id === undefined ? 0 : this.passageDf[id]!;
    return Math.log(1 + (this.passages.length - df + 0.5) / (df + 0.5));
  }

  /** Turns a question into weighted index terms, outlets and dates; `now` places "last week". */
  parseQuery(question: string, now?: Date): ParsedQuery {
    return this.queries.parse(question, now);
  }

  /**
   * Up to `n` words of the archive closest in spelling to a word it never saw, as the archive
   * writes them: for "did you mean" (see QueryParser.nearestWords).
   */
  nearestWords(term: string, n: number, asName = false): string[] {
    return this.queries.nearestWords(term, n, asName);
  }

  /** @internal A word of the archive's text that makes the index term, lower-cased unless it is a name. */
  surfaceOf(term: string): string | undefined {
    const id = this.termId.get(term);
    if (id === undefined) return undefined;
    const { start, article } = this.postings;
    if (start[id] === start[id + 1]) return undefined;
    return surfaceInArticle(this, article[start[id]!]!, term);
  }

  /** Ranks passages for a question: one per article unless asked otherwise. */
  search(question: string, request: SearchRequest): SearchResult {
    const query = this.parseQuery(question);
    return { query, hits: this.rank(query, request) };
  }

  /** Ranks passages for an already parsed question. */
  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    return this.ranker.rank(query, request);
  }

  /** @internal The candidates' best passages before they are combined (see Ranker.collect; for delta.ts). */
  collect(query: ParsedQuery, request: SearchRequest, stats?: CorpusStats, dates?: 'strict' | 'all'): BestPassages[] {
    return this.ranker.collect(query, request, stats, dates);
  }

  /** @internal The index's term statistics (for delta.ts, which adds a delta's to them). */
  get stats(): CorpusStats {
    return this.ranker.stats;
  }

  /** @internal The question's terms that passage p holds, as a hit names them (for delta.ts). */
  matchedTerms(p: number, query: ParsedQuery): string[] {
    return this.ranker.matchedTerms(p, query);
  }

  /** How many passages contain the term. */
  passageFrequency(term: string): number {
    const id = this.termId.get(term);
    return id === undefined ? 0 : this.passageDf[id]!;
  }

  /** Which of `terms` article a holds anywhere: in its title, its outlet's name or any of its passages. */
  articleHolds(a: number, terms: Iterable<string>): Set<string> {
    return this.ranker.articleHolds(a, terms);
  }

  /** Which of `terms` passage p holds. */
  passageHolds(p: number, terms: Iterable<string>): Set<string> {
    return this.ranker.passageHolds(p, terms);
  }

  /** The articles holding an index term (by index), with its weighted frequency in each (title words count more). */
  articlesHolding(term: string): Array<{ article: number; tf: number }> {
    const id = this.termId.get(term);
    if (id === undefined) return [];
    const { start, article, tf } = this.postings;
    const out: Array<{ article: number; tf: number }> = [];
    for (let i = start[id]!; i < start[id + 1]!; i++) out.push({ article: article[i]!, tf: tf[i]! });
    return out;
  }

  /**
   * For each passage of article a, the question weight it holds: each group of terms (a word
   * asked with its synonyms) counts once, at its best weight.
   */
  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): number[] {
    return this.ranker.passageCoverage(a, weights);
  }
}
