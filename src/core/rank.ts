/**
 * The ranking stage: a parsed question → ranked passages. Candidate articles first, by BM25F over
 * whole articles (the article postings, with title, source and date words weighted in when the
 * index was built; boosts for an outlet or a date the question names), then the passages of
 * those candidates by BM25 with a bonus for question words side by side. Article and passage
 * evidence are combined into one score. Also the term checks the answer stage asks of an
 * article (articleHolds, passageCoverage).
 */
import type { AliasTable } from './aliases.js';
import { foldWord, terms as indexTerms } from './text.js';
import type { PassageList } from './passage-store.js';
import { passageRange, type ArticleMeta, type ArticlePostings, type IndexParts, type Ints } from './index-parts.js';
import type { ParsedQuery } from './query.js';
import { bm25Term, passageNorm, type RankingOptions } from './ranking-options.js';
import { coverageSlots, type CoverageSlots, type Weighed } from './coverage-slots.js';

export { DEFAULT_RANKING, type RankingOptions } from './ranking-options.js';

/**
 * An archive's term statistics as a ranking reads them: a delta's articles and the main index's
 * are scored with both counted together (see delta.ts), so their scores compare.
 */
export interface CorpusStats {
  articles: number;
  passages: number;
  /** Summed article lengths (weighted words, as the article postings count them). */
  articleLength: number;
  /** Summed passage lengths in tokens. */
  passageLength: number;
  /** How many articles' postings hold the term (title, source and date words included). */
  postingDf(term: string): number;
  /** How many passages hold the term. */
  passageDf(term: string): number;
}

/** A ranked passage: the evidence behind one result. */
export interface PassageHit {
  passage: number;
  article: number;
  score: number;
  /** Score of the article as a whole and of this passage, each scaled to the best candidate (0..1). */
  articleEvidence: number;
  passageEvidence: number;
  /** Index terms of the question this passage contains. */
  matched: string[];
}

export interface SearchRequest {
  /** Number of results. */
  k: number;
  /** Passages per article (1: one result per article). */
  perArticle?: number;
  /** Candidate articles whose passages are scored (default: the ranking's `candidates`, or three per result). */
  candidates?: number;
  /** Only these articles (by index) may be ranked: to quote one article for a question. */
  only?: (article: number) => boolean;
}

/** Article fingerprints a ranker keeps (a number each); past it they are worked out again. */
const FINGERPRINTS_KEPT = 100_000;

/** Ranks passages of one archive; holds scratch arrays sized to it, reused by every question. */
export class Ranker {
  private readonly articles: ArticleMeta[];
  private readonly passages: PassageList;
  private readonly tokens: Ints;
  private readonly tokenStart: Int32Array;
  private readonly passageDf: Int32Array;
  private readonly avgPassageLength: number;
  /** Article-level postings (see articlePostings in index-build.ts) and the mean article length in them. */
  private readonly postings: ArticlePostings;
  private readonly avgArticleLength: number;
  /** Scratch: query slot of each term id, -1 when the term is not asked. */
  private readonly slotOf: Int32Array;
  /** Scratch: article scores of the question being ranked. */
  private readonly articleScore: Float64Array;
  /** BM25's length term of each article, k1 (1 - b + b length / mean length), for this archive's own statistics. */
  private readonly articleNorm: Float64Array;
  /** Scratch: a passage's count of each question term, by slot (reused: see passageCoverage on typed arrays). */
  private tf = new Float64Array(16);
  /** Scratch: the slots a passage holds, in slot order (see scorePassage). */
  private held = new Int32Array(16);
  /** Text fingerprints of the articles met as candidates (see fingerprint). */
  private readonly fingerprints = new Map<number, number>();

