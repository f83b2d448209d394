/**
 * The answer path over an archive kept outside the process's memory (SQLite in src/search/sqlite.ts):
 * an `ArchiveStore` hands over a pool of candidate articles (its own full-text engine's first
 * cut) and each article's passages and term ids on demand; this module ranks them exactly as
 * NewsIndex does (BM25F over whole articles, then BM25 with proximity over the candidates'
 * passages) from the store's term statistics, and gives the answer path what AnswerIndex asks.
 *
 * Why re-rank the store's pool instead of taking its order: the store's engine cannot weight
 * synonyms and corrections below the words asked, nor saturate a title word and a body word
 * together (BM25F). Scoring a wider pool exactly keeps the first stage's result close to the
 * memory backend's while the engine only has to find the articles worth scoring.
 *
 * Query parsing is the query stage's QueryParser (query.ts) over the store's vocabulary: its similarTerms
 * stands in for the spelling index.
 */
import type { AliasTable } from './aliases.js';
import { FAR_TERMS, type ArchiveStore, type StoredArticle, type StoredTerm } from './archiveStore.js';
import { surfaceInArticle, type ArchiveIndex, type KeyProfile } from './answerIndex.js';
import type { ArticleMeta } from './index-parts.js';
import type { Passage } from './passages.js';
import { QueryParser, type ParsedQuery } from './query.js';
import { StoreReads } from './storeReads.js';
import {
  DEFAULT_RANKING,
  combineEvidence,
  keepBest,
  questionBoosts,
  type BestPassages,
  type PassageHit,
  type RankingOptions,
  type SearchRequest,
} from './rank.js';
import { terms as indexTerms, tokenize, type Token } from './text.js';
import { bagOf, findSorted, sameTokens, scorePassage, type Bag } from './storedScore.js';

export type { ArchiveStats, ArchiveStore, StoredArticle, StoredTerm } from './archiveStore.js';

/**
 * How many postings (articles per term, summed) the store's pool query may read. The engine
 * scores every article holding any term it is given, so a question's common words would make
 * it read most of a large archive; the rarest terms that fit find the pool, and every asked term
 * still counts in the exact scoring after. At 1x on MultiHop-RAG every question fits whole
 * (its terms' postings sum to a few thousand), so the limit only acts on large archives.
 */
export const POOL_POSTINGS = 20_000;

/** The rarest terms whose postings fit in the budget (the rarest one always), with their weights. */
function poolTerms(
  terms: ReadonlyArray<{ term: StoredTerm; weight: number }>,
  budget: number,
): Array<{ id: number; weight: number }> {
  const byRarity = [...new Map(terms.map((t) => [t.term.id, t])).values()].sort(
    (x, y) => x.term.postingDf - y.term.postingDf,
  );
  const out: Array<{ id: number; weight: number }> = [];
  let postings = 0;
  for (const t of byRarity) {
    if (out.length > 0 && postings + t.term.postingDf > budget) break;
    postings += t.term.postingDf;
    out.push({ id: t.term.id, weight: t.weight });
  }
  return out;
}

/** How deep the store's pool is, in multiples of the candidates scored exactly. */
export const DEFAULT_POOL_FACTOR = 4;

/** The answer path over an ArchiveStore; see the note at the top. */
export class StoredIndex implements ArchiveIndex {
  readonly ranking: RankingOptions;
  private readonly titleCache = new Map<number, ReadonlySet<string>>();
  private sourcesSeen: readonly string[] | null = null;
  private queries: QueryParser | undefined;
  /** Distinct words of the articles met in pools, by record: dropped with the store's record (see bagOf). */
  private readonly bags = new WeakMap<StoredArticle, Bag>();
  /** Term ids of the words a question's weights name, by the weights' map (see passageTokens, passageCoverage). */
  private readonly idsOf = new WeakMap<ReadonlyMap<string, unknown>, Map<number, string>>();
  private readonly coverageSlots = new WeakMap<
    ReadonlyMap<string, unknown>,
    { slot: Map<number, { weight: number; group: number }>; groups: number }
  >();
  /** Text fingerprints of the articles met as candidates (see fingerprint). */
  private readonly fingerprints = new Map<number, number>();
  /** Scratch: query slot of each term id (-1: not asked), grown to the largest id met. */
  private slotOf = new Int32Array(0);
  private slotted: number[] = [];
  /** Slots of term ids from FAR_TERMS up (a server's own words, see layeredStore.ts): a table that large would not fit. */
  private readonly far = new Map<number, number>();
  /** What the store gave and may give again, until it changes. */
  private readonly reads: StoreReads;

