import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sentenceSpans, splitSentences } from '../../src/core/sentences.js';

describe('splitSentences', () => {
  it('splits on sentence ends', () => {
    expect(splitSentences('The SDF advance. Isis retreats! Is it over?')).toEqual(['The SDF advance.', 'Isis retreats!', 'Is it over?']);
  });

  it('does not split after titles, initials and common abbreviations', () => {
    expect(splitSentences('Mr. Smith met Gen. Gedney in the U.S. on Tuesday. Then he left.')).toEqual([
      'Mr. Smith met Gen. Gedney in the U.S. on Tuesday.',
      'Then he left.',
    ]);
    expect(splitSentences('Forces moved e.g. to the border. Next.')).toEqual(['Forces moved e.g. to the border.', 'Next.']);
  });

  it('keeps a closing quote with its sentence', () => {
    expect(splitSentences('He wrote that IS “is collapsing from within.” Jihadists are not paid.')).toEqual([
      'He wrote that IS “is collapsing from within.”',
      'Jihadists are not paid.',
    ]);
  });

  it('does not split numbers with points', () => {
    expect(splitSentences('Over 20.000 persons are moving. Another 10.000 remain.')).toEqual(['Over 20.000 persons are moving.', 'Another 10.000 remain.']);
  });

  it('returns spans that cover the text without overlap (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('Word', 'U.S.', 'Mr.', 'the', '.', '!', '?', ' ', 'Isis', '5', '“', '”', '\n'), { maxLength: 60 }), (parts) => {
        const text = parts.join(' ');
        let last = 0;
        for (const [s, e] of sentenceSpans(text)) {
          expect(s).toBeGreaterThanOrEqual(last);
          expect(e).toBeGreaterThan(s);
          expect(text.slice(s, e)).toBe(text.slice(s, e).trim());
          last = e;
        }
        expect(last).toBeLessThanOrEqual(text.length);
      }),
    );
  });
});
