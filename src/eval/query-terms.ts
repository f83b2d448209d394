import { NLTK_STOPWORD_SET } from './nltk-stopwords.js';

/**
 * Query terms as built for the BASELINES.md reference runs: lower-case the
 * question, split it into runs of Unicode letters and digits (this splits on
 * apostrophes and hyphens, like FTS5's unicode61), drop NLTK stopwords and
 * duplicate terms, keeping first-occurrence order.
 */
export function baselineQueryTerms(question: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of question.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (t === '' || NLTK_STOPWORD_SET.has(t) || seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out;
}
