import { describe, expect, it } from 'vitest';
import { holdsPhrase, quotedPhrases } from '../../src/core/quoted.js';

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
  });
});
