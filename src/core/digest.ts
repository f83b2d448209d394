import { evidenceOf } from './answer.js';
import { isoDate } from './parsers/common.js';
import type { ArchiveIndex } from './answerIndex.js';
import type { ParsedQuery } from './search.js';
import { splitSentences } from './sentences.js';
import { terms } from './text.js';

/** One article in a digest. */
export interface DigestItem {
  articleId: string;
  title: string;
  url?: string;
  published?: string;
  summary: string;
}

/** A digest option the user got wrong: the message says how to write it. */
export class DigestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestInputError';
  }
}

/** A year is 365.25 days, so "10y" is the ten years the limit allows. */
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_557_600_000 } as const;
/** Longest period a digest looks back: ten years. */
const MAX_SINCE_MS = 3660 * UNIT_MS.d;

/** "7d", "24h", "2w", "90m", "2y" or a date ("2026-01-31") → the cut-off. */
export function parseSince(text: string, now: Date): Date {
  const t = text.trim().toLowerCase();
  const rel = /^(\d{1,5})\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?|y|years?)$/.exec(t);
  if (rel) {
    const unit = rel[2]!.startsWith('mi') || rel[2] === 'm' ? 'm' : (rel[2]![0] as 'h' | 'd' | 'w' | 'y');
    const ms = Number(rel[1]) * UNIT_MS[unit];
    if (ms <= 0 || ms > MAX_SINCE_MS)
      throw new DigestInputError('"since" must be between 1 minute and 10 years, like 7d, 24h, 2w or 2y.');
    return new Date(now.getTime() - ms);
  }
  const date = isoDate(text.trim());
  if (date && /^\d{4}-\d{2}-\d{2}/.test(date)) {
    const at = new Date(date.length === 10 ? `${date}T00:00:00Z` : date);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new DigestInputError('"since" must look like 7d, 24h, 2w, 2y or a date like 2026-01-31.');
}

export interface DigestRequest {
  /** Only articles published (or, when undated, first seen) at or after this; an undated article never seen is left out. */
  since?: Date;
  /** Only articles about this: most of its words (aliases and other spellings count) in the article. */
  topic?: string;
  /** At most this many articles. */
  count: number;
  /** Articles already posted to the channel. */
  exclude?: ReadonlySet<string>;
  /** When each article was first seen (ISO), for undated articles. */
  firstSeen?: ReadonlyMap<string, string>;
  /**
   * Only articles that entered the archive at or after this (by `firstSeen`, whatever their date):
   * an "as they arrive" schedule posts what came in since it was made, not what was merely published since.
   */
  seenSince?: Date;
}

export type DigestVerdict = 'included' | 'already-posted' | 'too-old' | 'off-topic' | 'over-count';

export interface DigestSelection {
  items: DigestItem[];
  /** Every article of the index, with why it is in the digest or not. */
  verdicts: Map<string, DigestVerdict>;
}

/** Share of a topic's weight an article must hold to count as about it. */
const TOPIC_COVERAGE = 0.5;
/**
 * Most articles one digest holds: one Discord message carries at most 10 embeds, one per article.
 * The only copy: the CLI, /digest, /admin config and the digest service all read it.
 */
export const DIGEST_MAX_COUNT = 10;
/** Articles in a digest when no count is given (nor set for the server). */
export const DIGEST_DEFAULT_COUNT = 5;
/** The time zone digest schedules are read in when neither the schedule nor the server names one. */
export const DIGEST_DEFAULT_TIMEZONE = 'UTC';

/**
 * Chooses a digest: articles not yet posted, new enough, about the topic when one is given,
 * newest first (undated ones by when they were first seen, then in corpus order), at most `count`.
 * An undated article never seen has no date: it comes last, and `since` leaves it out (its age is
 * unknown; a 2018 page must not pass for this week's). The bot records when it first sees every
 * article, and the CLI reads those records, so both order the same archive the same way.
 * With a topic the order stays newest first: the topic decides what is in, the date what leads,
 * so 'over-count' always means "newer articles filled the digest".
 */
