/**
 * The delta: a corpus change (articles added, files changed or removed) answered from within a
 * second, without the full rebuild that takes minutes at scale. The changed articles get a small
 * index of their own (passages, postings and spelling index: milliseconds for a few articles),
 * kept BESIDE the main index, which is never copied nor touched: the main index's articles of
 * changed or removed files are hidden, and every question is ranked over both, as one pool. The
 * background full rebuild later absorbs the change and the delta goes with the swap (archive.ts).
 *
 * Numbering: the main index's articles and passages keep their numbers (a hidden one leaves a
 * gap); the delta's follow them (article main.articleCount + i, passage main.passageCount + j).
 *
 * Approximations until that rebuild (the delta is small, so they move little):
 * - Term statistics are the main index's and the delta's added together; a hidden article still
 *   counts in them (as it does in its vocabulary and outlets, so a word only it held is not
 *   corrected to another).
 * - Each index picks its own candidates with those statistics, and the best of both are kept:
 *   a candidate without a passage holding a question word takes no slot, and a copy of a main
 *   article in the delta is not collapsed with it.
 * - A change replaces the delta's index whole (rebuilt from every article pending: a few, so
 *   milliseconds), rather than adding to it in place; a serving thread builds it in slices
 *   (applyDeltaSliced), so a delta of hundreds of articles does not stall it either.
 */
import type { AliasTable } from './aliases.js';
import type { ArchiveIndex } from './answerIndex.js';
import type { ArticleMeta } from './index-parts.js';
import type { Passage } from './passages.js';
import { QueryParser, type ParsedQuery, type Vocabulary } from './query.js';
import { combineEvidence, type BestPassages, type CorpusStats, type PassageHit, type RankingOptions } from './rank.js';
import { NewsIndex, type SearchRequest, type SearchResult } from './search.js';
import { finish, sliced } from './slices.js';
import type { Token } from './text.js';
import type { Article } from './types.js';

/** What changed since the main index was built. */
export interface Delta {
  /** Files whose articles the main index holds but must no longer answer from (changed or removed). */
  hiddenFiles: ReadonlySet<string>;
  /**
   * Only articles whose ids start with this are hidden: a server's own files, whose paths may
   * equal files of the shared corpus its index also holds (see guildArchives.ts).
   */
  hiddenPrefix?: string;
  /** Articles to add (from new or changed files). */
  added: Article[];
}

/** An index with a delta laid beside it (or none); see applyDelta. */
export type ServedIndex = NewsIndex | LiveIndex;

/**
 * The main index with a delta beside it: milliseconds, the main index shared. Over an index that
 * has a delta already, the two deltas become one (the earlier one's articles of files the new
 * one hides are dropped), still beside the same main index.
 */
export function applyDelta(base: ServedIndex, delta: Delta): LiveIndex {
  return finish(deltaSteps(base, delta));
}

/**
 * applyDelta in slices of a few milliseconds, the event loop served between them: a serving
 * thread's way, since the delta's own index is built from every article pending (a feed poll or an
 * upload of hundreds of articles held the loop for the whole build in one go).
 */
export function applyDeltaSliced(base: ServedIndex, delta: Delta): Promise<LiveIndex> {
  return sliced(deltaSteps(base, delta));
}

function* deltaSteps(base: ServedIndex, delta: Delta): Generator<void, LiveIndex> {
  const main = base instanceof LiveIndex ? base.main : base;
  const hides = (a: { file: string; id: string }) =>
    delta.hiddenFiles.has(a.file) && (delta.hiddenPrefix === undefined || a.id.startsWith(delta.hiddenPrefix));
  const hidden = base instanceof LiveIndex ? base.hidden.slice() : new Uint8Array(main.articles.length);
  main.articles.forEach((a, i) => {
    if (hides(a)) hidden[i] = 1;
  });
  const earlier = base instanceof LiveIndex ? base.added.filter((a) => !hides(a)) : [];
  const added = [...earlier, ...delta.added];
  const own = yield* NewsIndex.buildSteps(added, { aliases: main.aliases, ranking: main.ranking });
  return new LiveIndex(main, hidden, added, own);
}

/** The main index and a delta beside it, answering as one archive (see the note at the top). */
export class LiveIndex implements ArchiveIndex {
  /** The delta's own index (its articles only). */
  readonly own: NewsIndex;
  private readonly queries: QueryParser;
  private readonly stats: CorpusStats;
  private byId: Map<string, number> | undefined;
  private counts: { articles: number; passages: number } | undefined;
  private readonly visible: (a: number) => boolean;

