/**
 * "Newer in the archive": for an article an answer quotes, a later article on the same subject.
 * Same subject means the two share their key terms (each article's most distinctive words by
 * TF-IDF) and the names they mention, not just a word or two: a later article that merely says
 * "Syria" is not a follow-up to every story about Syria. Cheap enough for the answer path: it
 * reads the quoted articles' own terms and, for candidates, the postings of a few rare terms.
 */
import type { AnswerIndex, KeyProfile } from './answerIndex.js';
import { Lru } from './lru.js';

/** A later article on the same subject as a quoted one. */
export interface NewerArticle {
  articleId: string;
  title: string;
  published: string;
  url?: string;
}

export interface NewerOptions {
  /** Key terms kept per article (the most distinctive, by TF-IDF). */
  keyTerms: number;
  /** Of those, the rarest few whose postings propose candidates. */
  probeTerms: number;
  /** Candidates compared in full, the best proposed first. */
  candidates: number;
  /** Cosine of the two key-term vectors at least this: they are about the same thing. */
  minSimilarity: number;
  /** Names (capitalised mid-sentence, or an alias group's name) the two must share. */
  minSharedNames: number;
  /**
   * Dates read per quoted article, the best proposed first: past this many not later (copies of
   * it, older stories on the subject), no later candidate is looked for.
   */
  datesRead: number;
}

/**
 * Chosen by reading, on MultiHop-RAG's dated corpus (609 articles), the best later candidate of
 * every article: at a similarity of 0.5, 45 articles get a note and nearly all pairs are the same
 * story told again (the same trial, the same probe, the same couple) or the next of a series
 * (this week's rankings after last week's); at 0.3 (127) most were only the same beat (two card
 * reviews, two match reports). Names weigh three times other words (NAME_WEIGHT).
 */
export const DEFAULT_NEWER: NewerOptions = {
  keyTerms: 25,
  probeTerms: 8,
  candidates: 8,
  minSimilarity: 0.5,
  minSharedNames: 2,
  datesRead: 200,
};

/** How much more a name weighs than another word of the same frequency. */
const NAME_WEIGHT = 3;

/**
 * Counts an article's words for its key-term profile: each word of its passages (numbers left
 * out), which of them are names, and its headline's words. The memory backend counts when a
 * profile is first asked; the sqlite backend when the article is inserted (see keyProfile).
 */
export class KeyTermCounter {
  private readonly counts = new Map<string, number>();
  private readonly names = new Set<string>();

  constructor(private readonly aliases: Pick<AnswerIndex['aliases'], 'isName'>) {}

  /** A word of a passage: its index term, the passage's text and where the word starts in it. */
  word(term: string, text: string, start: number): void {
    // Numbers say little about a subject (an alias group's term, "_isis", says much: it stays).
    if (/\d/.test(term)) return;
    this.counts.set(term, (this.counts.get(term) ?? 0) + 1);
    if (this.aliases.isName(term) || isNameAt(text, start)) this.names.add(term);
  }

  /** The headline's index terms: the headline says what the story is, its words count as two mentions more. */
  title(terms: Iterable<string>): void {
    for (const t of terms) if (!/\d/.test(t)) this.counts.set(t, (this.counts.get(t) ?? 0) + 2);
  }

  /** The key terms by TF-IDF over an archive of `total` articles, and which of them are names. */
  profile(articleFrequency: (term: string) => number, total: number, keyTerms: number): KeyProfile {
    const weighted = [...this.counts]
      // IDF as ln(1 + N/df): never near zero, so in a small archive on one story the story's own
      // words still weigh (BM25's IDF all but drops a word every article holds).
      // A name (a person, a place, a group) says what the story is about more than any other word.
      .map(([term, n]) => {
        const idf = Math.log(1 + total / Math.max(1, articleFrequency(term)));
        return [term, (1 + Math.log(n)) * idf * (this.names.has(term) ? NAME_WEIGHT : 1)] as const;
      })
      .filter(([, w]) => w > 0)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .slice(0, keyTerms);
    const norm = Math.hypot(...weighted.map(([, w]) => w)) || 1;
    return {
      vector: new Map(weighted.map(([t, w]) => [t, w / norm])),
      names: new Set(weighted.filter(([t]) => this.names.has(t)).map(([t]) => t)),
    };
  }
}