  constructor(
    private readonly store: ArchiveStore,
    readonly aliases: AliasTable,
    ranking: Partial<RankingOptions> = {},
    /** Pool depth over the candidates scored (see DEFAULT_POOL_FACTOR). */
    private readonly poolFactor = DEFAULT_POOL_FACTOR,
    /** Postings the pool query may read (see POOL_POSTINGS). */
    private readonly poolPostings = POOL_POSTINGS,
  ) {
    this.ranking = { ...DEFAULT_RANKING, ...ranking };
    this.reads = new StoreReads(store);
  }

  get articleCount(): number {
    return this.store.stats().nextArticle;
  }

  get passageCount(): number {
    return this.store.stats().nextPassage;
  }

  /** The store's figures, a new object after every write (see AnswerIndex.version). */
  version(): unknown {
    return this.store.stats();
  }

  held(): { articles: number; passages: number } {
    const s = this.store.stats();
    return { articles: s.articles, passages: s.passages };
  }

  articleNumber(id: string): number | undefined {
    return this.store.articleNumber(id);
  }

  listArticles(): Iterable<{ number: number; meta: ArticleMeta }> {
    return this.store.articles();
  }

  passageTerms(p: number): string[] {
    return [...new Set(this.passageTokens(p).map((t) => t.term))];
  }

  article(a: number): ArticleMeta {
    return this.store.meta ? this.store.meta(a) : this.store.article(a).meta;
  }

  passage(p: number): Passage {
    return this.store.passage(p);
  }

  passageRange(a: number): [number, number] {
    const r = this.store.article(a);
    return [r.meta.firstPassage, r.meta.firstPassage + r.passageCount];
  }

  /** The article holding passage p, and p's place among its passages. */
  private located(p: number): { record: StoredArticle; i: number } {
    const record = this.store.article(this.store.articleOf(p));
    return { record, i: p - record.meta.firstPassage };
  }

  passageTokens(p: number, from = 0, to = Infinity, shift = 0, only?: ReadonlyMap<string, unknown>): Token[] {
    const { record, i: at } = this.located(p);
    // Only the terms asked for, looked up by id: naming every token would read the vocabulary.
    let wanted: Map<number, string> | null = null;
    if (only) {
      // Kept per map asked with: an excerpt reads a dozen passages with the same question's words.
      wanted = this.idsOf.get(only) ?? null;
      if (!wanted) {
        wanted = new Map();
        for (const term of only.keys()) {
          const id = this.store.term(term)?.id;
          if (id !== undefined) wanted.set(id, term);
        }
        this.idsOf.set(only, wanted);
      }
    }
    const out: Token[] = [];
    // Taken once: a store may read them behind a getter (the sqlite backend when first asked).
    const offsets = record.offsets;
    for (let i = record.tokenStart[at]!; i < record.tokenStart[at + 1]!; i++) {
      const start = offsets[2 * i]! - 1;
      const end = offsets[2 * i + 1]! - 1;
      if (start < from || end > to) continue;
      const id = record.tokens[i]!;
      const term = wanted ? wanted.get(id) : this.store.termOf(id);
      if (term !== undefined) out.push({ term, start: start + shift, end: end + shift });
    }
    return out;
  }

