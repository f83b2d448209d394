/**
 * Adjectival forms of places: a question that says "Turkish" also looks for "Turkey" and the
 * other way round. The data (src/core/place-forms.ts) is generated from the world-countries
 * package at build time and read into a map on first use, so start-up pays nothing for it.
 */
import { PLACE_FORMS } from './place-forms.js';
import { terms } from './text.js';

let forms: Map<string, string[]> | undefined;

/** The index terms of a place's other forms (its demonym for a country's name, its country for a demonym). */
export function placeFormsOf(term: string): readonly string[] {
  if (!forms) {
    forms = new Map();
    for (const row of PLACE_FORMS.split('|')) {
      const [demonyms = '', names = ''] = row.split(':');
      const d = demonyms.split(',').flatMap((w) => terms(w));
      const n = names.split(',').flatMap((w) => terms(w));
      for (const t of d) forms.set(t, [...(forms.get(t) ?? []), ...n.filter((x) => x !== t)]);
      for (const t of n) forms.set(t, [...(forms.get(t) ?? []), ...d.filter((x) => x !== t)]);
    }
  }
  return forms.get(term) ?? [];
}
