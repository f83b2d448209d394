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
 * Query parsing (spelling correction, outlets, names) follows NewsIndex.parseQuery over the
 * store's vocabulary; see the note on parseStoredQuery.
 */
import type { AliasTable } from './aliases.js';
import { editDistance } from './aliases.js';
import type { AnswerIndex } from './answerIndex.js';
import { namedDates } from './dates.js';
import type { Passage } from './passages.js';
import { placeFormsOf } from './places.js';
import {
  compact,
  DEFAULT_RANKING,
  looksLikeName,
  OUTLET_PATTERN,
  outletNamesOf,
  type ArticleMeta,
  type ParsedQuery,
  type PassageHit,
  type QueryTerm,
  type RankingOptions,
  type SearchRequest,
} from './search.js';
import { foldWord, irregularForms, stem, terms as indexTerms, tokenize, type Token } from './text.js';

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
  /** Where each token stands in its passage's text: [start, end) plus one; 0 for heading words. */
  offsets: Int32Array;
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
}

/**
 * An archive kept outside the process (the candidate source and passage store of the answer
 * path). Article and passage numbers are dense from 0 in insertion order; an article's passages
 * are numbered consecutively from its `firstPassage`.
 */
export interface ArchiveStore {
  /** Takes in what other processes sharing the store wrote since the last call (a question starts with it). */
  sync?(): void;
  stats(): ArchiveStats;
  term(term: string): StoredTerm | undefined;
  /** The term with this id. */
  termOf(id: number): string;
  /** Article a (throws when there is none). */
  article(a: number): StoredArticle;
  passage(p: number): Passage;
  /** The article of passage p, without reading its text. */
  articleOf(p: number): number;
  /**
   * Up to `count` articles holding any of the terms, those holding the most weight first (each
   * term's weight counted once per article holding it; ties to the lower number).
   */
  pool(terms: ReadonlyArray<{ id: number; weight: number }>, count: number): number[];
  /** The archive's outlets, folded (foldWord) as NewsIndex keys them. */
  sources(): readonly string[];
  /** Vocabulary terms within `distance` edits of `term`, or (prefix) starting with it. */
  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[];
  /** An article holding the term in its passages, if any. */
  articleWith(termId: number): number | undefined;
}

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
export class StoredIndex implements AnswerIndex {
  readonly ranking: RankingOptions;
  private readonly titleCache = new Map<number, ReadonlySet<string>>();
  private sourcesSeen: readonly string[] | null = null;
  private outletNames: Array<{ name: string; source: string }> = [];
  private sourceKeys: string[] = [];
  /** Scratch: query slot of each term id (-1: not asked), grown to the largest id met. */
  private slotOf = new Int32Array(0);
  private slotted: number[] = [];

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
  }

  article(a: number): ArticleMeta {
    return this.store.article(a).meta;
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
      wanted = new Map();
      for (const term of only.keys()) {
        const id = this.store.term(term)?.id;
        if (id !== undefined) wanted.set(id, term);
      }
    }
    const out: Token[] = [];
    for (let i = record.tokenStart[at]!; i < record.tokenStart[at + 1]!; i++) {
      const start = record.offsets[2 * i]! - 1;
      const end = record.offsets[2 * i + 1]! - 1;
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

  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): Float64Array {
    const record = this.store.article(a);
    const groups = [...new Set([...weights.values()].map((w) => w.group))];
    const slot = new Map<number, { weight: number; group: number }>();
    for (const [term, w] of weights) {
      const id = this.store.term(term)?.id;
      if (id !== undefined) slot.set(id, { weight: w.weight, group: groups.indexOf(w.group) });
    }
    const out = new Float64Array(record.passageCount);
    const best = new Float64Array(groups.length);
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

  /** Ranks passages for a question: one per article unless asked otherwise. */
  search(question: string, request: SearchRequest): { query: ParsedQuery; hits: PassageHit[] } {
    const query = this.parseQuery(question);
    return { query, hits: this.rank(query, request) };
  }

  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    const stats = this.store.stats();
    if (query.terms.length === 0 || stats.articles === 0) return [];
    const r = this.ranking;
    const outlets = new Set(query.outlets);
    const boostOf = (meta: ArticleMeta) => {
      let boost = meta.source && outlets.has(foldWord(meta.source)) ? r.outletBoost : 1;
      const published = meta.published;
      if (published && (query.dates.days.size || query.dates.months.size)) {
        if (query.dates.days.has(published.slice(0, 10))) boost *= r.dateBoost;
        else if (query.dates.months.has(published.slice(0, 7))) boost *= Math.sqrt(r.dateBoost);
      }
      return boost;
    };
    const known = query.terms.map((t) => ({ t, stored: this.store.term(t.term) }));
    const count = Math.max(r.candidates, request.k * 3);

    // Stage 1: the store's pool, then BM25F over whole articles as NewsIndex scores it.
    const avgLength = stats.articleLength / stats.articles;
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
    const metaSlot = new Map<string, number>();
    const slotOf = this.slots(known.map((k) => k.stored?.id ?? -1));
    known.forEach((k, i) => {
      if (k.stored) metaSlot.set(k.t.term, i);
    });
    const f = new Float64Array(known.length);
    const candidates: Array<{ record: StoredArticle; score: number; boost: number }> = [];
    for (const a of this.store.pool(ids, count * this.poolFactor)) {
      const record = this.store.article(a);
      f.fill(0);
      const tokens = record.tokens;
      for (let i = 0; i < tokens.length; i++) {
        const x = tokens[i]!;
        const slot = x < slotOf.length ? slotOf[x]! : -1;
        if (slot >= 0) f[slot]!++;
      }
      for (const [term, w] of record.metaTerms) {
        const slot = metaSlot.get(term);
        if (slot !== undefined && w > 0) f[slot]! += w;
      }
      const norm = r.k1 * (1 - r.b + (r.b * record.length) / avgLength);
      let score = 0;
      for (let i = 0; i < f.length; i++) if (f[i]! > 0) score += (articleIdf[i]! * f[i]! * (r.k1 + 1)) / (f[i]! + norm);
      if (score === 0) continue;
      const boost = boostOf(record.meta);
      candidates.push({ record, score: score * boost, boost });
    }
    candidates.sort((x, y) => y.score - x.score || x.record.meta.firstPassage - y.record.meta.firstPassage);
    candidates.length = Math.min(candidates.length, count);
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
    const best: Array<{
      article: number;
      articleScore: number;
      boost: number;
      passages: Array<{ p: number; score: number }>;
    }> = [];
    let maxPassage = 0;
    let maxArticle = 0;
    for (const c of candidates) {
      const record = c.record;
      const from = record.meta.firstPassage;
      const top: Array<{ p: number; score: number }> = [];
      for (let i = 0; i < record.passageCount; i++) {
        const score = scorePassage(record, i, slotOf, weights, tf, r, avgPassageLength);
        const p = from + i;
        if (top.length < perArticle || score > top[top.length - 1]!.score) {
          let at = top.length;
          top.push({ p, score });
          for (; at > 0 && top[at - 1]!.score < score; at--) top[at] = top[at - 1]!;
          top[at] = { p, score };
          if (top.length > perArticle) top.pop();
        }
      }
      if (top.length === 0) continue;
      maxArticle = Math.max(maxArticle, c.score * c.boost);
      maxPassage = Math.max(maxPassage, top[0]!.score);
      best.push({ article: record.number, articleScore: c.score * c.boost, boost: c.boost, passages: top });
    }
    const hits: PassageHit[] = [];
    for (const b of best) {
      const articleEvidence = maxArticle > 0 ? b.articleScore / maxArticle : 0;
      for (const { p, score } of b.passages) {
        const passageEvidence = maxPassage > 0 ? score / maxPassage : 0;
        hits.push({
          passage: p,
          article: b.article,
          score: articleEvidence + r.passageWeight * passageEvidence * b.boost,
          articleEvidence,
          passageEvidence,
          matched: [],
        });
      }
    }
    hits.sort((x, y) => y.score - x.score || x.passage - y.passage);
    const out = hits.slice(0, request.k);
    for (const h of out) h.matched = this.matchedTerms(h.passage, query);
    return out;
  }

  /** The slot scratch with each id's slot set (its first, for an id given twice), the last question's cleared. */
  private slots(ids: readonly number[]): Int32Array {
    for (const id of this.slotted) this.slotOf[id] = -1;
    this.slotted = ids.filter((id) => id >= 0);
    const max = ids.reduce((m, id) => Math.max(m, id), -1);
    if (max >= this.slotOf.length) {
      const grown = new Int32Array(Math.max(max + 1, this.slotOf.length * 2, 1024)).fill(-1);
      this.slotOf = grown;
    }
    for (let i = ids.length - 1; i >= 0; i--) if (ids[i]! >= 0) this.slotOf[ids[i]!] = i;
    return this.slotOf;
  }

  private matchedTerms(p: number, query: ParsedQuery): string[] {
    const wanted = new Map<number, string>();
    for (const t of query.terms) {
      const id = this.store.term(t.term)?.id;
      if (id !== undefined) wanted.set(id, t.term);
    }
    const { record, i: at } = this.located(p);
    const out = new Set<string>();
    for (let i = record.tokenStart[at]!; i < record.tokenStart[at + 1]!; i++) {
      const term = wanted.get(record.tokens[i]!);
      if (term !== undefined) out.add(term);
    }
    return [...out];
  }

  /** The outlets' names, made again when the store holds other outlets than last time. */
  private outlets(): void {
    const sources = this.store.sources();
    if (sources === this.sourcesSeen) return;
    this.sourcesSeen = sources;
    this.outletNames = outletNamesOf([...sources]);
    this.sourceKeys = sources.map(compact);
  }

  /**
   * Turns a question into weighted index terms, outlets and dates: NewsIndex.parseQuery's rules
   * over the store's vocabulary (the two must agree; tests/core/storedIndex.test.ts holds them to it).
   */
  parseQuery(question: string): ParsedQuery {
    this.store.sync?.();
    this.outlets();
    const has = (term: string) => this.store.term(term) !== undefined;
    const counts = new Map<string, number>();
    const named = new Set<string>();
    const surface = new Map<string, string>();
    const asWritten = new Map<string, string>();
    for (const t of tokenize(question, this.aliases)) {
      counts.set(t.term, (counts.get(t.term) ?? 0) + 1);
      surface.set(t.term, foldWord(question.slice(t.start, t.end)));
      if (!asWritten.has(t.term)) asWritten.set(t.term, question.slice(t.start, t.end));
      if (looksLikeName(question, t.start, t.end)) named.add(t.term);
    }
    const terms: QueryTerm[] = [];
    const unknown: string[] = [];
    const add = (qt: QueryTerm) => {
      const existing = terms.find((t) => t.term === qt.term);
      if (existing) existing.weight = Math.max(existing.weight, qt.weight);
      else terms.push(qt);
    };
    const names = new Set<string>();
    for (const [term] of counts) {
      if (has(term)) {
        add({ term, weight: 1 });
        if (named.has(term) || this.aliases.isName(term)) names.add(term);
      } else {
        const fixed = this.correct(term, surface.get(term) ?? term);
        if (fixed) {
          add({ term: fixed, weight: 0.7, from: term, corrected: true });
          if (named.has(term) || this.aliases.isName(fixed)) names.add(fixed);
        } else if (!placeFormsOf(term).some(has)) unknown.push(term);
      }
      for (const syn of this.aliases.synonymsOf(term))
        if (has(syn)) add({ term: syn, weight: this.ranking.synonymWeight, from: term });
      for (const place of placeFormsOf(term))
        if (has(place)) add({ term: place, weight: this.ranking.synonymWeight, from: term });
    }
    const outlets = this.outletsIn(question);
    const absentOutlets = this.absentOutletsIn(question);
    const outletWords = new Set(absentOutlets.flatMap((o) => tokenize(o, this.aliases).map((t) => t.term)));
    const unknownWords = unknown.filter((u) => !outletWords.has(u));
    return {
      terms,
      unknown: unknownWords,
      unknownNames: unknownWords.filter((u) => named.has(u)).map((u) => asWritten.get(u) ?? u),
      names: [...names],
      outlets,
      absentOutlets,
      dates: namedDates(question),
    };
  }

  /** The closest known term to a misspelt one, as NewsIndex.correct chooses it (the most widespread). */
  private correct(term: string, word: string): string | undefined {
    if (term.length < 5 || term.startsWith('_') || /\d/.test(term)) return undefined;
    const maxDistance = term.length >= 7 ? 2 : 1;
    const alias = this.aliases.closestName(word, word.length >= 7 ? 2 : 1);
    if (alias && this.store.term(alias)) return alias;
    for (const [form, base] of irregularForms()) {
      if (form[0] !== word[0] || Math.abs(form.length - word.length) > maxDistance) continue;
      const fixed = stem(base);
      if (this.store.term(fixed) && editDistance(word, form, maxDistance) <= maxDistance) return fixed;
    }
    let best: string | undefined;
    let bestScore = -1;
    for (const candidate of this.store.similarTerms(term, { distance: maxDistance })) {
      if (candidate === term || candidate[0] !== term[0]) continue;
      const df = this.articleFrequency(candidate);
      if (df > bestScore) {
        best = candidate;
        bestScore = df;
      }
    }
    if (best) return best;
    for (const candidate of this.store.similarTerms(term, { prefix: true })) {
      const df = this.articleFrequency(candidate);
      if (candidate.startsWith(term) && candidate.length - term.length <= 4 && df > bestScore) {
        best = candidate;
        bestScore = df;
      }
    }
    return best;
  }

  nearestWords(term: string, n: number): string[] {
    if (term.length < 3 || term.startsWith('_') || /\d/.test(term)) return [];
    const found = new Map<string, number>();
    const distance = Math.min(3, Math.max(1, Math.floor(term.length / 3)));
    for (const candidate of this.store.similarTerms(term, { distance }))
      if (candidate !== term && candidate[0] === term[0]) found.set(candidate, this.articleFrequency(candidate));
    const out: string[] = [];
    const group = this.aliases.closestName(term, 2);
    const alias =
      group && this.store.term(group) ? this.aliases.groups.find((g) => g.term === group)?.names[0] : undefined;
    if (alias) out.push(alias);
    for (const [candidate] of [...found].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))) {
      const word = this.surfaceOf(candidate);
      if (word && !out.includes(word)) out.push(word);
      if (out.length >= n) break;
    }
    return out;
  }

  /** A word of the archive's text that makes the index term. */
  private surfaceOf(term: string): string | undefined {
    const id = this.store.term(term)?.id;
    const a = id === undefined ? undefined : this.store.articleWith(id);
    if (a === undefined) return undefined;
    const [from, to] = this.passageRange(a);
    for (let p = from; p < to; p++) {
      const t = this.passageTokens(p).find((x) => x.term === term);
      if (t) return this.passage(p).text.slice(t.start, t.end);
    }
    return undefined;
  }

  private absentOutletsIn(question: string): string[] {
    const found = new Set<string>();
    for (const m of question.matchAll(OUTLET_PATTERN)) {
      const name = m[0];
      if (found.has(name)) continue;
      const key = compact(name);
      if (!this.sourceKeys.some((s) => s.includes(key))) found.add(name);
    }
    return [...found];
  }

  private outletsIn(question: string): string[] {
    if (this.outletNames.length === 0) return [];
    const q = ` ${foldWord(question).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
    const found = new Set<string>();
    for (const { name, source } of this.outletNames) if (q.includes(` ${name} `)) found.add(source);
    return [...found];
  }
}

/** BM25 of passage i of an article for the question terms in `slotOf` (NewsIndex.scorePassage's measure). */
function scorePassage(
  record: StoredArticle,
  i: number,
  slotOf: Int32Array,
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
    const slot = x < slotOf.length ? slotOf[x]! : -1;
    if (slot >= 0) {
      tf[slot]!++;
      any = true;
      if (prev !== slot && t - prevAt === 1) near += Math.min(weights[prev]!, weights[slot]!);
      prev = slot;
      prevAt = t;
    }
  }
  if (!any) return 0;
  const norm = r.k1 * (1 - r.b + (r.b * (end - start)) / avgPassageLength);
  let score = r.proximity * near;
  for (let s = 0; s < weights.length; s++) {
    const f = tf[s]!;
    if (f > 0) score += (weights[s]! * f * (r.k1 + 1)) / (f + norm);
  }
  return score;
}