export function selectDigest(index: ArchiveIndex, request: DigestRequest): DigestSelection {
  const verdicts = new Map<string, DigestVerdict>();
  const seenFrom = request.seenSince?.getTime();
  const seenOk = (id: string) =>
    seenFrom === undefined || (dateOf(request.firstSeen?.get(id)) ?? Number.NEGATIVE_INFINITY) >= seenFrom;
  // With seenSince only the recent arrivals are ranked for the topic: an "as they arrive" run costs what arrived.
  const onTopic =
    request.topic === undefined
      ? undefined
      : topicArticles(index, request.topic, seenFrom === undefined ? undefined : (a) => seenOk(index.article(a).id));
  const eligible: Array<{ a: number; at: number }> = [];
  for (const { number: a, meta: article } of index.listArticles()) {
    const at = dateOf(article.published) ?? dateOf(request.firstSeen?.get(article.id));
    if (request.exclude?.has(article.id)) verdicts.set(article.id, 'already-posted');
    // Before the topic: an article that arrived before the schedule was not ranked for it.
    else if (!seenOk(article.id)) verdicts.set(article.id, 'too-old');
    else if (onTopic && !onTopic.has(a)) verdicts.set(article.id, 'off-topic');
    else if (request.since && (at === undefined || at < request.since.getTime())) verdicts.set(article.id, 'too-old');
    else eligible.push({ a, at: at ?? Number.NEGATIVE_INFINITY });
  }
  eligible.sort((x, y) => y.at - x.at || x.a - y.a);
  const count = Math.min(DIGEST_MAX_COUNT, Math.max(0, Math.floor(request.count)));
  const items: DigestItem[] = [];
  for (const { a } of eligible) {
    const article = index.article(a);
    if (items.length >= count) {
      verdicts.set(article.id, 'over-count');
      continue;
    }
    verdicts.set(article.id, 'included');
    items.push(itemOf(index, a));
  }
  return { items, verdicts };
}

