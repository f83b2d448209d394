/**
 * The last ranking step: the candidates the ranking found, reordered by a linear model over a
 * few measures of evidence that the ranking's single score mixes by hand. Its weights were
 * fitted (softmax over each question's 30 candidates) on half of both dev sets and checked on
 * the other half, both ways round, the ranking alone. The first five measures: NewsQA dev top-1
 * on half a 0.7578 -> 0.7649 (fitted on b) and on half b 0.7520 -> 0.7613 (fitted on a);
 * MultiHop-RAG nDCG@10 on a 0.8402 -> 0.8443 (fitted on b) and on b 0.8423 -> 0.8461 (fitted
 * on a). The last two (the kind of answer asked, the article's length) then: NewsQA top-1 a
 * 0.7649 -> 0.7649, b 0.7613 -> 0.7692; MultiHop-RAG nDCG@10 a 0.8443 -> 0.8491, b 0.8461 ->
 * 0.8486 (top-1 +1.2 and +0.4 points). Each alone moved both sets the same way. The rarest word
 * asked that the article holds added 0.2 points of nDCG on one half for a fifth of the answer
 * path's time, so it is not a measure. The weights below were then fitted on both halves.
 */
import type { ParsedQuery, PassageHit } from './search.js';
import type { AnswerIndex } from './answerIndex.js';
import { articleMeaning, askedTerms, questionMeaning, similarity } from './meaning.js';

/** How many candidates the model reorders (fitted on 30; the first 20 hold nearly all its gain: 10 left MultiHop-RAG R@10 unchanged). */
export const RERANK_POOL = 20;

/** The model: each measure's weight. */
export const RERANK_WEIGHTS = {
  /** The article's BM25F score, over the best candidate's. */
  article: 4.3,
  /** Its best passage's BM25 score, over the best candidate's. */
  passage: 2.3,
  /** Share of the question's weight its best passage (with the title) holds. */
  coverage: 2.35,
  /** Share of the question's own words' weight the article's opening passage holds: news tells the story first. */
  opening: 0.76,
  /** 1 when its best passage misses a name the question asks that the archive knows. */
  nameMissed: -1.19,
  /** 1 when its best passage holds the kind of answer asked (a date for "when", a number for "how many"). */
  answerHeld: 0.54,
  /** log(1 + the article's passages): a long article has more chances of a passage that matches by chance. */
  length: -0.34,
  /**
   * 1 when the article holds a phrase the question quotes, as written (see quoted.ts); set by hand,
   * not fitted (2% of NewsQA's questions and 5% of MultiHop-RAG's quote). See answer.ts for its figures.
   */
  quoted: 1,
  /**
   * Cosine of the question's and the article's meaning (meaning.ts), for a short question that
   * names nothing (see weighsMeaning); set by hand over the fitted model, not fitted.
   */
  meaning: 5,
} as const;

/**
 * A question of at most this many words asked may be weighed by meaning (see weighsMeaning).
 * NewsQA dev (its questions have 1-7 such words) with the meaning at 5: top-1 a 0.7790 -> 0.7847,
 * b 0.7798 -> 0.7812, R@10 a 0.9320 -> 0.9377, b 0.9403 -> 0.9483; at 3 and 8 less on one half
 * each. For every question, MultiHop-RAG (its questions have 9 or more) lost nDCG@10 a 0.8414 ->
 * 0.8346, b 0.8449 -> 0.8351: a long question's words pin the story, and their mean blurs it.
 */
export const SHORT_QUESTION_TERMS = 6;

/**
 * Whether a question is weighed by meaning: short, and naming nothing (no name the archive knows
 * or a name it never saw). A name pins the story as a long question's words do: leaving named
 * questions to their words kept every ranking figure above and raised NewsQA dev excerpt answers
 * a 0.6048 -> 0.6062, b 0.6167 -> 0.6194, unanswerable refused b 11 -> 12 of 27 (as before
 * meaning); MultiHop-RAG unchanged.
 */
export function weighsMeaning(query: Pick<ParsedQuery, 'names' | 'unknownNames'>, asked: readonly string[]): boolean {
  return asked.length <= SHORT_QUESTION_TERMS && query.names.length === 0 && query.unknownNames.length === 0;
}

/** What the model weighs of one candidate. */
export interface RerankEvidence {
  coverage: number;
  namesMissed: number;
  /** Whether the best passage holds the kind of answer the question asks for. */
  answerHeld: boolean;
  /** Whether the article holds a phrase the question quotes. */
  quoted?: boolean;
}

/**
 * Reorders hits by the model, best first; `evidence` gives a hit's coverage, missed names and
 * whether it holds the answer's kind (the answer stage's measures, so ranking and refusals weigh a hit alike).
 */
export function rerank(
  index: AnswerIndex,
  query: ParsedQuery,
  hits: PassageHit[],
  evidence: (hit: PassageHit) => RerankEvidence,
): PassageHit[] {
  if (hits.length < 2) return hits;
  const own = query.terms.filter((t) => !t.from);
  const ownIdf = new Map(own.map((t) => [t.term, index.passageIdf(t.term)]));
  const ownTerms = [...ownIdf.keys()];
  let total = 0;
  for (const idf of ownIdf.values()) total += idf;
  const w = RERANK_WEIGHTS;
  const asked = askedTerms(query);
  const meaning = weighsMeaning(query, asked) ? questionMeaning(index, asked) : undefined;
  const scored = hits.map((h) => {
    const e = evidence(h);
    let opening = 0;
    if (total > 0) {
      const first = index.passageHolds(index.passageRange(h.article)[0], ownTerms);
      for (const [term, idf] of ownIdf) if (first.has(term)) opening += idf;
      opening /= total;
    }
    const [from, to] = index.passageRange(h.article);
    const score =
      w.article * h.articleEvidence +
      w.passage * h.passageEvidence +
      w.coverage * e.coverage +
      w.opening * opening +
      w.nameMissed * (e.namesMissed > 0 ? 1 : 0) +
      w.answerHeld * (e.answerHeld ? 1 : 0) +
      w.length * Math.log(1 + to - from) +
      w.quoted * (e.quoted ? 1 : 0) +
      (meaning ? w.meaning * similarity(meaning, articleMeaning(index, h.article)) : 0);
    return { h, score };
  });
  // Stable: equal scores keep the ranking's order.
  scored.sort((x, y) => y.score - x.score);
  return scored.map(({ h, score }) => ({ ...h, score }));
}
