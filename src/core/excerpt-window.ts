/**
 * Question weight in a stretch of an excerpt's text, and the densest stretch of it that fits the
 * limit: the arithmetic excerpt.ts chooses sentences with.
 */
import type { Token } from './text.js';
import type { TermWeight } from './excerpt.js';

/** The longest excerpt, in characters, ellipses included. */
export const MAX_EXCERPT_CHARS = 400;
/** Marks text left out of a quote. */
export const ELLIPSIS = '…';

/** The stretch of at most the excerpt limit (less room for ellipses) holding the most question weight, cut at words. */
export function densestWindow(
  text: string,
  tokens: readonly Token[],
  weights: ReadonlyMap<string, TermWeight>,
  from: number,
  to: number,
): [number, number] {
  const room = MAX_EXCERPT_CHARS - 2 * ELLIPSIS.length;
  const inside = tokens.filter((t) => t.start >= from && t.end <= to && weights.has(t.term));
  let bestStart = from;
  let bestScore = -1;
  for (const start of [from, ...inside.map((t) => t.start)]) {
    const score = weightIn(inside, weights, start, Math.min(to, start + room));
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

/** Question weight held by the tokens within [start, end): each asked word counts once, by its best form. */
export function weightIn(
  tokens: readonly Token[],
  weights: ReadonlyMap<string, TermWeight>,
  start: number,
  end: number,
): number {
  const best = new Map<string, number>();
  for (const t of tokens) {
    if (t.start < start || t.end > end) continue;
    const w = weights.get(t.term);
    if (w && w.weight > (best.get(w.group) ?? 0)) best.set(w.group, w.weight);
  }
  let sum = 0;
  for (const v of best.values()) sum += v;
  return sum;
}