  constructor(
    private readonly parts: IndexParts,
    private readonly termId: ReadonlyMap<string, number>,
    private readonly aliases: AliasTable,
    private readonly ranking: RankingOptions,
    /** Index terms of an article's title (the index caches them). */
    private readonly titleTerms: (a: number) => ReadonlySet<string>,
  ) {
    this.articles = parts.articles;
    this.passages = parts.passages;
    this.tokens = parts.tokens;
    this.tokenStart = parts.tokenStart;
    this.passageDf = parts.passageDf;
    this.avgPassageLength = parts.passages.length ? parts.tokens.length / parts.passages.length : 1;
    this.slotOf = new Int32Array(parts.vocab.length).fill(-1);
    this.postings = parts.postings;
    const lengths = parts.postings.length;
    this.avgArticleLength = lengths.length ? lengths.reduce((x, y) => x + y, 0) / lengths.length : 1;
    this.articleScore = new Float64Array(parts.articles.length);
    const { k1, b } = ranking;
    // In double precision, as the scoring worked it out from the 32-bit lengths.
    this.articleNorm = Float64Array.from(lengths, (length) => k1 * (1 - b + (b * length) / this.avgArticleLength));
  }

  private passageRange(a: number): [number, number] {
    return passageRange(this.parts, a);
  }

