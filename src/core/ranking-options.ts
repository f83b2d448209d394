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
  proximity: 0.3,
  k1: 1.2,
  b: 0.75,
};
