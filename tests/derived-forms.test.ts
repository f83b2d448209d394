import { describe, expect, it } from 'vitest';
import { DERIVED_FORMS } from '../src/core/derived-forms.js';
import { derivedFormsOf } from '../src/core/derived.js';
import { stem } from '../src/core/text.js';
import { derivedFormsModule } from '../scripts/derived-forms.js';

describe('derived forms (WordNet’s derivational links)', () => {
  it('joins a word’s forms both ways, as index terms, and nothing to itself', () => {
    const t = (w: string) => stem(w);
    expect(derivedFormsOf(t('death'))).toContain(t('die'));
    expect(derivedFormsOf(t('die'))).toContain(t('death'));
    expect(derivedFormsOf(t('invade'))).toContain(t('invasion'));
    expect(derivedFormsOf(t('violence'))).toContain(t('violent'));
    // Forms the stemmer already joins are not listed ("vote" and "voting" are one term).
    expect(derivedFormsOf(t('vote'))).not.toContain(t('voting'));
    expect(derivedFormsOf('notaword')).toEqual([]);
    for (const row of DERIVED_FORMS.split('|').slice(0, 500)) {
      const [term = '', forms = ''] = row.split(':');
      expect(forms.split(',')).not.toContain(term);
    }
  });

  it('is what scripts/derived-forms.ts makes of the installed WordNet with today’s stemmer', () => {
    // A change to the stemming leaves the data's terms behind: regenerate it (see the script).
    const { text } = derivedFormsModule();
    expect(text).toContain(`export const DERIVED_FORMS = ${JSON.stringify(DERIVED_FORMS)};`);
  }, 30_000);
});
