import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerQuestion } from '../../src/core/answer.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { parseJsonLines } from '../../src/core/parsers/json.js';
import { NewsIndex } from '../../src/core/search.js';
import { askedWords, expectedAnswer, holdsExpected, NOT_NAMES, opensBefore } from '../../src/core/answer-type.js';

describe('expectedAnswer', () => {
  it('reads the kind of answer from the question word', () => {
    expect(expectedAnswer('When did the ferry sink?')).toBe('time');
    expect(expectedAnswer('On what day did the bridge close?')).toBe('time');
    expect(expectedAnswer('How many passengers were aboard?')).toBe('number');
    expect(expectedAnswer('How much did the council spend?')).toBe('number');
    expect(expectedAnswer('Where was the mayor arrested?')).toBe('place');
    expect(expectedAnswer('Which city hosts the summit?')).toBe('place');
    expect(expectedAnswer('Who won the election?')).toBe('name');
    expect(expectedAnswer('What did the council decide?')).toBeNull();
  });
});

describe('holdsExpected', () => {
  const asked = askedWords('Who did Maria Lopez defeat in Madrid?');
  it('finds a name the question does not already use', () => {
    expect(holdsExpected('Maria Lopez beat Anna Berg in straight sets.', 'name', asked)).toBe(true);
    expect(holdsExpected('In Madrid, Maria Lopez won in straight sets.', 'name', asked)).toBe(false);
  });
  it('ignores the capital that opens a sentence', () => {
    expect(holdsExpected('Yesterday it rained. Nobody came.', 'name', asked)).toBe(false);
  });
  it('reads a capitalised word whole, whatever its capital or its possessive', () => {
    // A capital beyond the Basic Multilingual Plane (Deseret) is two UTF-16 units; the word is read from it.
    expect(holdsExpected('They met \u{10400}lice there.', 'name', asked)).toBe(true);
    expect(holdsExpected('They met \u{10400}lice there.', 'name', askedWords('Who is \u{10400}lice?'))).toBe(false);
    // "Lopez's" is the name asked; "Berg-Smith" is one word, a new name.
    expect(holdsExpected("They praised Lopez's serve.", 'name', asked)).toBe(false);
    expect(holdsExpected('They praised Berg-Smith and Lopez.', 'name', asked)).toBe(true);
  });
  it('tells a capital that opens a sentence as the pattern over the four characters before it does', () => {
    // The pattern as it was applied before the characters were looked at directly.
    const opens = (text: string, start: number) =>
      /(^|[.!?:]["'”’]?\s+|["“‘(]|--\s*)$/u.test(text.slice(Math.max(0, start - 4), start));
    const chars = [...'aZ9 .!?:"\'”’“‘(-,;\t\n\u00a0\u2003\u3000é'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 10 }).map((cs) => cs.join('')),
        fc.nat(12),
        (text, at) => {
          const start = Math.min(at, text.length);
          expect(opensBefore(text, start)).toBe(opens(text, start));
        },
      ),
      { numRuns: 5000 },
    );
    expect(opensBefore('He said. Then', 9)).toBe(true);
    expect(opensBefore('He said  Then', 9)).toBe(false);
    expect(opensBefore('Then', 0)).toBe(true);
  });
  it('reads capitalised words as the patterns over the whole text did, whatever the characters', () => {
    // The former reading, by regular expressions: each capital found by search, its word by a sticky pattern.
    const byPatterns = (text: string, asked: ReadonlySet<string>) => {
      const capital = /\p{Lu}/gu;
      const rest = /[\p{L}'’-]*/uy;
      while (capital.test(text)) {
        let start = capital.lastIndex - 1;
        if (start > 0 && (text.charCodeAt(start) & 0xfc00) === 0xdc00) start--;
        rest.lastIndex = capital.lastIndex;
        rest.test(text);
        const end = (capital.lastIndex = rest.lastIndex);
        if (/(^|[.!?:]["'”’]?\s+|["“‘(]|--\s*)$/u.test(text.slice(Math.max(0, start - 4), start))) continue;
        const word = text
          .slice(start, end)
          .toLowerCase()
          .replace(/['’]s$|[.'’-]+$/u, '');
        if (word.length > 1 && !asked.has(word) && !NOT_NAMES.has(word)) return true;
      }
      return false;
    };
    const chars = [...'aZS9 .!?:"\'”’“‘(-,;\tÉéßİ\u00a0\u3000😀\u{10400}\ud800\udc00'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 16 }).map((cs) => cs.join('')),
        fc.subarray(['z', 'é', 'zz', 'zs', 'éz', 'z-z', '\u{10428}']),
        (text, words) => {
          const asked = new Set(words);
          expect(holdsExpected(text, 'name', asked)).toBe(byPatterns(text, asked));
        },
      ),
      { numRuns: 20000 },
    );
  });
  it('finds times and numbers', () => {
    expect(holdsExpected('The bridge closed on Sunday.', 'time', asked)).toBe(true);
    expect(holdsExpected('It opened in 1998.', 'time', asked)).toBe(true);
    expect(holdsExpected('The bridge closed for repairs.', 'time', asked)).toBe(false);
    expect(holdsExpected('Twelve people were hurt.', 'number', asked)).toBe(true);
    expect(holdsExpected('People were hurt.', 'number', asked)).toBe(false);
  });
});

describe('the quote prefers the sentence that answers', () => {
  const build = (body: string) => {
    const { articles } = parseJsonLines('c.jsonl', JSON.stringify({ id: 'f1', title: 'Ferry service', body }));
    return NewsIndex.build(articles, { aliases: buildAliasTable({}) });
  };
  it('quotes a wire lead that holds as much of the question as a later sentence', () => {
    const body = [
      'PORTO, Portugal (Wire) -- The harbour ferry sank on Sunday near the old quay, officials said.',
      'Divers searched the water for hours while crowds gathered on the bank to watch the recovery of the wreck.',
      'Later the harbour ferry operator promised a full review of its safety rules and its ageing vessels.',
    ].join('\n\n');
    const a = answerQuestion(build(body), 'When did the harbour ferry sink?', { k: 1 });
    expect(a.results[0]!.excerpt).toContain('on Sunday');
  });
});