  passageIdf(term: string): number {
    const n = this.store.stats().passages;
    const df = this.store.term(term)?.passageDf ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** How many articles contain the term (0 when the archive has never seen it). */
  articleFrequency(term: string): number {
    return this.store.term(term)?.articleDf ?? 0;
  }

  titleTerms(a: number): ReadonlySet<string> {
    let t = this.titleCache.get(a);
    if (!t) {
      t = new Set(tokenize(this.article(a).title, this.aliases).map((x) => x.term));
      if (this.titleCache.size > 10_000) this.titleCache.clear();
      this.titleCache.set(a, t);
    }
    return t;
  }

  articleHolds(a: number, terms: Iterable<string>): Set<string> {
    const title = this.titleTerms(a);
    const record = this.store.article(a);
    const source = record.meta.source;
    const outlet = source ? new Set(indexTerms(source, this.aliases)) : null;
    const held = new Set<string>();
    const wanted = new Map<number, string>();
    for (const t of terms) {
      if (title.has(t) || outlet?.has(t)) held.add(t);
      else {
        const id = this.store.term(t)?.id;
        if (id !== undefined) wanted.set(id, t);
      }
    }
    for (let i = 0; i < record.tokens.length && wanted.size > 0; i++) {
      const t = wanted.get(record.tokens[i]!);
      if (t !== undefined) {
        held.add(t);
        wanted.delete(record.tokens[i]!);
      }
    }
    return held;
  }

  passageHolds(p: number, terms: Iterable<string>): Set<string> {
    const { record, i: at } = this.located(p);
    const wanted = new Map<number, string>();
    for (const t of terms) {
      const id = this.store.term(t)?.id;
      if (id !== undefined) wanted.set(id, t);
    }
    const held = new Set<string>();
    for (let i = record.tokenStart[at]!; i < record.tokenStart[at + 1]! && wanted.size > 0; i++) {
      const t = wanted.get(record.tokens[i]!);
      if (t !== undefined) {
        held.add(t);
        wanted.delete(record.tokens[i]!);
      }
    }
    return held;
  }

  /**
   * The articles holding an index term, with its weighted frequency in each (title, source and
   * date words at their field weights, as NewsIndex's postings count it). Reads each article:
   * only time notes ask, for a few of a quoted article's key terms.
   */
  articlesHolding(term: string): Array<{ article: number; tf: number }> {
    const stored = this.store.term(term);
    if (!stored) return [];
    const store = this.store;
    const tfIn = (a: number): number => {
      const record = store.article(a);
      let tf = 0;
      for (const x of record.tokens) if (x === stored.id) tf++;
      for (const [t, w] of record.metaTerms) if (t === term) tf += w;
      return tf;
    };
    // Every article the pool gives holds the term (a posting is one of its words, or a title, outlet
    // or date word weighed above 0). Its frequency is counted when asked: time notes only ask which
    // articles, and reading the words of every article holding a common word took a second after a write at 10x.
    return this.reads.holding(term, stored.id, () =>
      store
        .pool([{ id: stored.id, weight: 1 }], store.stats().articles)
        .sort((x, y) => x - y)
        .map((article) => {
          let tf: number | undefined;
          return {
            article,
            get tf() {
              return (tf ??= tfIn(article));
            },
          };
        }),
    );
  }

  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): Float64Array {
    const record = this.store.article(a);
    let slots = this.coverageSlots.get(weights);
    if (!slots) {
      const groups = [...new Set([...weights.values()].map((w) => w.group))];
      const slot = new Map<number, { weight: number; group: number }>();
      for (const [term, w] of weights) {
        const id = this.store.term(term)?.id;
        if (id !== undefined) slot.set(id, { weight: w.weight, group: groups.indexOf(w.group) });
      }
      this.coverageSlots.set(weights, (slots = { slot, groups: groups.length }));
    }
    const { slot, groups } = slots;
    const out = new Float64Array(record.passageCount);
    const best = new Float64Array(groups);
    for (let p = 0; p < record.passageCount; p++) {
      best.fill(0);
      for (let i = record.tokenStart[p]!; i < record.tokenStart[p + 1]!; i++) {
        const s = slot.get(record.tokens[i]!);
        if (s && s.weight > best[s.group]!) best[s.group] = s.weight;
      }
      let sum = 0;
      for (const v of best) sum += v;
      out[p] = sum;
    }
    return out;
  }