  /** @internal Use applyDelta. */
  constructor(
    /** The index the delta lies beside (never changed). */
    readonly main: NewsIndex,
    /** 1 for each main article hidden (its file changed or removed). */
    readonly hidden: Uint8Array,
    /** The delta's articles, as parsed (what a later delta keeps or drops). */
    readonly added: readonly Article[],
    /** The delta's own index, built from `added` with the main index's aliases and ranking. */
    own: NewsIndex,
  ) {
    this.own = own;
    this.visible = (a) => hidden[a] !== 1;
    const m = main.stats;
    const o = this.own.stats;
    this.stats = {
      articles: m.articles + o.articles,
      passages: m.passages + o.passages,
      articleLength: m.articleLength + o.articleLength,
      passageLength: m.passageLength + o.passageLength,
      postingDf: (t) => m.postingDf(t) + o.postingDf(t),
      passageDf: (t) => m.passageDf(t) + o.passageDf(t),
    };
    const vocabularies = [main.vocabulary, this.own.vocabulary];
    const vocabulary: Vocabulary = {
      has: (term) => vocabularies.some((v) => v.has(term)),
      *similar(term, how) {
        for (const v of vocabularies) yield* v.similar(term, how);
      },
    };
    const mainSources = new Set(main.sources);
    this.queries = new QueryParser({
      vocabulary,
      aliases: main.aliases,
      ranking: main.ranking,
      sources: [...main.sources, ...this.own.sources.filter((s) => !mainSources.has(s))],
      articleFrequency: (term) => this.articleFrequency(term),
      articleCount: () => this.articleCount,
      surfaceOf: (term) => main.surfaceOf(term) ?? this.own.surfaceOf(term),
    });
  }

  get aliases(): AliasTable {
    return this.main.aliases;
  }

  get ranking(): RankingOptions {
    return this.main.ranking;
  }

  /** The main index's hash: what the delta lies over (a server's index built over it is stamped with it). */
  get hash(): string {
    return this.main.hash;
  }

  get articleCount(): number {
    return this.main.articleCount + this.own.articleCount;
  }

  get passageCount(): number {
    return this.main.passageCount + this.own.passageCount;
  }

  /** The main index's passages numbered below this; the delta's from it. */
  private get firstOwnPassage(): number {
    return this.main.passageCount;
  }

  held(): { articles: number; passages: number } {
    // Counted once: the answer path asks for it on every question.
    this.counts ??= this.count();
    return { ...this.counts };
  }

  private count(): { articles: number; passages: number } {
    let articles = 0;
    let passages = 0;
    for (let a = 0; a < this.main.articleCount; a++) {
      if (!this.visible(a)) continue;
      articles++;
      const [from, to] = this.main.passageRange(a);
      passages += to - from;
    }
    const own = this.own.held();
    return { articles: articles + own.articles, passages: passages + own.passages };
  }

  /** The articles answered from, as parsed articles' metadata in number order (hidden ones left out). */
  get articles(): ArticleMeta[] {
    return [...this.listArticles()].map((a) => a.meta);
  }

  articleNumber(id: string): number | undefined {
    if (!this.byId) {
      this.byId = new Map();
      for (const { number, meta } of this.listArticles()) this.byId.set(meta.id, number);
    }
    return this.byId.get(id);
  }

  *listArticles(): Iterable<{ number: number; meta: ArticleMeta }> {
    for (const a of this.main.listArticles()) if (this.visible(a.number)) yield a;
    const shift = this.main.articleCount;
    for (const a of this.own.listArticles()) yield { number: a.number + shift, meta: this.article(a.number + shift) };
  }

  /** Which index holds article a, and its number there. */
  private whereArticle(a: number): [NewsIndex, number, number] {
    const n = this.main.articleCount;
    return a < n ? [this.main, a, 0] : [this.own, a - n, this.firstOwnPassage];
  }

  /** Which index holds passage p, its number there, and the article shift to add to it. */
  private wherePassage(p: number): [NewsIndex, number, number] {
    const n = this.firstOwnPassage;
    return p < n ? [this.main, p, 0] : [this.own, p - n, this.main.articleCount];
  }

  article(a: number): ArticleMeta {
    const [index, at, shift] = this.whereArticle(a);
    const meta = index.article(at);
    return shift === 0 ? meta : { ...meta, firstPassage: meta.firstPassage + shift };
  }

  passage(p: number): Passage {
    const [index, at, shift] = this.wherePassage(p);
    const passage = index.passage(at);
    return shift === 0 ? passage : renumbered(passage, passage.article + shift);
  }

