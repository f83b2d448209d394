/**
 * Derived forms of words: a question that says "deaths" also looks for "died", one that says
 * "invaded" for "invasion". The data (src/core/derived-forms.ts) is WordNet's derivational links
 * as index terms, generated at build time by scripts/derived-forms.ts, and read into a map on
 * first use, so start-up pays nothing for it.
 */
import { DERIVED_FORMS } from './derived-forms.js';

let forms: Map<string, string[]> | undefined;

/** The index terms of a term's derivationally related forms ("die" for "death" and the other way round). */
export function derivedFormsOf(term: string): readonly string[] {
  if (!forms) {
    const built = new Map<string, string[]>();
    const join = (a: string, b: string) => {
      const known = built.get(a);
      if (known) known.push(b);
      else built.set(a, [b]);
    };
    for (const row of DERIVED_FORMS.split('|')) {
      const colon = row.indexOf(':');
      const t = row.slice(0, colon);
      for (const o of row.slice(colon + 1).split(',')) {
        join(t, o);
        join(o, t);
      }
    }
    forms = built;
  }
  return forms.get(term) ?? [];
}