  /** Ranks passages for an already parsed question. */
  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    const best = this.collect(query, request);
    let maxPassage = 0;
    let maxArticle = 0;
    for (const b of best) {
      maxArticle = Math.max(maxArticle, b.articleScore);
      maxPassage = Math.max(maxPassage, b.passages[0]!.score);
    }
    const hits = combineEvidence(best, maxArticle, maxPassage, this.ranking.passageWeight);
    const out = hits.slice(0, request.k);
    const asked = query.terms.map((t) => t.term);
    for (const h of out) h.matched = this.matchedTerms(h.passage, query, asked);
    return out;
  }

  /** This archive's own statistics (what a delta beside it is scored with, added to its own: see delta.ts). */
  get stats(): CorpusStats {
    const { start } = this.postings;
    const id = (term: string) => this.termId.get(term);
    return {
      articles: this.articles.length,
      passages: this.passages.length,
      articleLength: this.avgArticleLength * this.articles.length,
      passageLength: this.tokens.length,
      postingDf: (term) => {
        const t = id(term);
        return t === undefined ? 0 : start[t + 1]! - start[t]!;
      },
      passageDf: (term) => {
        const t = id(term);
        return t === undefined ? 0 : this.passageDf[t]!;
      },
    };
  }

  /**
   * The candidates' best passages in candidate order, before their evidence is combined: what
   * rank combines, and what a delta beside this archive merges with its own (see delta.ts).
   * `stats` replaces this archive's term statistics; `dates` 'strict' keeps to a period counted
   * back from now even when nothing is in it, 'all' ignores it (undefined: the first, else the second).
   */
  collect(query: ParsedQuery, request: SearchRequest, stats?: CorpusStats, dates?: 'strict' | 'all'): BestPassages[] {
    if (query.terms.length === 0 || this.articles.length === 0) return [];
    const r = this.ranking;

    // Stage 1: candidate articles by BM25F over whole articles, every question term counted.
    const boosts = questionBoosts(query, r);
    const inPeriod = boosts.inPeriod && ((a: number) => boosts.inPeriod!(this.articles[a]!));
    const strict = query.time.strict;
    const boostOf = (a: number) => boosts.boostOf(this.articles[a]!);
    const count = request.candidates ?? Math.max(r.candidates, request.k * 3);
    const only = request.only;
    // A period counted back from now ("last week") keeps to the articles published in it, when any
    // match; when none does, the question is answered from every date rather than refused over a date.
    const keep = inPeriod && strict && dates !== 'all' ? (a: number) => inPeriod(a) && (!only || only(a)) : undefined;
    let candidates = keep ? this.articleCandidates(query, count, boostOf, keep, stats) : [];
    if (candidates.length === 0 && !(keep && dates === 'strict'))
      candidates = this.articleCandidates(query, count, boostOf, only, stats);
    if (candidates.length === 0) return [];

    // Stage 2: passages of the candidates, scored with BM25 over all question terms.
    const slots = query.terms.map((t) => this.termId.get(t.term) ?? -1);
    const passageCount = stats ? stats.passages : this.passages.length;
    const weights = query.terms.map((t, i) => {
      const id = slots[i]!;
      if (id < 0) return 0;
      const df = stats ? stats.passageDf(t.term) : this.passageDf[id]!;
      return t.weight * Math.log(1 + (passageCount - df + 0.5) / (df + 0.5));
    });
    const avgPassageLength = stats
      ? stats.passages
        ? stats.passageLength / stats.passages
        : 1
      : this.avgPassageLength;
    slots.forEach((id, slot) => {
      if (id >= 0) this.slotOf[id] = slot;
    });
    if (this.tf.length < slots.length)
      [this.tf, this.held] = [new Float64Array(slots.length), new Int32Array(slots.length)];
    const tf = this.tf.fill(0);
    const perArticle = request.perArticle ?? 1;
    // For each candidate, its best passages (at most perArticle), kept in score order.
    const best: BestPassages[] = [];
    try {
      for (const c of candidates) {
        const a = c.id;
        const [from, to] = this.passageRange(a);
        const top: Array<{ p: number; score: number }> = [];
        for (let p = from; p < to; p++) {
          keepBest(top, p, this.scorePassage(p, slots.length, weights, tf, avgPassageLength), perArticle);
        }
        if (top.length === 0) continue;
        best.push({ article: a, articleScore: c.score * boostOf(a), boost: boostOf(a), passages: top });
      }
    } finally {
      for (const id of slots) if (id >= 0) this.slotOf[id] = -1;
    }
    return best;
  }

  /** The best `count` articles for the question by BM25F over whole articles (title, source and date words weighted in). */
  private articleCandidates(
    query: ParsedQuery,
    count: number,
    boostOf: (a: number) => number,
    keep?: (a: number) => boolean,
    stats?: CorpusStats,
  ): Array<{ id: number; score: number }> {
    const r = this.ranking;
    const { start, article, tf, length } = this.postings;
    const avgLength = stats ? (stats.articles ? stats.articleLength / stats.articles : 1) : this.avgArticleLength;
    const scores = this.articleScore;
    const n = stats ? stats.articles : this.articles.length;
    const touched: number[] = [];
    // Each article's length term as worked out once, unless a delta's statistics change the mean.
    const norm = this.articleNorm;
    const k1 = r.k1 + 1;
    for (const t of query.terms) {
      const id = this.termId.get(t.term);
      if (id === undefined) continue;
      const df = stats ? stats.postingDf(t.term) : start[id + 1]! - start[id]!;
      const idf = t.weight * Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const end = start[id + 1]!;
      if (stats)
        for (let i = start[id]!; i < end; i++) {
          const a = article[i]!;
          const f = tf[i]!;
          if (scores[a] === 0) touched.push(a);
          scores[a]! += (idf * f * k1) / (f + r.k1 * (1 - r.b + (r.b * length[a]!) / avgLength));
        }
      else
        for (let i = start[id]!; i < end; i++) {
          const a = article[i]!;
          const f = tf[i]!;
          if (scores[a] === 0) touched.push(a);
          scores[a]! += (idf * f * k1) / (f + norm[a]!);
        }
    }
    const eligible = keep ? touched.filter(keep) : touched;
    // The scratch scores are zero again whatever happens (see the finally below).
    try {
      for (const a of eligible) scores[a] = scores[a]! * boostOf(a);
      // Best first (the lower number on a tie). Only the first few are read, unless copies fill
      // them: kept by insertion, not by sorting every article that holds a word of the question.
      const before = (x: number, y: number) => scores[x]! > scores[y]! || (scores[x] === scores[y] && x < y);
      const limit = count * 2;
      const top: number[] = [];
      for (const a of eligible) {
        if (top.length === limit && !before(a, top[limit - 1]!)) continue;
        if (top.length === limit) top.pop();
        let at = top.length;
        while (at > 0 && before(a, top[at - 1]!)) at--;
        top.splice(at, 0, a);
      }
      let kept = this.distinct(top, count);
      if (kept.length < count && eligible.length > limit)
        kept = this.distinct(
          [...eligible].sort((x, y) => (before(x, y) ? -1 : 1)),
          count,
        );
      return kept.map((a) => ({ id: a, score: scores[a]! }));
    } finally {
      for (const a of touched) scores[a] = 0;
    }
  }

  /**
   * The first `count` of `ordered` that are not copies: the pool counts distinct texts, so a copy
   * of an article already kept (the same words in the same order, as when a story is filed twice
   * or a feed repeats it) takes no slot.
   */
  private distinct(ordered: readonly number[], count: number): number[] {
    const kept: number[] = [];
    const byPrint = new Map<number, number[]>();
    for (const a of ordered) {
      if (kept.length === count) break;
      const print = this.fingerprint(a);
      const same = byPrint.get(print);
      if (same?.some((k) => this.sameText(k, a))) continue;
      if (same) same.push(a);
      else byPrint.set(print, [a]);
      kept.push(a);
    }
    return kept;
  }

  /**
   * Works out every article's fingerprint (up to the cache's size), a step per few hundred
   * articles: what a warm-up does, so the first questions over a new index do not (a twentieth of
   * their time at 10x, the copies of a story each met as candidates).
   */
  *fingerprintSteps(): Generator<void> {
    const n = Math.min(this.articles.length, FINGERPRINTS_KEPT);
    for (let a = 0; a < n; a++) {
      this.fingerprint(a);
      if (a % 500 === 499) yield;
    }
  }

  /** A hash of article a's words in order (FNV-1a over its token ids, its length mixed in), computed on first use. */
  private fingerprint(a: number): number {
    let print = this.fingerprints.get(a);
    if (print === undefined) {
      const [from, to] = this.passageRange(a);
      const [start, end] = [this.tokenStart[from]!, this.tokenStart[to]!];
      let h = 0x811c9dc5;
      for (let i = start; i < end; i++) h = Math.imul(h ^ this.tokens[i]!, 0x01000193);
      print = (h ^ (end - start)) >>> 0;
      if (this.fingerprints.size >= FINGERPRINTS_KEPT) this.fingerprints.clear();
      this.fingerprints.set(a, print);
    }
    return print;
  }

  /** Whether articles a and b hold the same words in the same order (a fingerprint match, confirmed). */
  private sameText(a: number, b: number): boolean {
    const [fa, ta] = this.passageRange(a);
    const [fb, tb] = this.passageRange(b);
    const [sa, ea] = [this.tokenStart[fa]!, this.tokenStart[ta]!];
    const sb = this.tokenStart[fb]!;
    if (ea - sa !== this.tokenStart[tb]! - sb) return false;
    for (let i = 0; i < ea - sa; i++) if (this.tokens[sa + i] !== this.tokens[sb + i]) return false;
    return true;
  }

  /**
   * BM25 of passage p for the question terms currently in `slotOf` (passageNorm, bm25Term, as storedScore.ts weighs one).
   * `tf` is zero on entry and left so: only the slots the passage holds are summed, in slot
   * order, and cleared (a question's 30-odd terms each passage summed and cleared were a third
   * of the scan).
   */
  private scorePassage(
    p: number,
    slotCount: number,
    weights: number[],
    tf: Float64Array,
    avgPassageLength: number,
  ): number {
    const r = this.ranking;
    const start = this.tokenStart[p]!;
    const end = this.tokenStart[p + 1]!;
    const { held, slotOf, tokens } = this;
    let count = 0;
    // Question words side by side ("oil spill", "prime minister") say more than the same
    // words apart: each adjacent pair of different words asked adds the lesser word's weight.
    let prev = -1;
    let prevAt = -2;
    let near = 0;
    for (let i = start; i < end; i++) {
      const slot = slotOf[tokens[i]!]!;
      if (slot >= 0) {
        if (tf[slot] === 0) {
          let at = count++;
          for (; at > 0 && held[at - 1]! > slot; at--) held[at] = held[at - 1]!;
          held[at] = slot;
        }
        tf[slot]!++;
        if (prev !== slot && i - prevAt === 1) near += Math.min(weights[prev]!, weights[slot]!);
        prev = slot;
        prevAt = i;
      }
    }
    if (count === 0) return 0;
    const norm = passageNorm(r, end - start, avgPassageLength);
    let score = r.proximity * near;
    for (let k = 0; k < count; k++) {
      const s = held[k]!;
      score += bm25Term(weights[s]!, tf[s]!, r.k1, norm);
      tf[s] = 0;
    }
    return score;
  }

  /** Which of `terms` article a holds anywhere: in its title, its outlet's name or any of its passages. */
  articleHolds(a: number, terms: Iterable<string>): Set<string> {
    const title = this.titleTerms(a);
    const source = this.articles[a]!.source;
    const outlet = source ? this.outletTerms(source) : null;
    const held = new Set<string>();
    const rest: string[] = [];
    for (const t of terms) {
      if (title.has(t) || outlet?.has(t)) held.add(t);
      else rest.push(t);
    }
    const [from, to] = this.passageRange(a);
    return this.heldIn(from, to, rest, held);
  }

  /** Which of `terms` passage p holds (its heading's words included). */
  passageHolds(p: number, terms: Iterable<string>): Set<string> {
    return this.heldIn(p, p + 1, Array.isArray(terms) ? terms : [...terms], new Set());
  }

  /** Index terms of each outlet's name, worked out once (an archive has few outlets; past the bound, again). */
  private readonly outletTermCache = new Map<string, ReadonlySet<string>>();

  private outletTerms(source: string): ReadonlySet<string> {
    let terms = this.outletTermCache.get(source);
    if (!terms) {
      if (this.outletTermCache.size >= 10_000) this.outletTermCache.clear();
      this.outletTermCache.set(source, (terms = new Set(indexTerms(source, this.aliases))));
    }
    return terms;
  }

  /**
   * Adds to `held`, in the order passages [from, to) first hold them, the `terms` not in it already.
   * Marked in slotOf by id with their place in `terms`: a map per call was 5% of the answer path's allocation.
   */
  private heldIn(from: number, to: number, terms: readonly string[], held: Set<string>): Set<string> {
    const { slotOf, tokens } = this;
    let left = 0;
    try {
      for (let k = 0; k < terms.length; k++) {
        if (held.has(terms[k]!)) continue;
        const id = this.termId.get(terms[k]!);
        if (id === undefined || slotOf[id]! >= 0) continue;
        slotOf[id] = k;
        left++;
      }
      for (let i = this.tokenStart[from]!, end = this.tokenStart[to]!; i < end && left > 0; i++) {
        const slot = slotOf[tokens[i]!]!;
        if (slot < 0) continue;
        held.add(terms[slot]!);
        slotOf[tokens[i]!] = -1;
        left--;
      }
    } finally {
      for (const t of terms) {
        const id = this.termId.get(t);
        if (id !== undefined) slotOf[id] = -1;
      }
    }
    return held;
  }

  /**
   * For each passage of article a, the question weight it holds: each group of terms (a word
   * asked with its synonyms) counts once, at its best weight. Cheap: no re-tokenising. Plain
   * arrays, not typed ones: a typed array past 64 bytes has a buffer outside the heap, which
   * every young-generation GC had to sweep (a fifth of their time on the benchmark).
   */
  passageCoverage(a: number, weights: ReadonlyMap<string, Weighed>): number[] {
    const [from, to] = this.passageRange(a);
    const { ids, slotWeight, slotGroup, groups } = this.coverageSlots(weights);
    const out: number[] = [];
    const best = new Array<number>(groups).fill(0);
    const tokens = this.tokens;
    const slotOf = this.slotOf;
    for (let slot = 0; slot < ids.length; slot++) slotOf[ids[slot]!] = slot;
    try {
      for (let p = from; p < to; p++) {
        best.fill(0);
        for (let i = this.tokenStart[p]!, end = this.tokenStart[p + 1]!; i < end; i++) {
          const slot = slotOf[tokens[i]!]!;
          if (slot >= 0 && slotWeight[slot]! > best[slotGroup[slot]!]!) best[slotGroup[slot]!] = slotWeight[slot]!;
        }
        let sum = 0;
        for (let g = 0; g < best.length; g++) sum += best[g]!;
        out.push(sum);
      }
    } finally {
      for (const id of ids) this.slotOf[id] = -1;
    }
    return out;
  }

  /** passageCoverage's slots for a question's weights, by the weights' map (each result's excerpt asks with the same one). */
  private readonly slotsOf = new WeakMap<ReadonlyMap<string, Weighed>, CoverageSlots>();

  private coverageSlots(weights: ReadonlyMap<string, Weighed>): CoverageSlots {
    let slots = this.slotsOf.get(weights);
    if (!slots) this.slotsOf.set(weights, (slots = coverageSlots(weights, this.termId)));
    return slots;
  }

  /** The question's terms that passage p contains, in the order it first holds them. */
  matchedTerms(p: number, query: ParsedQuery, asked = query.terms.map((t) => t.term)): string[] {
    return [...this.heldIn(p, p + 1, asked, new Set())];
  }
}