  /** Article a's key-term profile, when the store keeps it (see ArchiveStore.keyProfile). */
  keyProfile(a: number, keyTerms: number): KeyProfile | undefined {
    return this.store.keyProfile?.(a, keyTerms);
  }

  /** Ranks passages for a question: one per article unless asked otherwise. */
  search(question: string, request: SearchRequest): { query: ParsedQuery; hits: PassageHit[] } {
    const query = this.parseQuery(question);
    return { query, hits: this.rank(query, request) };
  }

  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    const stats = this.store.stats();
    if (query.terms.length === 0 || stats.articles === 0) return [];
    const r = this.ranking;
    const { inPeriod, boostOf } = questionBoosts(query, r);
    const strict = query.time.strict;
    const known = query.terms.map((t) => ({ t, stored: this.store.term(t.term) }));
    const count = request.candidates ?? Math.max(r.candidates, request.k * 3);

    // Stage 1: the store's pool, then BM25F over whole articles as NewsIndex scores it.
    const articleIdf = known.map((k) =>
      k.stored
        ? k.t.weight * Math.log(1 + (stats.articles - k.stored.postingDf + 0.5) / (k.stored.postingDf + 0.5))
        : 0,
    );
    const ids = poolTerms(
      known.flatMap((k, i) => (k.stored ? [{ term: k.stored, weight: articleIdf[i]! }] : [])),
      this.poolPostings,
    );
    if (ids.length === 0) return [];
    // Each asked term's slot, so one pass over an article's tokens counts them all.
    const slotOf = this.slots(known.map((k) => k.stored?.id ?? -1));
    const stage1: Stage1 = {
      known,
      articleIdf,
      ids,
      slotOf,
      far: this.far,
      count,
      boostOf,
      avgLength: stats.articleLength / stats.articles,
    };
    const only = request.only;
    // A period counted back from now ("last week") keeps to the articles published in it, when any
    // match; when none does, the question is answered from every date (as NewsIndex ranks).
    const keep =
      inPeriod && strict ? (rec: StoredArticle) => inPeriod(rec.meta) && (!only || only(rec.number)) : undefined;
    let candidates = keep ? this.articleCandidates(stage1, keep) : [];
    if (candidates.length === 0)
      candidates = this.articleCandidates(stage1, only ? (rec) => only(rec.number) : undefined);
    if (candidates.length === 0) return [];