const profiles = new WeakMap<AnswerIndex, Map<string, KeyProfile>>();
const CACHE_SIZE = 5_000;

/** Key terms and names of article a (cached per index: answers quote the same articles again and again). */
export function profileOf(served: AnswerIndex, a: number, options: NewerOptions): KeyProfile {
  // Worked out over the main index for its own articles when a delta lies over it: every change
  // makes a new delta, and each would otherwise work out every profile again (100-300 ms on the
  // first answers after an add). Its term statistics then leave the delta's few articles out.
  const index = served.lastingIndexOf?.(a) ?? served;
  // An index that keeps its articles' profiles (the sqlite backend's, made on insert) gives them:
  // working one out reads every word of the article, 0.5-5 s a question on a loaded 10x archive.
  // They are not kept here too: the store keeps them within its memory budget, and drops them when
  // its writer works them out again over a grown archive (this cache would keep the old ones).
  const stored = index.keyProfile?.(a, options.keyTerms);
  if (stored) return stored;
  let cache = profiles.get(index);
  if (!cache) profiles.set(index, (cache = new Map()));
  const key = `${options.keyTerms}:${a}`;
  const cached = cache.get(key);
  if (cached) {
    // Moved to the end: the map's order is its use, the least recently used first (see carryProfiles).
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const counter = new KeyTermCounter(index.aliases);
  const [from, to] = index.passageRange(a);
  for (let p = from; p < to; p++) {
    const text = index.passage(p).text;
    for (const t of index.passageTokens(p)) counter.word(t.term, text, t.start);
  }
  counter.title(index.titleTerms(a));
  const profile = counter.profile((t) => index.articleFrequency(t), index.held().articles, options.keyTerms);
  // The least recently used one goes: clearing all at once made every answer after it work its
  // articles out again, and a rebuild carried only what had been made since.
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, profile);
  return profile;
}

/** How many profiles warmProfiles works out as a serving process starts. */
export const PROFILES_CARRIED = 2_000;

/**
 * Works out again over `to` (a rebuilt index about to replace `from`) the profiles held for
 * `from` (the `limit` most recently used), a step each (a millisecond or less): what a serving
 * process does in slices before it swaps, since every profile answers work out anew was the stall
 * after a swap (at 10x a cold index answered in up to 133 ms, the warm one in 17). All of them
 * (at most the cache's 5,000): carrying the 2,000 made last left out the start's warm-up, and a
 * shard's answers after its reload took 20-55 ms of its CPU where they took 5-15 before.
 * Worked out, not copied: the new index's term statistics differ.
 */
export function* carryProfiles(
  from: AnswerIndex,
  to: AnswerIndex & { articleNumber(id: string): number | undefined },
  limit = CACHE_SIZE,
): Generator<void> {
  const made = profiles.get(from);
  if (!made) return;
  // In their order of use, so that the new index's cache lets the same ones go first.
  const keys = [...made.keys()].slice(-limit);
  for (const key of keys) {
    const [keyTerms, a] = key.split(':').map(Number) as [number, number];
    if (a >= from.articleCount) continue;
    const b = to.articleNumber(from.article(a).id);
    if (b !== undefined) profileOf(to, b, { ...DEFAULT_NEWER, keyTerms });
    yield;
  }
}

/** The article numbers whose profiles are held for `index`, the least recently used first (tests, diagnostics). */
export function heldProfiles(index: AnswerIndex): number[] {
  return [...(profiles.get(index)?.keys() ?? [])].map((key) => Number(key.split(':')[1]));
}

/**
 * Works out the profiles of the first `limit` dated articles, a step each: what a serving process
 * does in slices as it starts (see warmup.ts). A restarted bot otherwise worked each out on the
 * first answer to quote it or its candidates (up to nine per quoted result: 10-40 ms on such an
 * answer at 1x). Only a dated article is ever compared; an index that keeps its profiles
 * (keyProfile, the sqlite backend) has none to work out.
 */
