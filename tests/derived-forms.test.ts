import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DERIVED_FORMS } from '../src/core/derived-forms.js';
import { derivedFormsOf } from '../src/core/derived.js';
import { stem } from '../src/core/text.js';
import { NewsIndex } from '../src/core/search.js';
import { NO_ALIASES } from '../src/core/aliases.js';
import type { Article } from '../src/core/types.js';
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

  it('adds at most four derived forms to a question, the rarest in the archive, and none most articles hold', () => {
    const article = (id: string, text: string): Article => ({
      id,
      title: `Report ${id}`,
      tags: [],
      file: `${id}.txt`,
      sections: [{ paragraphs: [text] }],
    });
    // "decision" is in three articles of four, the other forms in one each.
    const archive = NewsIndex.build(
      [
        article(
          'a',
          'Two die after the invasion. A violent night, an explosion, no explanation. The decision came late.',
        ),
        article('b', 'The decision was made on Monday. The arrest followed.'),
        article('c', 'A decision is due on the budget.'),
        // The words asked are in the archive too: none is corrected.
        article('d', 'Deaths, then they invaded; violence; it exploded; we decided; police explained.'),
      ],
      { aliases: NO_ALIASES, hash: 'derived' },
    );
    const derived = archive
      .parseQuery('deaths invaded violence exploded decided explained')
      .terms.filter((t) => t.from)
      .map((t) => t.term);
    expect(derived).toHaveLength(4);
    expect(derived).not.toContain(stem('decision'));
    // A form three articles of four hold is not added, even with room for it.
    expect(archive.parseQuery('decided').terms.filter((t) => t.from)).toEqual([]);
    expect(derived).toEqual(expect.arrayContaining([stem('die'), stem('invasion'), stem('violent')]));
  });

  it('is what scripts/derived-forms.ts makes of the installed WordNet with today’s stemmer', () => {
    // A change to the stemming leaves the data's terms behind: regenerate it (see the script).
    const { text } = derivedFormsModule();
    expect(text).toBe(readFileSync(new URL('../src/core/derived-forms.ts', import.meta.url), 'utf8'));
  }, 30_000);
});