  passageRange(a: number): [number, number] {
    const [index, at, shift] = this.whereArticle(a);
    const [from, to] = index.passageRange(at);
    return [from + shift, to + shift];
  }

  passageTokens(p: number, from?: number, to?: number, shift?: number, only?: ReadonlyMap<string, unknown>): Token[] {
    const [index, at] = this.wherePassage(p);
    return index.passageTokens(at, from, to, shift, only);
  }

  passageTerms(p: number): string[] {
    const [index, at] = this.wherePassage(p);
    return index.passageTerms(at);
  }

  passageIdf(term: string): number {
    const n = this.stats.passages;
    const df = this.stats.passageDf(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  articleFrequency(term: string): number {
    return this.main.articleFrequency(term) + this.own.articleFrequency(term);
  }

  articlesHolding(term: string): Array<{ article: number; tf: number }> {
    const shift = this.main.articleCount;
    return [
      ...this.main.articlesHolding(term).filter((h) => this.visible(h.article)),
      ...this.own.articlesHolding(term).map((h) => ({ article: h.article + shift, tf: h.tf })),
    ];
  }

  titleTerms(a: number): ReadonlySet<string> {
    const [index, at] = this.whereArticle(a);
    return index.titleTerms(at);
  }

  articleHolds(a: number, terms: Iterable<string>): Set<string> {
    const [index, at] = this.whereArticle(a);
    return index.articleHolds(at, terms);
  }

  passageHolds(p: number, terms: Iterable<string>): Set<string> {
    const [index, at] = this.wherePassage(p);
    return index.passageHolds(at, terms);
  }

  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): ArrayLike<number> {
    const [index, at] = this.whereArticle(a);
    return index.passageCoverage(at, weights);
  }

  parseQuery(question: string, now?: Date): ParsedQuery {
    return this.queries.parse(question, now);
  }

  lastingIndexOf(a: number): NewsIndex | LiveIndex {
    return a < this.main.articleCount ? this.main : this;
  }

  nearestWords(term: string, n: number, asName = false): string[] {
    return this.queries.nearestWords(term, n, asName);
  }

  search(question: string, request: SearchRequest): SearchResult {
    const query = this.parseQuery(question);
    return { query, hits: this.rank(query, request) };
  }

  /**
   * Ranks over both indexes as one pool: each picks its candidates and their best passages with
   * the statistics of both, the best `candidates` of the two are kept, and their evidence is
   * combined as one index combines it.
   */
  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    const r = this.ranking;
    const count = request.candidates ?? Math.max(r.candidates, request.k * 3);
    const n = this.main.articleCount;
    const firstPassage = this.firstOwnPassage;
    const only = request.only;
    const mainRequest = { ...request, only: only ? (a: number) => this.visible(a) && only(a) : this.visible };
    const ownRequest = only ? { ...request, only: (a: number) => only(a + n) } : request;
    const pool = (dates?: 'strict' | 'all'): BestPassages[] => [
      ...this.main.collect(query, mainRequest, this.stats, dates),
      ...this.own.collect(query, ownRequest, this.stats, dates).map((b) => ({
        ...b,
        article: b.article + n,
        passages: b.passages.map((x) => ({ p: x.p + firstPassage, score: x.score })),
      })),
    ];
    // A period counted back from now keeps to it when either index has an article in it (as one index does).
    let best = query.time.strict ? pool('strict') : pool();
    if (best.length === 0 && query.time.strict) best = pool('all');
    best.sort((x, y) => y.articleScore - x.articleScore || x.article - y.article);
    best = best.slice(0, count);
    let maxArticle = 0;
    let maxPassage = 0;
    for (const b of best) {
      maxArticle = Math.max(maxArticle, b.articleScore);
      maxPassage = Math.max(maxPassage, b.passages[0]!.score);
    }
    const hits = combineEvidence(best, maxArticle, maxPassage, r.passageWeight).slice(0, request.k);
    for (const h of hits) {
      const [index, at] = this.wherePassage(h.passage);
      h.matched = index.matchedTerms(at, query);
    }
    return hits;
  }
}

/** A delta passage under its number in the live archive (its text and sentences read through it). */
function renumbered(inner: Passage, article: number): Passage {
  return {
    article,
    get position() {
      return inner.position;
    },
    get heading() {
      return inner.heading;
    },
    get lead() {
      return inner.lead;
    },
    get text() {
      return inner.text;
    },
    get sentences() {
      return inner.sentences;
    },
  };
}