/** A candidate article's score and boost, with its best passages in score order. */
export interface BestPassages {
  article: number;
  articleScore: number;
  boost: number;
  passages: Array<{ p: number; score: number }>;
}

/**
 * The boosts a question gives an article: the outlet it names, a period it prefers ("in 2019"),
 * a day or month it names; and the period it asks about, if any. Both rankers weigh them alike.
 */
export function questionBoosts(
  query: ParsedQuery,
  r: RankingOptions,
): { inPeriod: ((meta: ArticleMeta) => boolean) | undefined; boostOf: (meta: ArticleMeta) => number } {
  const { from, to, strict } = query.time;
  const inPeriod =
    from !== undefined && to !== undefined
      ? (meta: ArticleMeta) => {
          const day = meta.published?.slice(0, 10);
          return day !== undefined && day >= from && day < to;
        }
      : undefined;
  const outlets = new Set(query.outlets);
  // Whether each outlet's name (as the articles write it) is one the question names: folded once
  // per question and outlet, not once per candidate article.
  const named = new Map<string, boolean>();
  const namedOutlet = (source: string) => {
    let is = named.get(source);
    if (is === undefined) named.set(source, (is = outlets.has(foldWord(source))));
    return is;
  };
  const boostOf = (meta: ArticleMeta) => {
    let boost = outlets.size > 0 && meta.source && namedOutlet(meta.source) ? r.outletBoost : 1;
    if (inPeriod && !strict && inPeriod(meta)) boost *= r.periodBoost;
    const published = meta.published;
    if (published && (query.dates.days.size || query.dates.months.size)) {
      if (query.dates.days.has(published.slice(0, 10))) boost *= r.dateBoost;
      else if (query.dates.months.has(published.slice(0, 7))) boost *= Math.sqrt(r.dateBoost);
    }
    return boost;
  };
  return { inPeriod, boostOf };
}

