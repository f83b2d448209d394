import type { NewsIndex, ParsedQuery, PassageHit } from './search.js';
import { tokenize } from './text.js';

/** The longest question accepted, in characters; the Discord option shares it. */
export const MAX_QUESTION_CHARS = 1000;
/** The longest excerpt, in characters, ellipses included. */
export const MAX_EXCERPT_CHARS = 400;
const ELLIPSIS = '…';

export interface AnswerResult {
  articleId: string;
  title: string;
  url?: string;
  published?: string;
  source?: string;
  heading?: string;
  /** The sentence or two that answer, cut at sentence (or word) boundaries. */
  excerpt: string;
  /** [start, end) offsets of matched words in `excerpt`, for renderers to bold. */
  highlights: Array<[number, number]>;
  score: number;
  /** Index of the passage the excerpt comes from (for "full passage"). */
  passage: number;
}

export interface NearestArticle {
  articleId: string;
  title: string;
  url?: string;
  published?: string;
}

/** Why a question got no quoted answer. */
export type RefusalReason = 'empty' | 'too-long' | 'no-terms' | 'no-match' | 'weak-match';

export interface Answer {
  question: string;
  answered: boolean;
  reason?: RefusalReason;
  /** A short sentence for people, set when `answered` is false. */
  message?: string;
  results: AnswerResult[];
  /** When refused: the articles that came closest, for the reader to look at. */
  nearest: NearestArticle[];
}

