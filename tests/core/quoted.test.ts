import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { passageTexts } from '../../src/core/excerpt.js';
import { articleQuoting, phraseMatcher, quotedPhrases } from '../../src/core/quoted.js';
import { NewsIndex } from '../../src/core/search.js';

/** Whether `text` holds one of the phrases as whole words, in the case written. */
const holdsPhrase = (text: string, phrases: string[]) => phraseMatcher(phrases)(text);

describe('quoted phrases', () => {
  it('reads straight and curly double quotes, longest first, punctuation dropped', () => {
    expect(quotedPhrases('Who called it "a bold move, really" after “Over”?')).toEqual(['a bold move really', 'Over']);
    expect(quotedPhrases("Who's the mayor's deputy?")).toEqual([]);
    expect(quotedPhrases('An unclosed "quote here')).toEqual([]);
  });

  it('matches whole words in the case written, stopwords kept', () => {
    const text = 'The band said "Over," its third record, came out all at once.';
    expect(holdsPhrase(text, quotedPhrases('Which band made "Over"?'))).toBe(true);
    expect(holdsPhrase(text, quotedPhrases('What came "all at once"?'))).toBe(true);
    expect(holdsPhrase(text, quotedPhrases('Who went "over"?'))).toBe(false);
    expect(holdsPhrase(text, quotedPhrases('Which "third album" first?'))).toBe(false);
    expect(holdsPhrase(text, [])).toBe(false);
    // The text's apostrophes may be curly and its separators longer; a word must not run on before it.
    expect(
      holdsPhrase(
        'The mayor’s plan — “a bold move” — passed.',
        quotedPhrases('Was "mayor\'s plan a bold move" passed?'),
      ),
    ).toBe(true);
    expect(holdsPhrase('The deputy mayor said so.', quotedPhrases('Who is "mayor"?'))).toBe(true);
    expect(holdsPhrase('The vicemayor said so.', quotedPhrases('Who is "mayor"?'))).toBe(false);
    expect(holdsPhrase('The mayors said so.', quotedPhrases('Who is "mayor"?'))).toBe(false);
    // A first word met many times: each place is walked, the one that goes on as the phrase found.
    const often = 'the cat, the dog, the other one and then the over-the-top show';
    expect(holdsPhrase(often, quotedPhrases('Who bet on "the over"?'))).toBe(true);
    expect(holdsPhrase(often, quotedPhrases('Who bet on "the under"?'))).toBe(false);
  });

  it('finds the articles holding a phrase as written, and only those', () => {
    const article = (id: string, title: string, paragraph: string) => ({
      id,
      title,
      tags: [],
      file: `${id}.txt`,
      sections: [{ paragraphs: [paragraph] }],
    });
    const index = NewsIndex.build(
      [
        article('held', 'Council news', 'The mayor called the plan "a bridge too far for the town" on Monday.'),
        article('apart', 'Bridge news', 'A bridge was built too far from the town, far too late, the mayor said.'),
        article('titled', 'A Bridge Too Far For The Town', 'The film was shown again in the square last night.'),
      ],
      { aliases: buildAliasTable({ aliases: [] }) },
    );
    const quotes = articleQuoting(
      index,
      quotedPhrases('Who said "a bridge too far for the town"?'),
      passageTexts(index),
    );
    expect([0, 1, 2].map(quotes)).toEqual([true, false, false]);
    const titled = articleQuoting(
      index,
      quotedPhrases('When was "A Bridge Too Far For The Town" shown?'),
      passageTexts(index),
    );
    expect([0, 1, 2].map(titled)).toEqual([false, false, true]);
  });
});