/** Adds passage p to `top` (score order, at most n) when it scores among the best; earlier passages first on a tie. */
export function keepBest(top: Array<{ p: number; score: number }>, p: number, score: number, n: number): void {
  if (top.length >= n && score <= top[top.length - 1]!.score) return;
  const kept = { p, score };
  let at = top.length;
  top.push(kept);
  for (; at > 0 && top[at - 1]!.score < score; at--) top[at] = top[at - 1]!;
  top[at] = kept;
  if (top.length > n) top.pop();
}

/** Hits from the candidates' best passages: article and passage evidence, each over the best candidate's, combined; best first. */
export function combineEvidence(
  best: readonly BestPassages[],
  maxArticle: number,
  maxPassage: number,
  passageWeight: number,
): PassageHit[] {
  const hits: PassageHit[] = [];
  for (const b of best) {
    const articleEvidence = maxArticle > 0 ? b.articleScore / maxArticle : 0;
    for (const { p, score } of b.passages) {
      const passageEvidence = maxPassage > 0 ? score / maxPassage : 0;
      hits.push({
        passage: p,
        article: b.article,
        score: articleEvidence + passageWeight * passageEvidence * b.boost,
        articleEvidence,
        passageEvidence,
        matched: [],
      });
    }
  }
  hits.sort((x, y) => y.score - x.score || x.passage - y.passage);
  return hits;
}
