/**
 * The ranking's options: BM25 parameters, field weights, boosts and the candidate pool, each with
 * what it was measured to do (see rank.ts, which reads them).
 */
export interface RankingOptions {
  /**
   * BM25F weights of an article's fields in the article-level score: a title word counts as this
   * many body words (the body holds the standfirst and headings, as passages do). Applied when
   * the index is built: they shape its persisted article postings.
   */
  fieldWeights: Record<'title' | 'source' | 'date', number>;
  /** How many articles the article-level search hands to passage scoring. */
  candidates: number;
  /** Weight of the best passage against the whole article. */
  passageWeight: number;
  /** Multiplier for articles from an outlet the question names. */
  outletBoost: number;
  /** Multiplier for articles published on a day the question names (half of it for the month). */
  dateBoost: number;
  /**
   * Multiplier for articles published in a period the question names by date ("in 2019", "since
   * March", "before 5 May"); a period counted back from now ("last week") is kept to instead. A
   * date there may be when the story happened rather than when it was written, and MultiHop-RAG's
   * dated questions compare reports on both sides of one: 1.2 left its ranking nDCG@10 as it was
   * (0.8423 -> 0.8422), 1.5 cost 0.07 points and 2 more, and keeping to the period 1.1 points.
   */
  periodBoost: number;
  /** Weight of synonym expansions relative to the words asked. */
  synonymWeight: number;
  /**
   * Weight of a word's derived forms (WordNet's derivational links: "die" for "deaths", "invasion"
   * for "invaded"; src/core/derived.ts) relative to the words asked. 0.25 against none: NewsQA
   * dev top-1 a 0.7677 -> 0.7705, b 0.7706 -> 0.7759, R@10 a 0.9249 -> 0.9292, b 0.9337 -> 0.9363,
   * excerpt answers a 0.5935 -> 0.5949, b 0.5995 -> 0.6034, refusals unchanged; MultiHop-RAG
   * nDCG@10 a 0.8356 -> 0.8368, b 0.8406 -> 0.8415, refusals unchanged (30 of 2,255 answerable, 253
   * of 301 unanswerable), with at most 4 derived terms a question (query.ts). 0.3 about the same; 0.4 (the
   * synonyms' weight) gained more NewsQA a top-1 (0.7734) but cost MultiHop-RAG b 0.0033 of nDCG;
   * 0.18 less on NewsQA. WordNet's synonyms (a word's first sense) at 0.4 instead: R@10 up, top-1
   * down 1.3-1.7 points on NewsQA and 0.8-1.0 points of nDCG on MultiHop-RAG.
   */
  derivedWeight: number;
  /**
   * Passage score added per adjacent pair of different question words, times the lesser word's
   * IDF. 0.3: NewsQA dev top-1 a 0.735 -> 0.742, b 0.737 -> 0.741 (excerpt answers +1.4 / +0.4
   * points); MultiHop-RAG nDCG@10 a 0.826 -> 0.829, b 0.834 -> 0.836, evidence quoted -0.1 / -0.3
   * points. 1.0 did more for NewsQA but cost MultiHop-RAG 0.5 points of nDCG; a window of three
   * words instead of adjacent ones, less on NewsQA.
   */
  proximity: number;
  /** BM25 parameters, for articles and passages alike. */
  k1: number;
  b: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  fieldWeights: { title: 2, source: 1, date: 0.5 },
  candidates: 30,
  passageWeight: 1,
  outletBoost: 2,
  dateBoost: 2,
  periodBoost: 1.2,
  synonymWeight: 0.4,
  derivedWeight: 0.25,
  proximity: 0.3,
  k1: 1.2,
  b: 0.75,
};

/**
 * BM25's length term for a passage of `length` tokens: both backends' passage measure (the
 * Ranker's scan in rank.ts and storedScore.ts's) weighs each question term by it (see bm25Term).
 */
export function passageNorm(r: RankingOptions, length: number, avgPassageLength: number): number {
  return r.k1 * (1 - r.b + (r.b * length) / avgPassageLength);
}

/** One question term's BM25 in a passage: its weight, its count there, k1 and the passage's length term. */
export function bm25Term(weight: number, f: number, k1: number, norm: number): number {
  return (weight * f * (k1 + 1)) / (f + norm);
}