export interface AnswerOptions {
  k: number;
  perArticle?: number;
  /** Skip this many results (for "more results" pages). */
  offset?: number;
  /** Share of the question's weight that the best passage must hold to count as an answer. */
  minCoverage: number;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerOptions = { k: 3, minCoverage: 0.4 };

const REFUSALS: Record<RefusalReason, string> = {
  empty: 'Ask a question with a few words in it, for example: "Who is fleeing Deir Ezzor?"',
  'too-long': `That question is too long: keep it under ${MAX_QUESTION_CHARS} characters.`,
  'no-terms': 'That question has no words to search for. Try naming a person, place or event.',
  'no-match': 'The archive has nothing on that.',
  'weak-match': 'The archive has no article that answers that.',
};

/** Answers a question from the index: quoted excerpts, or an honest refusal with the nearest articles. */
export function answerQuestion(index: NewsIndex, rawQuestion: string, options: Partial<AnswerOptions> = {}): Answer {
  const opts = { ...DEFAULT_ANSWER_OPTIONS, ...options };
  const question = rawQuestion.trim();
  if (question.length > MAX_QUESTION_CHARS) return refuse(question.slice(0, 100), 'too-long', []);
  if (!/[\p{L}\p{N}]/u.test(question)) return refuse(question, 'empty', []);
  const query = index.parseQuery(question);
  if (query.terms.length === 0) return refuse(question, query.unknown.length ? 'no-match' : 'no-terms', []);
  const offset = opts.offset ?? 0;
  const hits = index.rank(query, { k: opts.k + offset, ...(opts.perArticle ? { perArticle: opts.perArticle } : {}) });
  if (hits.length === 0) return refuse(question, 'no-match', []);
  const coverage = evidenceCoverage(index, query, hits[0]!);
  if (coverage < opts.minCoverage) return refuse(question, 'weak-match', hits.slice(0, 3).map((h) => nearestOf(index, h)));
  const weights = termWeights(index, query);
  return {
    question,
    answered: true,
    results: hits.slice(offset).map((h) => buildResult(index, h, weights, question)),
    nearest: [],
  };
}

function refuse(question: string, reason: RefusalReason, nearest: NearestArticle[]): Answer {
  return { question, answered: false, reason, message: REFUSALS[reason], results: [], nearest };
}

function nearestOf(index: NewsIndex, hit: PassageHit): NearestArticle {
  const a = index.articles[hit.article]!;
  const n: NearestArticle = { articleId: a.id, title: a.title };
  if (a.url) n.url = a.url;
  if (a.published) n.published = a.published;
  return n;
}

/**
 * Share of the question's informative weight (IDF of each term asked) that the best result
 * holds in its passage or title. Words the archive has never seen count fully against it.
 */
export function evidenceCoverage(index: NewsIndex, query: ParsedQuery, hit: PassageHit): number {
  const asked = query.terms.filter((t) => t.weight >= 0.7);
  const matched = new Set(hit.matched);
  const title = new Set(tokenize(index.articles[hit.article]!.title, index.aliases).map((t) => t.term));
  const maxIdf = Math.log(1 + (index.articles.length + 0.5) / 0.5);
  let total = query.unknown.length * maxIdf;
  let held = 0;
  for (const t of asked) {
    const w = index.idf(t.term) * t.weight;
    total += w;
    if (matched.has(t.term) || title.has(t.term)) held += w;
  }
  // A synonym standing in for a missing word earns part of that word's weight.
  for (const t of query.terms) {
    if (t.weight < 0.7 && t.from && matched.has(t.term) && !asked.some((a) => a.term === t.from && matched.has(a.term))) {
      held += index.idf(t.term) * t.weight;
    }
  }
  return total > 0 ? held / total : 0;
}

function termWeights(index: NewsIndex, query: ParsedQuery): Map<string, number> {
  return new Map(query.terms.map((t) => [t.term, index.idf(t.term) * t.weight]));
}

// Questions that ask for a number or a date want the sentence that holds one.
const WANTS_NUMBER = /\b(how many|how much|how long|how far|how old|number of|when|what year|what date|which year|which day|how big|how large)\b/i;

function buildResult(index: NewsIndex, hit: PassageHit, weights: Map<string, number>, question: string): AnswerResult {
  const article = index.articles[hit.article]!;
  const passage = index.passages[hit.passage]!;
  const { text, highlights } = excerptOf(passage.text, passage.sentences, weights, index, WANTS_NUMBER.test(question));
  const r: AnswerResult = {
    articleId: article.id,
    title: article.title,
    excerpt: text,
    highlights,
    score: Math.round(hit.score * 1000) / 1000,
    passage: hit.passage,
  };
  if (article.url) r.url = article.url;
  if (article.published) r.published = article.published;
  if (article.source) r.source = article.source;
  if (passage.heading) r.heading = passage.heading;
  return r;
}

interface Excerpt {
  text: string;
  highlights: Array<[number, number]>;
}

/** Picks the sentence (and a neighbour, when it helps and fits) that holds most of the question. */
export function excerptOf(
  text: string,
  sentenceOffsets: readonly number[],
  weights: ReadonlyMap<string, number>,
  index: Pick<NewsIndex, 'aliases'>,
  wantsNumber = false,
): Excerpt {
  const spans: Array<[number, number]> = [];
  for (let i = 0; i + 1 < sentenceOffsets.length; i += 2) spans.push([sentenceOffsets[i]!, sentenceOffsets[i + 1]!]);
  if (spans.length === 0) spans.push([0, text.length]);
  const tokens = tokenize(text, index.aliases);
  const scoreOf = ([s, e]: [number, number]) => {
    const seen = new Set<string>();
    let score = 0;
    for (const t of tokens) {
      if (t.start < s || t.end > e || seen.has(t.term)) continue;
      const w = weights.get(t.term);
      if (w !== undefined) {
        seen.add(t.term);
        score += w;
      }
    }
    if (wantsNumber && /\d/.test(text.slice(s, e))) score *= 1.5;
    return score;
  };
  const scores = spans.map(scoreOf);
  let best = 0;
  for (let i = 1; i < spans.length; i++) if (scores[i]! > scores[best]!) best = i;
  let [from, to] = spans[best]!;
  // Add the neighbour that holds more of the question, if the two still fit.
  const prev = best > 0 ? best - 1 : -1;
  const next = best + 1 < spans.length ? best + 1 : -1;
  const order = [next, prev].filter((i) => i >= 0).sort((x, y) => scores[y]! - scores[x]!);
  for (const i of order) {
    const [s, e] = spans[i]!;
    const nf = Math.min(from, s);
    const nt = Math.max(to, e);
    if (scores[i]! > 0 && nt - nf <= MAX_EXCERPT_CHARS) {
      [from, to] = [nf, nt];
      break;
    }
  }
  if (to - from > MAX_EXCERPT_CHARS) [from, to] = densestWindow(text, tokens, weights, from, to);
  const head = from > spans[0]![0] && !isSentenceStart(text, from, spans) ? ELLIPSIS : '';
  const tail = to < spans[spans.length - 1]![1] && !isSentenceEnd(to, spans) ? ELLIPSIS : '';
  const body = text.slice(from, to);
  const highlights: Array<[number, number]> = [];
  for (const t of tokens) {
    if (t.start >= from && t.end <= to && weights.has(t.term)) highlights.push([t.start - from + head.length, t.end - from + head.length]);
  }
  return { text: head + body + tail, highlights };
}

function isSentenceStart(_text: string, at: number, spans: Array<[number, number]>): boolean {
  return spans.some(([s]) => s === at);
}
function isSentenceEnd(at: number, spans: Array<[number, number]>): boolean {
  return spans.some(([, e]) => e === at);
}

/** The stretch of at most the excerpt limit (less room for ellipses) holding the most question weight, cut at words. */
function densestWindow(
  text: string,
  tokens: ReturnType<typeof tokenize>,
  weights: ReadonlyMap<string, number>,
  from: number,
  to: number,
): [number, number] {
  const room = MAX_EXCERPT_CHARS - 2 * ELLIPSIS.length;
  const inside = tokens.filter((t) => t.start >= from && t.end <= to && weights.has(t.term));
  let bestStart = from;
  let bestScore = -1;
  for (const anchor of [{ start: from }, ...inside]) {
    const start = anchor.start;
    const end = Math.min(to, start + room);
    const seen = new Set<string>();
    let score = 0;
    for (const t of inside) {
      if (t.start >= start && t.end <= end && !seen.has(t.term)) {
        seen.add(t.term);
        score += weights.get(t.term)!;
      }
    }
    if (score > bestScore) {
      bestScore = score;
      bestStart = start;
    }
  }
  // Start a little before the first match so it reads as a phrase, at a word boundary.
  let start = Math.max(from, bestStart - 60);
  if (start > from) {
    const space = text.lastIndexOf(' ', bestStart);
    start = Math.max(start, space >= from ? Math.min(space + 1, bestStart) : start);
    while (start > from && /\S/.test(text[start - 1]!)) start--;
  }
  let end = Math.min(to, start + room);
  if (end < to) {
    const space = text.lastIndexOf(' ', end);
    if (space > start) end = space;
  }
  while (end > start && /[\s,;:]/.test(text[end - 1]!)) end--;
  return [start, end];
}
