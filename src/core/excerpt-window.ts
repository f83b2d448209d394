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

/**
 * Each asked word's best weight among the tokens weighed, in the order first met: a scratch
 * reused for every sentence weighed (a map per sentence was a twentieth of the answer path's
 * allocation). Filled and read by one call at a time.
 */
export class GroupWeights {
  private readonly groups: string[] = [];
  private readonly best: number[] = [];
  /** How many groups are held. */
  size = 0;

  clear(): void {
    this.size = 0;
  }

  /** Counts a word of the question: its group's weight becomes its best. */
  add(w: TermWeight): void {
    let g = 0;
    while (g < this.size && this.groups[g] !== w.group) g++;
    if (g === this.size) {
      if (!(w.weight > 0)) return;
      this.groups[g] = w.group;
      this.best[g] = w.weight;
      this.size++;
    } else if (w.weight > this.best[g]!) this.best[g] = w.weight;
  }

  group(g: number): string {
    return this.groups[g]!;
  }

  weight(g: number): number {
    return this.best[g]!;
  }

  sum(): number {
    let sum = 0;
    for (let g = 0; g < this.size; g++) sum += this.best[g]!;
    return sum;
  }
}

const weighed = new GroupWeights();

/** Question weight held by the tokens within [start, end): each asked word counts once, by its best form. */
export function weightIn(
  tokens: readonly Token[],
  weights: ReadonlyMap<string, TermWeight>,
  start: number,
  end: number,
): number {
  weighed.clear();
  for (const t of tokens) {
    if (t.start < start || t.end > end) continue;
    const w = weights.get(t.term);
    if (w) weighed.add(w);
  }
  return weighed.sum();
}

/** The tokens within [s, e), shifted by `shift` (unshifted ones are the same objects: tokens are never changed). */
export function tokensWithin(tokens: readonly Token[], s: number, e: number, shift: number): Token[] {
  const out: Token[] = [];
  for (const t of tokens)
    if (t.start >= s && t.end <= e)
      out.push(shift === 0 ? t : { term: t.term, start: t.start + shift, end: t.end + shift });
  return out;
}
