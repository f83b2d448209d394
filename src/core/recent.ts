/**
 * The order for questions asking for the newest news ("latest", "now", "still"), after the
 * ranking and the rerank.
 */
import type { ArticleMeta } from './index-parts.js';
import type { PassageHit } from './rank.js';

/**
 * "latest", "now", "still": among the hits scoring at least this share of the best (after the
 * rerank, whose scores run to about 10), the newest article first (undated ones after the dated).
 * MultiHop-RAG (dated 2023-09..12, with "now", "currently", "recently" in its questions, which
 * mostly do not ask for the newest report): nDCG@10 a 0.8339 -> 0.8326, b 0.8366 -> 0.8363
 * against 0.95; 0.95 left a newer report on the same story 6% behind the older one unmoved.
 */
const RECENT_BAND = 0.9;

/**
 * For questions asking for the newest news: hits nearly as good as the best (RECENT_BAND),
 * newest article first; the rest stay after them, in score order. Runs on the final order
 * (after the rerank), so no later step undoes it.
 */
export function newestFirst(hits: PassageHit[], article: (a: number) => ArticleMeta): PassageHit[] {
  if (hits.length < 2) return hits;
  const floor = hits[0]!.score * RECENT_BAND;
  let n = 0;
  while (n < hits.length && hits[n]!.score >= floor) n++;
  const day = (h: PassageHit) => article(h.article).published ?? '';
  // Stable: equal dates (and undated ones) keep their score order.
  const band = hits.slice(0, n).sort((x, y) => (day(x) < day(y) ? 1 : day(x) > day(y) ? -1 : 0));
  return [...band, ...hits.slice(n)];
}