    // Stage 2: passages of the candidates, scored with BM25 over all question terms.
    const weights = known.map((k) => {
      if (!k.stored) return 0;
      const df = k.stored.passageDf;
      return k.t.weight * Math.log(1 + (stats.passages - df + 0.5) / (df + 0.5));
    });
    const avgPassageLength = stats.passages ? stats.tokens / stats.passages : 1;
    const tf = new Float64Array(known.length);
    const perArticle = request.perArticle ?? 1;
    const best: BestPassages[] = [];
    let maxPassage = 0;
    let maxArticle = 0;
    for (const c of candidates) {
      const record = c.record;
      const from = record.meta.firstPassage;
      const top: Array<{ p: number; score: number }> = [];
      for (let i = 0; i < record.passageCount; i++) {
        keepBest(
          top,
          from + i,
          scorePassage(record, i, slotOf, this.far, weights, tf, r, avgPassageLength),
          perArticle,
        );
      }
      if (top.length === 0) continue;
      maxArticle = Math.max(maxArticle, c.score * c.boost);
      maxPassage = Math.max(maxPassage, top[0]!.score);
      best.push({ article: record.number, articleScore: c.score * c.boost, boost: c.boost, passages: top });
    }
    const hits = combineEvidence(best, maxArticle, maxPassage, r.passageWeight);
    const out = hits.slice(0, request.k);
    for (const h of out) h.matched = this.matchedTerms(h.passage, query, this.store.article(h.article));
    return out;
  }

  /** The best `count` articles of the store's pool by BM25F over whole articles, a copy of one already kept left out. */
  private articleCandidates(
    s: Stage1,
    keep?: (record: StoredArticle) => boolean,
  ): Array<{ record: StoredArticle; score: number; boost: number }> {
    const out: Array<{ record: StoredArticle; score: number; boost: number }> = [];
    for (const { a, score } of this.scored(s)) {
      const record = this.store.article(a);
      if (keep && !keep(record)) continue;
      const boost = s.boostOf(record.meta);
      out.push({ record, score: score * boost, boost });
    }
    out.sort((x, y) => y.score - x.score || x.record.meta.firstPassage - y.record.meta.firstPassage);
    // The pool counts distinct texts (as NewsIndex's does): a copy of an article already kept takes no slot.
    const kept: typeof out = [];
    const byPrint = new Map<number, StoredArticle[]>();
    for (const c of out) {
      if (kept.length === s.count) break;
      const print = this.fingerprint(c.record);
      const same = byPrint.get(print);
      if (same?.some((k) => sameTokens(k.tokens, c.record.tokens))) continue;
      if (same) same.push(c.record);
      else byPrint.set(print, [c.record]);
      kept.push(c);
    }
    return kept;
  }

  /**
   * BM25F of each article of the pool that holds an asked term (before date boosts), from the
   * cache when the same terms were scored since the store last changed: a question asked again
   * reads no tokens (scoring the pool was half of a repeated question's time at 10x).
   */
  private scored(s: Stage1): Array<{ a: number; score: number }> {
    const depth = s.count * this.poolFactor;
    const pool = this.reads.pool(s.ids, depth);
    const key = `${depth}|${s.ids.map((t) => `${t.id}:${t.weight}`).join(',')}|${s.known
      .map((k, i) => `${k.stored?.id ?? -1}:${s.articleIdf[i]}`)
      .join(',')}`;
    return this.reads.scored(key, () => this.scorePool(s, pool));
  }

  private scorePool(s: Stage1, pool: readonly number[]): Array<{ a: number; score: number }> {
    const r = this.ranking;
    const metaSlot = new Map<string, number>();
    s.known.forEach((k, i) => {
      if (k.stored) metaSlot.set(k.t.term, i);
    });
    // Each asked term id once, at its slot (its first, for an id given twice, as slots() sets them).
    const asked: Array<[id: number, slot: number]> = [];
    s.known.forEach((k, i) => {
      const id = k.stored?.id;
      if (id !== undefined && (id < FAR_TERMS ? s.slotOf[id] : s.far.get(id)) === i) asked.push([id, i]);
    });
    const f = new Float64Array(s.known.length);
    const out: Array<{ a: number; score: number }> = [];
    for (const a of pool) {
      const record = this.store.article(a);
      f.fill(0);
      // The asked terms looked up among the article's distinct words, not its every word read:
      // scoring the pool was a fifth of a question's time at 1x.
      const bag = this.bagOf(record);
      for (const [id, slot] of asked) {
        const at = findSorted(bag.ids, id);
        if (at >= 0) f[slot] = bag.counts[at]!;
      }
      for (const [term, w] of record.metaTerms) {
        const slot = metaSlot.get(term);
        if (slot !== undefined && w > 0) f[slot]! += w;
      }
      const norm = r.k1 * (1 - r.b + (r.b * record.length) / s.avgLength);
      let score = 0;
      for (let i = 0; i < f.length; i++)
        if (f[i]! > 0) score += (s.articleIdf[i]! * f[i]! * (r.k1 + 1)) / (f[i]! + norm);
      if (score > 0) out.push({ a, score });
    }
    return out;
  }

  /** An article's distinct term ids, ascending, with their counts (kept with its record). */
  private bagOf(record: StoredArticle): Bag {
    let bag = this.bags.get(record);
    if (!bag) this.bags.set(record, (bag = bagOf(record.tokens)));
    return bag;
  }

  /** A hash of an article's words in order (FNV-1a over its token ids, its length mixed in), as rank.ts makes it. */
  private fingerprint(record: StoredArticle): number {
    let print = this.fingerprints.get(record.number);
    if (print === undefined) {
      let h = 0x811c9dc5;
      for (const x of record.tokens) h = Math.imul(h ^ x, 0x01000193);
      print = (h ^ record.tokens.length) >>> 0;
      if (this.fingerprints.size >= 100_000) this.fingerprints.clear();
      this.fingerprints.set(record.number, print);
    }
    return print;
  }

  /** The slot scratch with each id's slot set (its first, for an id given twice), the last question's cleared. */
  private slots(ids: readonly number[]): Int32Array {
    for (const id of this.slotted) if (id < FAR_TERMS) this.slotOf[id] = -1;
    this.far.clear();
    this.slotted = ids.filter((id) => id >= 0);
    const max = ids.reduce((m, id) => (id < FAR_TERMS ? Math.max(m, id) : m), -1);
    if (max >= this.slotOf.length) {
      const grown = new Int32Array(Math.max(max + 1, this.slotOf.length * 2, 1024)).fill(-1);
      this.slotOf = grown;
    }
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!;
      if (id >= FAR_TERMS) this.far.set(id, i);
      else if (id >= 0) this.slotOf[id] = i;
    }
    return this.slotOf;
  }

  private matchedTerms(p: number, query: ParsedQuery, record: StoredArticle): string[] {
    const wanted = new Map<number, string>();
    for (const t of query.terms) {
      const id = this.store.term(t.term)?.id;
      if (id !== undefined) wanted.set(id, t.term);
    }
    // The hit's article is known: no look-up of the passage's article.
    const at = p - record.meta.firstPassage;
    const out = new Set<string>();
    for (let i = record.tokenStart[at]!; i < record.tokenStart[at + 1]!; i++) {
      const term = wanted.get(record.tokens[i]!);
      if (term !== undefined) out.add(term);
    }
    return [...out];
  }

  /** The query stage over the store's vocabulary, made again when the store holds other outlets than last time. */
  private parser(): QueryParser {
    const sources = this.store.sources();
    if (this.queries && sources === this.sourcesSeen) return this.queries;
    this.sourcesSeen = sources;
    this.queries = new QueryParser({
      vocabulary: {
        has: (term) => this.store.term(term) !== undefined,
        similar: (term, how) => this.reads.similarTerms(term, how),
      },
      aliases: this.aliases,
      ranking: this.ranking,
      sources: [...sources],
      articleFrequency: (term) => this.articleFrequency(term),
      articleCount: () => this.articleCount,
      surfaceOf: (term) => this.surfaceOf(term),
    });
    return this.queries;
  }

  /**
   * Turns a question into weighted index terms, outlets, dates and the time asked: the query
   * stage (query.ts) over the store's vocabulary, so both backends parse a question alike.
   */
  parseQuery(question: string, now?: Date): ParsedQuery {
    this.store.sync?.();
    return this.parser().parse(question, now);
  }

  nearestWords(term: string, n: number, asName = false): string[] {
    return this.parser().nearestWords(term, n, asName);
  }

  /** A word of the archive's text that makes the index term. */
  private surfaceOf(term: string): string | undefined {
    const id = this.store.term(term)?.id;
    const a = id === undefined ? undefined : this.store.articleWith(id);
    if (a === undefined) return undefined;
    return surfaceInArticle(this, a, term);
  }
}

/** What stage 1 of StoredIndex.rank weighs a candidate by. */
interface Stage1 {
  known: Array<{ t: { term: string; weight: number }; stored: StoredTerm | undefined }>;
  articleIdf: number[];
  ids: Array<{ id: number; weight: number }>;
  slotOf: Int32Array;
  far: ReadonlyMap<number, number>;
  count: number;
  boostOf: (meta: ArticleMeta) => number;
  avgLength: number;
}
