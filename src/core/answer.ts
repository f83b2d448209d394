import type { ParsedQuery, PassageHit } from './search.js';
import type { AnswerIndex } from './answerIndex.js';
import { buildResult, passageTexts, termWeights } from './excerpt.js';
import { holdsExpected, wantedBy } from './answer-type.js';
import { DEFAULT_POLICY, judgeEvidence, type AnswerPolicy } from './policy.js';
import { RERANK_POOL, rerank } from './rerank.js';
import { withTimeNotes, type NewerArticle } from './newer.js';
import { newestFirst } from './recent.js';
import { articleQuoting, quotedPhrases } from './quoted.js';
import { isAcronym, spelledOut } from './acronyms.js';

/** The longest question accepted, in characters; the Discord option shares it. */
export const MAX_QUESTION_CHARS = 1000;

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
  /** The passage's position within its article (stable across rebuilds of the same corpus). */
  position: number;
  /** A later article on the same subject, when the archive holds one (see newer.ts). */
  newer?: NewerArticle;
}

export interface NearestArticle {
  articleId: string;
  title: string;
  url?: string;
  published?: string;
}

/** Why a question got no quoted answer. */
export type RefusalReason =
  'empty' | 'too-long' | 'no-terms' | 'no-match' | 'unknown-name' | 'unknown-outlet' | 'weak-match';

export interface Answer {
  question: string;
  answered: boolean;
  reason?: RefusalReason;
  /** A short sentence for people, set when `answered` is false. */
  message?: string;
  results: AnswerResult[];
  /** When refused: the articles that came closest, for the reader to look at. */
  nearest: NearestArticle[];
  /** When refused over words the archive never saw: the closest words it holds ("did you mean"). */
  suggestions?: string[];
  /** The newest publication date among the quoted articles (ISO), when any is dated. */
  asOf?: string;
}