export function* warmProfiles(index: AnswerIndex, limit = PROFILES_CARRIED): Generator<void> {
  if (index.keyProfile) return;
  let made = 0;
  for (let a = 0; a < index.articleCount && made < limit; a++) {
    let published: string | undefined;
    try {
      published = index.article(a).published;
    } catch {
      continue; // a removed article's number
    }
    if (!published) continue;
    profileOf(index, a, DEFAULT_NEWER);
    made++;
    yield;
  }
}

/** A word capitalised where a sentence does not start: a name ("fled to Idlib", not "Fleeing"). */
function isNameAt(text: string, start: number): boolean {
  if (start <= 0 || !/\p{Lu}/u.test(text[start]!)) return false;
  const before = text.slice(Math.max(0, start - 3), start).trimEnd();
  return before.length > 0 && !/[.!?:"“]$/.test(before);
}

function cosine(x: ReadonlyMap<string, number>, y: ReadonlyMap<string, number>): number {
  let dot = 0;
  for (const [t, w] of x) dot += w * (y.get(t) ?? 0);
  return dot;
}

/**
 * For each quoted article (by index), the newest later article on the same subject, if the archive
 * holds one: published on a later day, sharing key terms and names. Articles in `skip` (those the
 * answer already quotes) are never proposed.
 */
export function newerArticles(
  index: AnswerIndex,
  quoted: readonly number[],
  skip: ReadonlySet<number> = new Set(quoted),
  options: NewerOptions = DEFAULT_NEWER,
): Map<number, NewerArticle> {
  const out = new Map<number, NewerArticle>();
  for (const a of quoted) {
    const follows = followsOf(index, a, options, skip);
    if (!follows) continue;
    // The first `candidates` later ones the answer does not quote; of those on the same subject, the newest.
    let best: { article: number; published: string } | undefined;
    let taken = 0;
    for (let i = 0; i < follows.later.length; i++) {
      const b = follows.later[i]!;
      if (skip.has(b)) continue;
      if (taken++ >= options.candidates) break;
      // Whether it is on the same subject, worked out the first time it is compared.
      if (follows.same[i] === UNKNOWN) follows.same[i] = sameSubject(index, a, b, options) ? YES : NO;
      if (follows.same[i] === NO) continue;
      const published = index.article(b).published!;
      if (!best || published > best.published) best = { article: b, published };
    }
    if (best) {
      const meta = index.article(best.article);
      const note: NewerArticle = { articleId: meta.id, title: meta.title, published: best.published };
      if (meta.url) note.url = meta.url;
      out.set(a, note);
    }
  }
  return out;
}

/**
 * What article a's time note reads, worked out once per index (it depends on the archive alone):
 * the later articles its key terms propose, the best proposed first, and for each, once compared,
 * whether it is on the same subject. Kept: an answer quotes the same articles again
 * and again, and working this out was a quarter of the answer path's time (MultiHop-RAG, every
 * question twice: 9.3-10.5 s with time notes, 7.4 without). `complete` says no later candidate
 * past these was found within the dates read; else FOLLOW_SLACK more than the note compares are
 * kept for those the answer quotes itself. Null when article a has no date.
 */
interface Follows {
  later: Int32Array;
  same: Uint8Array;
  complete: boolean;
}
const UNKNOWN = 0;
const YES = 1;
const NO = 2;

/** Later candidates kept beyond `candidates`, so that those an answer quotes can be passed over. */
const FOLLOW_SLACK = 12;
const FOLLOWS_KEPT = 2_000;
const followsKept = new WeakMap<AnswerIndex, { version: unknown; kept: Lru<number, Follows | null> }>();

function followsOf(index: AnswerIndex, a: number, options: NewerOptions, skip: ReadonlySet<number>): Follows | null {
  // Other options (tests) and an answer quoting more than the slack are worked out for themselves.
  if (options !== DEFAULT_NEWER || skip.size > FOLLOW_SLACK + 1) return laterOf(index, a, options, skip, 0);
  const version = index.version?.();
  let held = followsKept.get(index);
  if (!held || held.version !== version) followsKept.set(index, (held = { version, kept: new Lru(FOLLOWS_KEPT) }));
  let follows = held.kept.get(a);
  if (follows === undefined) held.kept.set(a, (follows = laterOf(index, a, options, new Set([a]), FOLLOW_SLACK)));
  if (!follows || follows.complete) return follows;
  // Too many of those kept are quoted by this answer to leave `candidates` others: worked out for it alone.
  let others = 0;
  for (const b of follows.later) if (!skip.has(b)) others++;
  return others >= options.candidates ? follows : laterOf(index, a, options, skip, 0);
}

/** The later candidates of article a (see Follows), up to `candidates` + `slack`; null when a has no date. */
function laterOf(
  index: AnswerIndex,
  a: number,
  options: NewerOptions,
  skip: ReadonlySet<number>,
  slack: number,
): Follows | null {
  const day = a >= 0 && a < index.articleCount ? index.article(a).published?.slice(0, 10) : undefined;
  if (!day) return null;
  const own = profileOf(index, a, options);
  // Candidates: later articles holding its weightiest key terms that some other article holds too.
  const probes = [...own.vector.keys()].filter((t) => index.articleFrequency(t) > 1).slice(0, options.probeTerms);
  const proposed = new Map<number, number>();
  for (const term of probes) {
    const w = own.vector.get(term)!;
    for (const { article } of index.articlesHolding(term)) {
      if (article !== a && !skip.has(article)) proposed.set(article, (proposed.get(article) ?? 0) + w);
    }
  }
  // The best proposed first, and only their dates read until enough later ones are found: the
  // same candidates as reading every date first, without reading the date of every article holding
  // a probe term (thousands at 10x over SQLite, each a row read and decoded).
  const later: number[] = [];
  const want = options.candidates + slack;
  let read = 0;
  let complete = true;
  for (const [b] of [...proposed].sort((x, y) => y[1] - x[1] || x[0] - y[0])) {
    if (later.length >= want) {
      complete = false;
      break;
    }
    if (read++ >= options.datesRead) break;
    const published = index.article(b).published?.slice(0, 10);
    if (published && published > day) later.push(b);
  }
  return { later: Int32Array.from(later), same: new Uint8Array(later.length), complete };
}

/** Whether article b is on article a's subject: key terms alike, names shared. */
function sameSubject(index: AnswerIndex, a: number, b: number, options: NewerOptions): boolean {
  const own = profileOf(index, a, options);
  const other = profileOf(index, b, options);
  if (cosine(own.vector, other.vector) < options.minSimilarity) return false;
  // The names among both articles' key terms: the people and places each story is about.
  let shared = 0;
  let ownKeyNames = 0;
  for (const t of own.vector.keys()) {
    if (!own.names.has(t)) continue;
    ownKeyNames++;
    if (other.names.has(t) && other.vector.has(t)) shared++;
  }
  return shared >= Math.min(options.minSharedNames, ownKeyNames);
}

/**
 * An answer with its time notes: `asOf` (the newest date it quotes) and, under each quoted
 * result, a later article on the same subject (never one the answer quotes already).
 */
export function withTimeNotes<
  A extends { results: Array<{ articleId: string; passage: number; published?: string; newer?: NewerArticle }> },
>(index: AnswerIndex, answer: A): A & { asOf?: string } {
  const quoted = answer.results.map((r) => articleOfPassage(index, r.passage)).filter((a) => a >= 0);
  const newer = newerArticles(index, quoted);
  const out: A & { asOf?: string } = { ...answer };
  out.results = answer.results.map((r) => {
    const note = newer.get(articleOfPassage(index, r.passage));
    if (note) return { ...r, newer: note };
    // Noted before against other results (an answer cut to fewer): no longer true of these.
    const { newer: _stale, ...rest } = r;
    return rest as typeof r;
  });
  const dates = answer.results.map((r) => r.published).filter((d): d is string => !!d);
  if (dates.length) out.asOf = dates.reduce((x, y) => (y > x ? y : x));
  return out;
}

/** The article of passage p, or -1 when the archive holds no such passage. */
function articleOfPassage(index: AnswerIndex, p: number): number {
  return Number.isInteger(p) && p >= 0 && p < index.passageCount ? index.passage(p).article : -1;
}
