/**
 * Derived forms of words: a question that says "deaths" also looks for "died", one that says
 * "invaded" for "invasion". The data (src/core/derived-forms.ts) is WordNet's derivational links
 * as index terms, a row a term in order, generated at build time by scripts/derived-forms.ts. A
 * look-up is a binary search over its rows, split on first use (a map of them took 27-31 ms to
 * build, paid by a restarted bot's first question).
 */
import { DERIVED_FORMS } from './derived-forms.js';
import { compareSlice } from './text.js';

let rows: string[] | undefined;

/**
 * Forms already looked up, by term: a question's every word is looked up, and questions repeat
 * their words (a search was 3% of the answer path on MultiHop-RAG). Cleared when full.
 */
const found = new Map<string, readonly string[]>();
const FOUND_KEPT = 20_000;

/** The index terms of a term's derivationally related forms ("die" for "death" and the other way round). */
export function derivedFormsOf(term: string): readonly string[] {
  let forms = found.get(term);
  if (forms === undefined) {
    if (found.size >= FOUND_KEPT) found.clear();
    found.set(term, (forms = Object.freeze(search(term))));
  }
  return forms;
}

/** derivedFormsOf's binary search over the rows. */
function search(term: string): string[] {
  rows ??= DERIVED_FORMS.split('|');
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const row = rows[mid]!;
    const colon = row.indexOf(':');
    const order = compareSlice(row, 0, colon, term);
    if (order === 0) return row.slice(colon + 1).split(',');
    if (order < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return [];
}