export interface AnswerOptions {
  k: number;
  perArticle?: number;
  /** Skip this many results (for "more results" pages). */
  offset?: number;
  /** Thresholds that decide between answering and refusing (see policy.ts). */
  policy?: Partial<AnswerPolicy>;
  /**
   * False quotes whatever ranks first, however weak, and keeps every result: for scoring the
   * ranking (eval, bench), where a refusal would hide what was found.
   */
  refuse?: boolean;
  /** The time "last week" and "since March" count from (default: the clock). */
  now?: Date;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerOptions = { k: 3 };

const REFUSALS: Record<RefusalReason, string> = {
  empty: 'Ask a question with a few words in it, for example: "Who is fleeing Deir Ezzor?"',
  'too-long': `That question is too long: keep it under ${MAX_QUESTION_CHARS} characters.`,
  'no-terms': 'That question has no words to search for. Try naming a person, place or event.',
  'no-match': 'The archive has nothing on that.',
  'unknown-name': 'The archive has nothing on that name.',
  'unknown-outlet': 'The archive has no articles from that outlet.',
  'weak-match': 'The archive has no article that answers that.',
};

/**
 * The results, from the first shown, whose "who" quotes are given the whole name of someone they
 * name by surname alone: the three a reply shows (the bot's default k). The search reads back
 * through the article, and a bench's ten results would pay it ten times.
 */
const NAMED_RESULTS = 3;

/** The question with each acronym among `names` that article a spells out written out as it does. */
function writtenOutIn(index: AnswerIndex, a: number, question: string, names: readonly string[]): string {
  const acronyms = names.filter(isAcronym);
  if (acronyms.length === 0) return question;
  const [from, to] = index.passageRange(a);
  const texts = [index.article(a).title];
  for (let p = from; p < to; p++) texts.push(index.passage(p).text);
  const text = texts.join('\n');
  let out = question;
  for (const acronym of acronyms) {
    const phrase = spelledOut(acronym, text);
    if (phrase) out = out.replace(acronym, () => phrase);
  }
  return out;
}

/** Answers a question from the index: quoted excerpts, or an honest refusal with the nearest articles. */
export function answerQuestion(
  index: AnswerIndex,
  rawQuestion: string,
  options: Partial<AnswerOptions> = {},
  /** Set when the question is already asked again with its acronyms written out: never twice. */
  writtenOutAlready = false,
): Answer {
  const opts = { ...DEFAULT_ANSWER_OPTIONS, ...options };
  const question = rawQuestion.trim();
  if (question.length > MAX_QUESTION_CHARS) return refuse(headOf(question, 100), 'too-long', []);
  if (!/[\p{L}\p{N}]/u.test(question)) return refuse(question, 'empty', []);
  const query = index.parseQuery(question, opts.now);
  if (query.terms.length === 0) return refuse(question, query.unknown.length ? 'no-match' : 'no-terms', []);
  const offset = opts.offset ?? 0;
  const want = opts.k + offset;
  // Phrases the question quotes (quoted.ts): an article holding one as written gains in the rerank,
  // and one of several words in the best result's article spares it the weak-match refusal. NewsQA
  // dev top-1 a 0.7620 -> 0.7635, b 0.7599 -> 0.7599, R@10 a 0.9207 -> 0.9207, b 0.9244 -> 0.9257;
  // MultiHop-RAG nDCG@10 a 0.8352 -> 0.8361, b 0.8404 -> 0.8413, refusals unchanged on all four.
  const phrases = quotedPhrases(question);
  const longPhrases = phrases.filter((p) => p.includes(' '));
  const pool = Math.max(want, RERANK_POOL);
  const deep = index.rank(query, {
    // A quoted phrase can lift an article from deeper down: the candidates below the pool that hold it join it.
    k: Math.max(pool, phrases.length > 0 ? index.ranking.candidates : 0),
    candidates: Math.max(index.ranking.candidates, want * 3),
    ...(opts.perArticle ? { perArticle: opts.perArticle } : {}),
  });
  // Each hit's evidence, weighed once: the model reorders by it, the cut of weak results reads it again.
  const weigh = evidenceWeigher(index, query);
  const evidenceByPassage = new Map<number, EvidenceShare>();
  const evidenceFor = (h: PassageHit): EvidenceShare => {
    let e = evidenceByPassage.get(h.passage);
    if (!e) evidenceByPassage.set(h.passage, (e = evidenceOf(index, query, h, weigh)));
    return e;
  };
  const wanted = wantedBy(question);
  // The rerank reads its candidates' text, the excerpts the quoted ones' again: decoded once.
  const texts = passageTexts(index);
  const quotes = articleQuoting(index, phrases, texts);
  const quotesLong = articleQuoting(index, longPhrases, texts);
  const ranked = deep.length > pool ? deep.filter((h, i) => i < pool || quotes(h.article)) : deep;
  const reranked = rerank(index, query, ranked, (h) => ({
    ...evidenceFor(h),
    quoted: quotes(h.article),
    answerHeld: wanted.type !== null && holdsExpected(texts(h.passage), wanted.type, wanted.asked),
  }));
  // "latest", "now", "still": the newest of the nearly best first, on the final order.
  const hits = (query.time.recent ? newestFirst(reranked, (a) => index.article(a)) : reranked).slice(0, want);
  if (hits.length === 0) return refuse(question, 'no-match', []);
  const weights = termWeights(index, query);
  if (opts.refuse === false)
    return {
      question,
      answered: true,
      results: hits
        .slice(offset)
        .map((h, i) => buildResult(index, h, weights, question, { want: wanted, texts, nameWhole: i < NAMED_RESULTS })),
      nearest: [],
    };
  // An acronym the archive never saw that the best result's article writes out ("USCG", "U.S.
  // Coast Guard"): the question is asked again as the archive writes it.
  const writtenOut = writtenOutAlready ? question : writtenOutIn(index, hits[0]!.article, question, query.unknownNames);
  if (writtenOut !== question) return { ...answerQuestion(index, writtenOut, options, true), question };
  const policy = { ...DEFAULT_POLICY, ...opts.policy };
  const evidence = evidenceFor(hits[0]!);
  const coverage = evidence.coverage;
  const article = articleEvidenceOf(index, query, hits[0]!);
  const refusal = judgeEvidence(
    {
      coverage,
      held: evidence.held,
      name: evidence.name,
      asked: evidence.asked,
      namesMissed: evidence.namesMissed,
      articleCoverage: article.coverage,
      articleNamesMissed: article.namesMissed,
      unknownWords: query.unknown.length,
      unknownNames: query.unknownNames.length,
      absentOutlets: query.absentOutlets.length,
      knownOutlets: query.outlets.length,
      quotedHeld: longPhrases.length > 0 && quotesLong(hits[0]!.article),
    },
    policy,
  );
  if (refusal) {
    const refused = refuse(
      question,
      refusal,
      hits.slice(0, 3).map((h) => nearestOf(index, h)),
    );
    if (refusal === 'unknown-outlet')
      refused.message = `The archive has no articles from ${query.absentOutlets.slice(0, 3).join(' or ')}.`;
    if (refusal === 'unknown-name')
      refused.message = `The archive has nothing on ${query.unknownNames
        .slice(0, 3)
        .map((n) => `“${n}”`)
        .join(', ')}.`;
    // Words the archive never saw may be misspelt past correcting: offer the closest it holds.
    const names = new Set(query.unknownNameTerms);
    const suggestions = [...new Set(query.unknown.flatMap((u) => index.nearestWords(u, 2, names.has(u))))].slice(0, 3);
    if (suggestions.length > 0 && refusal !== 'unknown-outlet') {
      refused.suggestions = suggestions;
      refused.message += ` Did you mean ${suggestions.map((w) => `“${w}”`).join(' or ')}?`;
    }
    return refused;
  }
  // A result far weaker than the first is noise next to it: leave it out.
  const floor = coverage * policy.minRelativeCoverage;
  const kept = hits.filter((h, i) => i === 0 || policy.minRelativeCoverage === 0 || evidenceFor(h).coverage >= floor);
  return withTimeNotes(index, {
    question,
    answered: true,
    results: kept
      .slice(offset)
      .map((h, i) => buildResult(index, h, weights, question, { want: wanted, texts, nameWhole: i < NAMED_RESULTS })),
    nearest: [],
  });
}

/**
 * The question answered from one article only (a "Newer in the archive" button): its best
 * excerpt, or its opening when it holds none of the question's words; undefined when no such article.
 */
export function quoteArticle(
  index: AnswerIndex,
  question: string,
  article: number,
  /** Quote only the sentence that matches and its neighbour (a topic alert), not as much as fits. */
  brief = false,
): Answer | undefined {
  const range =
    Number.isInteger(article) && article >= 0 && article < index.articleCount ? index.passageRange(article) : undefined;
  if (!range || range[0] === range[1]) return undefined;
  const query = index.parseQuery(question);
  const [hit] = query.terms.length ? index.rank(query, { k: 1, only: (a) => a === article }) : [];
  const opening: PassageHit = {
    passage: range[0],
    article,
    score: 0,
    articleEvidence: 0,
    passageEvidence: 0,
    matched: [],
  };
  const weights = termWeights(index, query);
  const result = buildResult(index, hit ?? opening, weights, question, { around: !brief });
  return withTimeNotes(index, { question, answered: true, results: [result], nearest: [] });
}

/** The first `n` UTF-16 units of `text`, less a trailing half of an emoji. */
function headOf(text: string, n: number): string {
  const head = text.slice(0, n);
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

function refuse(question: string, reason: RefusalReason, nearest: NearestArticle[]): Answer {
  return { question, answered: false, reason, message: REFUSALS[reason], results: [], nearest };
}

function nearestOf(index: AnswerIndex, hit: PassageHit): NearestArticle {
  const a = index.article(hit.article);
  const n: NearestArticle = { articleId: a.id, title: a.title };
  if (a.url) n.url = a.url;
  if (a.published) n.published = a.published;
  return n;
}

/**
 * Share of the question's informative weight that the best result holds in its passage or
 * title. Each word asked weighs its IDF; a word the archive has never seen weighs the most and
 * is never held. A word held only through a synonym or a spelling correction counts in part.
 */
export function evidenceCoverage(index: AnswerIndex, query: ParsedQuery, hit: PassageHit): number {
  return evidenceOf(index, query, hit).coverage;
}

/** How much of the question a result holds: the weighted share, and how many words asked it holds. */
export function evidenceOf(
  index: AnswerIndex,
  query: ParsedQuery,
  hit: PassageHit,
  weigh: (has: (term: string) => boolean) => EvidenceShare = evidenceWeigher(index, query),
): EvidenceShare {
  const title = index.titleTerms(hit.article);
  // The matched terms are a few: looked through, not put in a set for every hit weighed.
  return weigh((term) => hit.matched.includes(term) || title.has(term));
}

/** How much of the question the hit's whole article holds (title and every passage): the same measures. */
export function articleEvidenceOf(
  index: AnswerIndex,
  query: ParsedQuery,
  hit: PassageHit,
): { coverage: number; namesMissed: number } {
  const held = index.articleHolds(hit.article, [...query.terms.map((t) => t.term), ...query.names]);
  const e = weighEvidence(index, query, (term) => held.has(term));
  return { coverage: e.coverage, namesMissed: e.namesMissed };
}

type EvidenceShare = { coverage: number; held: number; asked: number; name: boolean; namesMissed: number };

function weighEvidence(index: AnswerIndex, query: ParsedQuery, has: (term: string) => boolean): EvidenceShare {
  return evidenceWeigher(index, query)(has);
}

/**
 * The question's words weighed once (each its IDF, grouped with its synonyms and corrections),
 * then a function that measures what a result holds of them: ranking weighs many results.
 */
function evidenceWeigher(index: AnswerIndex, query: ParsedQuery): (has: (term: string) => boolean) => EvidenceShare {
  const maxIdf = index.passageIdf('');
  const groups = new Map<
    string,
    { weight: number; own: boolean; forms: Array<{ term: string; idf: number; credit: number }> }
  >();
  // Each word asked weighs its own IDF; a word the archive knows only by a synonym or a corrected
  // spelling ("spokesperson" for "spokesman") weighs as its rarest known form.
  for (const t of query.terms) {
    const asked = t.from ?? t.term;
    const g = groups.get(asked) ?? { weight: 0, own: false, forms: [] };
    const idf = index.passageIdf(t.term);
    if (!t.from) {
      g.weight = idf;
      g.own = true;
    } else if (!g.own) g.weight = Math.max(g.weight, idf);
    g.forms.push({ term: t.term, idf, credit: t.from ? PARTIAL_CREDIT : 1 });
    groups.set(asked, g);
  }
  const weighed = [...groups.values()].map((g) => ({ weight: g.weight > 0 ? g.weight : maxIdf, forms: g.forms }));
  let total = 0;
  for (const g of weighed) total += g.weight;
  // A name the archive has never seen is what the question is about: it weighs double.
  total += (query.unknown.length + query.unknownNames.length) * maxIdf;
  return (has) => {
    let held = 0;
    let heldGroups = 0;
    for (const g of weighed) {
      // A form held earns its credit of the word's weight, never more than its own IDF: a common
      // synonym found does not stand in for a rare word asked.
      let best = 0;
      for (const f of g.forms) if (has(f.term)) best = Math.max(best, Math.min(f.idf, g.weight) * f.credit);
      held += best;
      if (best > 0) heldGroups++;
    }
    return {
      coverage: total > 0 ? held / total : 0,
      held: heldGroups,
      asked: groups.size + query.unknown.length,
      name: query.names.some(has),
      namesMissed: query.names.filter((n) => !has(n)).length,
    };
  };
}

/** What a synonym or a corrected spelling earns of the word asked. */
const PARTIAL_CREDIT = 0.7;

export { type TermWeight } from './excerpt.js';
export { MAX_EXCERPT_CHARS } from './excerpt-window.js';