function dateOf(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Articles (their positions in the index; among `only`, when given) about a topic: the index's own candidates (aliases, stems, spelling), kept where the
 * topic's words are well covered by the article as a whole (title, standfirst, every passage),
 * weighed as answers weigh their evidence.
 */
export function topicArticles(index: ArchiveIndex, topic: string, only?: (article: number) => boolean): Set<number> {
  const query = index.parseQuery(topic);
  const out = new Set<number>();
  if (query.terms.length === 0) return out;
  const asked = new Set(query.terms.map((t) => t.term));
  for (const hit of index.rank(query, { k: index.held().articles, ...(only ? { only } : {}) })) {
    const [from, to] = index.passageRange(hit.article);
    const held = new Set<string>();
    for (let p = from; p < to; p++) for (const t of index.passageTerms(p)) if (asked.has(t)) held.add(t);
    for (const t of index.titleTerms(hit.article)) if (asked.has(t)) held.add(t);
    if (evidenceOf(index, heldQuery(query, held), { ...hit, matched: [...held] }).coverage >= TOPIC_COVERAGE)
      out.add(hit.article);
  }
  return out;
}

/**
 * The query as this article answers it: of each word asked, only the forms the article holds
 * (or all of them when it holds none). evidenceOf weighs a word the archive knows only by its
 * synonyms as the rarest of them, so an article holding a common one would otherwise fall short.
 */
function heldQuery(query: ParsedQuery, held: ReadonlySet<string>): ParsedQuery {
  const groupHeld = new Set(query.terms.filter((t) => held.has(t.term)).map((t) => t.from ?? t.term));
  return { ...query, terms: query.terms.filter((t) => held.has(t.term) || !groupHeld.has(t.from ?? t.term)) };
}

function itemOf(index: ArchiveIndex, a: number): DigestItem {
  const article = index.article(a);
  const item: DigestItem = { articleId: article.id, title: article.title, summary: summarizeAt(index, a) };
  if (article.url) item.url = article.url;
  if (article.published) item.published = article.published;
  return item;
}

export const SUMMARY_MAX_CHARS = 400;
export const SUMMARY_MIN_CHARS = 20;
/** A gist this long says enough: a second sentence is added only to a shorter one. */
const SUMMARY_ENOUGH_CHARS = 160;
const SUMMARY_MAX_SENTENCES = 2;
const ELLIPSIS = '…';

/**
 * An article's gist in one or two whole sentences (20–400 characters): its standfirst, else its
 * most central sentences. Only an article with less than 20 characters of text in all gets less.
 */
export function summarize(index: ArchiveIndex, articleId: string): string {
  const a = index.articleNumber(articleId);
  if (a === undefined) throw new Error(`no article ${articleId} in the index`);
  return summarizeAt(index, a);
}

function summarizeAt(index: ArchiveIndex, a: number): string {
  const article = index.article(a);
  if (article.standfirst) {
    const gist = fit(splitSentences(article.standfirst));
    if (gist.length >= SUMMARY_MIN_CHARS) return gist;
  }
  const sentences = bodySentences(index, a);
  const full = sentences.filter((s) => s.length >= SUMMARY_MIN_CHARS);
  if (full.length > 0) return fit(centralSentences(full, article.title, index));
  // A tiny article: all it says, after its title when that alone is too short to read as a gist.
  const all = fit(sentences);
  if (all.length >= SUMMARY_MIN_CHARS || !all) return all || article.title;
  return fit([`${article.title}${/[.!?…]$/.test(article.title) ? '' : ' —'} ${all}`]);
}

/** The article's sentences in order, once each, without a repeat of its title. */
function bodySentences(index: ArchiveIndex, a: number): string[] {
  const title = normalised(index.article(a).title);
  const [from, to] = index.passageRange(a);
  const out: string[] = [];
  for (let p = from; p < to; p++) {
    // The passage's own sentence ends: re-splitting its text would glue a list item to the next.
    const { text, sentences } = index.passage(p);
    for (let i = 0; i + 1 < sentences.length; i += 2) {
      const s = text.slice(sentences[i], sentences[i + 1]).trim();
      if (s && normalised(s) !== title && !out.includes(s)) out.push(s);
    }
  }
  return out;
}

const normalised = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** A sentence that ends without a full stop is more often a list item, caption or fragment. */
const ENDS_SENTENCE = /[.!?…]["'”’)\]]*$/;

/**
 * Sentences ranked by how much of the article they stand for: the share of the article's words
 * (each counted once per sentence it appears in) a sentence holds, with the title's words counting
 * double and a small preference for the opening, where news puts its gist. Returned in article order.
 */
function centralSentences(sentences: string[], title: string, index: ArchiveIndex): string[] {
  const bags = sentences.map((s) => new Set(terms(s, index.aliases)));
  const df = new Map<string, number>();
  for (const bag of bags) for (const t of bag) df.set(t, (df.get(t) ?? 0) + 1);
  const titleTerms = new Set(terms(title, index.aliases));
  const scores = bags.map((bag, i) => {
    let s = 0;
    for (const t of bag) s += df.get(t)! - 1 + (titleTerms.has(t) ? 2 : 0);
    // Long sentences hold more words: normalise by length, gently.
    const score = (s / Math.sqrt(Math.max(bag.size, 4))) * (1 + 0.5 / (1 + i));
    return ENDS_SENTENCE.test(sentences[i]!) ? score : score * 0.6;
  });
  const order = scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  const first = order[0]![1];
  const chosen = [first];
  const second = order.find(
    ([, i]) => i !== first && sentences[first]!.length + sentences[i]!.length + 1 <= SUMMARY_MAX_CHARS,
  );
  if (second && sentences[first]!.length < SUMMARY_ENOUGH_CHARS) chosen.push(second[1]);
  return chosen.sort((x, y) => x - y).map((i) => sentences[i]!);
}

/** At most two whole sentences within the limit; a single sentence too long is cut at a word, with an ellipsis. */
function fit(sentences: readonly string[]): string {
  let out = '';
  for (const s of sentences.slice(0, SUMMARY_MAX_SENTENCES)) {
    const next = out ? `${out} ${s}` : s;
    if (next.length > SUMMARY_MAX_CHARS) break;
    out = next;
    if (out.length >= SUMMARY_ENOUGH_CHARS) break;
  }
  if (out || sentences.length === 0) return out;
  const cut = sentences[0]!
    .slice(0, SUMMARY_MAX_CHARS - ELLIPSIS.length)
    .replace(/\s+\S*$/, '')
    .replace(/[\s,;:–—-]+$/, '');
  return `${cut}${ELLIPSIS}`;
}

/** What `/digest why` knows about a verdict, to make its explanation specific. */
export interface VerdictDetails {
  /** When the article was posted to the channel before (ISO), for 'already-posted'. */
  postedAt?: string;
  /** The article's date, or when it was first seen (ISO), for 'too-old'. */
  published?: string;
  /** The digest's period as asked ("7d") or its cut-off (ISO), for 'too-old'. */
  since?: string;
  /** The digest's topic, for 'off-topic'; inserted as given, so escape the line when rendering. */
  topic?: string;
  /** How many articles the digest held, for 'over-count'. */
  count?: number;
}

/** One line for `/digest why`, a clause after "…:": why an article was or was not in a digest. */
export function explainVerdict(verdict: DigestVerdict, details: VerdictDetails = {}): string {
  switch (verdict) {
    case 'included':
      return 'it was included in that digest.';
    case 'already-posted':
      return details.postedAt
        ? `it was already posted there on ${dayOf(details.postedAt)}, so it was left out.`
        : 'it was already posted there before, so it was left out.';
    case 'too-old': {
      const dated = details.published ? `, from ${dayOf(details.published)},` : '';
      const since = details.since
        ? dateOf(details.since) === undefined
          ? `the last ${details.since}`
          : `since ${dayOf(details.since)}`
        : undefined;
      return since
        ? `it${dated} was left out as older than that digest’s period (${since}).`
        : `it${dated} was left out as too old for the period that digest covered.`;
    }
    case 'off-topic':
      return details.topic
        ? `it was left out because it is not about “${details.topic}”.`
        : 'it was left out because it is not about that digest’s topic.';
    case 'over-count':
      return details.count !== undefined
        ? `it was eligible, but ${details.count} newer ${details.count === 1 ? 'article' : 'articles'} filled the digest; it will come in a later one.`
        : 'it was eligible, but newer articles filled the digest; it will come in a later one.';
  }
}

/** The calendar day of an ISO date or date-time, as written ("2026-11-20"). */
function dayOf(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0] ?? iso;
}
