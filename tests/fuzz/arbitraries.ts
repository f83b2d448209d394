/**
 * fast-check generators of hostile questions, and the checks that a reply payload neither breaks
 * Discord's limits nor pings anyone. Shared by the pure fuzz test and the end-to-end one.
 */
import fc from 'fast-check';

/** Mention and Markdown syntax that a question may try to smuggle into a reply. */
export const HOSTILE = [
  '@everyone',
  '@here',
  '@EVERYONE',
  '@@everyone',
  '\\@everyone',
  '`@here`',
  '<@123456789012345678>',
  '<@!123456789012345678>',
  '<@&987654321098765432>',
  '<#111111111111111111>',
  '\\<@123456789012345678>',
  '<@\u200b123456789012345678>',
  '**',
  '__',
  '*',
  '_',
  '~~',
  '`',
  '```',
  '||',
  '> ',
  '>>> ',
  '# ',
  '## ',
  '- ',
  '1. ',
  '[link](https://example.org)',
  '<https://example.org>',
  '\\',
  '\\\\',
  '**Q:** ',
  '…',
  '\uE000',
  '\uE001',
] as const;

/** Characters that trip up text handling: zero-width, bidi controls, combining marks, BOM, controls, odd spaces. */
export const TRICKY = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u0301',
  '\u0308',
  '\u0336',
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\r\n',
  '\r',
  '\n',
  '\t',
  '\u000b',
  '\u000c',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u3000',
  '👨‍👩‍👧‍👦',
  '🇸🇾',
  '🏳️‍🌈',
  '𝕳𝖊𝖑𝖑𝖔',
  '𠜎',
  'دير الزور',
  'מלחמה',
  'Zalgo: Z̴̢̛a̸l̷g̵o̶',
  'İstanbul',
  'ß',
  'ﬁ',
] as const;

const whitespace = fc.string({
  unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000', '\u200b', '\ufeff'),
  maxLength: 40,
});

/**
 * A question: a mixture of words from the corpus (so some get answers), hostile syntax, tricky
 * characters, random Unicode of every plane, and control characters.
 */
export function questionArb(words: readonly string[], { maxFragments = 24 } = {}): fc.Arbitrary<string> {
  const fragment = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...words) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
    { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
    { weight: 1, arbitrary: whitespace },
  );
  const glue = fc.constantFrom(' ', ' ', ' ', '', '\n', '?', ', ');
  return fc
    .tuple(fc.array(fragment, { maxLength: maxFragments }), glue, fc.constantFrom('', '?', '…', ' '))
    .map(([parts, g, end]) => parts.join(g) + end);
}

/** Questions of every length up to `max` characters (Discord allows 1000 in /ask; chat and the terminal more). */
export function sizedQuestionArb(words: readonly string[], max: number): fc.Arbitrary<string> {
  const base = questionArb(words);
  return fc.oneof(
    { weight: 14, arbitrary: base },
    { weight: 2, arbitrary: whitespace },
    { weight: 1, arbitrary: fc.constant('') },
    // Long: a question repeated up to `max` characters, cut anywhere (even inside a surrogate pair).
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          base.filter((q) => q.length > 0),
          fc.integer({ min: 900, max }),
        )
        .map(([q, n]) => q.repeat(Math.ceil(n / q.length)).slice(0, n)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...HOSTILE, ...TRICKY), fc.integer({ min: 1, max: Math.floor(max / 10) }))
        .map(([s, n]) => s.repeat(n).slice(0, max)),
    },
  );
}

type Json = unknown;

/** Every string in a payload (keys excluded), with its path. */
export function stringsOf(value: Json, path = '$'): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsOf(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringsOf(v, `${path}.${k}`));
  return [];
}

/**
 * Problems with mentions in one string shown in Discord. Neutralised (see src/discord/escape.ts)
 * means: `@everyone`/`@here` (any case) broken by a zero-width space after the `@`, and `<@id>`,
 * `<@!id>`, `<@&id>`, `<#id>` with their `<` escaped by a backslash, so Discord shows them as
 * typed. `allowedUser` is the one mention the bot may make on purpose.
 */
export function mentionProblems(text: string, allowedUser?: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(/@(everyone|here)/gi)) problems.push(`raw ${m[0]} at ${m.index}`);
  for (const m of text.matchAll(/<(@[!&]?|#)(\d+)>/g)) {
    let slashes = 0;
    for (let i = m.index - 1; i >= 0 && text[i] === '\\'; i--) slashes++;
    const escaped = slashes % 2 === 1;
    if (!escaped && !(allowedUser && m[0] === `<@${allowedUser}>` && m.index === 0))
      problems.push(`raw ${m[0]} at ${m.index}`);
  }
  return problems;
}

/** Half of a surrogate pair without its other half. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
