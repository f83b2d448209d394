import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText } from '../../src/discord/escape.js';
import { quoteExcerpt } from '../../src/discord/render.js';

/** What the excerpt looks like quoted with nothing in bold: the defused, escaped text. */
const quoted = (text: string) => `> ${escapeText(text).replace(/\n/g, '\n> ')}`;
/** Every [start, end) of `word` in `text`. */
const rangesOf = (text: string, word: string): Array<[number, number]> =>
  [...text.matchAll(new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'))].map((m) => [
    m.index,
    m.index + word.length,
  ]);

const TOKENS = [
  '@everyone',
  '@here',
  '@Everyone',
  '<@123456789012345678>',
  '<@!42>',
  '<@&987654321>',
  '<#555>',
  '</ask:123>',
  '<t:1700000000:R>',
  'https://evil.example/a_b*c',
  'http://discord.com@evil.example/x',
  'steam://run/1',
  'https://x.example/(y)',
  '**',
  '__',
  '~~',
  '||',
  '`',
  '\\',
  '*',
  '_',
  '#',
  '> ',
  '- ',
  '1. ',
  '[t](https://evil.example)',
  'everyone',
  'here',
  'https',
  'evil',
  'example',
  'Jordan',
  'harbour',
  '442',
  ' ',
  ' ',
  '\n',
  '.',
  ':',
  '//',
];
const text = fc
  .array(
    fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 }), fc.string({ maxLength: 3, unit: 'binary' })),
    { maxLength: 40 },
  )
  .map((parts) => parts.join('').replace(/[\uE000\uE001]/g, ''));
const highlighted = text.chain((t) =>
  fc.tuple(
    fc.constant(t),
    fc
      .array(fc.tuple(fc.nat(Math.max(0, t.length)), fc.nat(12)), { maxLength: 8 })
      .map((xs) =>
        xs
          .map(([s, n]) => [s, Math.min(t.length, s + n)] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]),
      ),
  ),
);

describe('bold highlighting never splits a mention, a link or Markdown', () => {
  it('bolds matched words and nothing inside protected spans', () => {
    const t = 'Ping @everyone and <@&123> at https://evil.example/everyone for Jordan';
    const hl = [
      ...rangesOf(t, 'everyone'),
      ...rangesOf(t, 'https'),
      ...rangesOf(t, 'evil'),
      ...rangesOf(t, '123'),
      ...rangesOf(t, 'Jordan'),
    ].sort((a, b) => a[0] - b[0]);
    expect(quoteExcerpt({ excerpt: t, highlights: hl })).toBe(
      '> Ping @\u200beveryone and \\<@&123> at https:\u200b//evil.example/everyone for **Jordan**',
    );
  });

  it('keeps line-start Markdown whole and bold within one line', () => {
    expect(
      quoteExcerpt({
        excerpt: '1. Jordan\n# harbour',
        highlights: [
          [0, 9],
          [10, 19],
        ],
      }),
    ).toBe('> 1\\. **Jordan**\n> \\# **harbour**');
  });

  it('may bold a bare `https:` that starts no link (found by the property below)', () => {
    expect(quoteExcerpt({ excerpt: '  https:', highlights: [[0, 7]] })).not.toMatch(/\*\*https\*\*:\u200b?\/\//);
    expect(quoteExcerpt({ excerpt: 'see https://a.example', highlights: [[4, 9]] })).toBe(
      '> see https:\u200b//a.example',
    );
  });

  it('takes private-use marks in article text for text, not for bold', () => {
    expect(quoteExcerpt({ excerpt: 'a\uE000b\uE001c', highlights: [] })).toBe('> a\uFFFDb\uFFFDc');
  });

  it('for any text and any highlights: no `@**`, no `**https**:`, mentions and links whole, and un-bolding gives the defused text (property)', () => {
    fc.assert(
      fc.property(highlighted, ([t, highlights]) => {
        const out = quoteExcerpt({ excerpt: t, highlights });
        expect(out).not.toContain('@**');
        // `**https**` only where it is a word of its own (`https:` alone links nothing), never a link's scheme.
        expect(out).not.toMatch(/\*\*https?\*\*:\u200b?\/\//i);
        expect(out.replaceAll('**', '')).toBe(quoted(t));
        // Every mass mention and link in the text shows defused, in one piece.
        for (const m of t.matchAll(/@(everyone|here)/gi)) expect(out).toContain(`@\u200b${m[1]}`);
        for (const m of t.matchAll(/([a-z][a-z0-9+.-]*):\/\/(\S*)/gi)) expect(out).toContain(escapeText(m[0]));
        // No live link or mention is left in the text.
        expect(out).not.toMatch(/[a-z]:\/\//i);
        expect(out).not.toMatch(/(^|[^\\])<[@#]/);
      }),
      { numRuns: 1000 },
    );
  });
});
