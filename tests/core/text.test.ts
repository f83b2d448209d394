import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { foldWord, surfaceIn, terms, tokenize } from '../../src/core/text.js';
import { buildAliasTable } from '../../src/core/aliases.js';

const aliases = buildAliasTable({
  aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'], exact: ['IS'] }, { names: ['Deir ez-Zor', 'Deir Ezzor'] }],
  synonyms: [['flee', 'escape']],
});

describe('tokenize', () => {
  it('folds case and diacritics, drops stopwords and stems', () => {
    expect(terms('The Leaders were FLEEING from Zōr')).toEqual(['leader', 'flee', 'zor']);
  });

  it('keeps offsets that point at the words in the original text', () => {
    const text = 'Mass escapes of ISIS leaders';
    for (const t of tokenize(text, aliases))
      expect(text.slice(t.start, t.end)).toMatch(/^(Mass|escapes|ISIS|leaders)$/);
  });

  it('merges alias phrases into one canonical term spanning the phrase', () => {
    const text = 'The Islamic State fled Deir ez-Zor';
    const toks = tokenize(text, aliases);
    expect(toks.map((t) => t.term)).toEqual(['_isis', 'flee', '_deir_ez_zor']);
    expect(text.slice(toks[0]!.start, toks[0]!.end)).toBe('Islamic State');
    expect(text.slice(toks[2]!.start, toks[2]!.end)).toBe('Deir ez-Zor');
  });

  it('treats every spelling in a group alike', () => {
    expect(terms('Daesh in Deir Ezzor', aliases)).toEqual(terms('ISIS in Deir ez-Zor', aliases));
  });

  it('matches exact-case aliases only in that case', () => {
    expect(terms('IS leaders', aliases)).toEqual(['_isis', 'leader']);
    expect(terms('is leading', aliases)).toEqual(['lead']);
  });

  it('reads initials written with points as one word, met with or without them', () => {
    expect(terms('rapper T.I. was held in Washington, D.C.')).toEqual(['rapper', 'ti', 'hold', 'washington', 'dc']);
    expect(terms('What happened to T.I')).toEqual(terms('What happened to TI'));
    // Letters of mixed case are no initials: "T.I.s" is T.I. and a stray letter.
    expect(terms('T.I.s bond')).toEqual(['ti', 'bond']);
    // A word after a point is not an initial ("J.Crew").
    expect(terms('J.Crew outfits')).toEqual(['crew', 'outfit']);
  });

  it('never lets the pronoun "us" meet "U.S." through an alias written with points', () => {
    const table = buildAliasTable({ aliases: [{ names: ['United States', 'U.S.'], exact: ['US'] }] });
    expect(terms('troops in the U.S.', table)).toEqual(['troop', '_united_states']);
    expect(terms('they told us', table)).toEqual(['tell']);
    expect(terms('the US said', table)).toEqual(['_united_states']);
  });

  it('drops the Arabic article of a name and reads a compass adjective as its direction', () => {
    expect(terms('al-Salihiyya and el-Sisi')).toEqual(['salihiyya', 'sisi']);
    // "Al" alone may be a name ("Al Gore"): only the article joined by a hyphen goes.
    expect(terms('Al Gore')).toEqual(['al', 'gore']);
    expect(terms('southern Syria')).toEqual(terms('the south of Syria'));
    expect(terms('Northeastern Western')).toEqual(['northeast', 'west']);
  });

  it('reads chat shorthand as the word it stands for', () => {
    expect(terms('how many ppl left the govt')).toEqual(terms('how many people left the government'));
    expect(terms('3 hrs')).toEqual(terms('3 hours'));
  });

  it('keeps single digits but drops single letters', () => {
    expect(terms('5 leaders and a b')).toEqual(['5', 'leader']);
  });

  it('strips possessives', () => {
    expect(terms('SDF’s offensive')).toEqual(terms("SDF's offensive"));
    expect(terms('SDF’s offensive')).toEqual(['sdf', 'offens']);
  });

  it('reads a backtick, a lone accent or a curly quote between letters as an apostrophe', () => {
    const plain = terms("O'Donnell and Obama's visit");
    expect(plain).toEqual(["o'donnel", 'obama', 'visit']);
    for (const mark of ['`', '´', '’', '‘', 'ʼ'])
      expect(terms(`O${mark}Donnell and Obama${mark}s visit`)).toEqual(plain);
    // An alias name written with one kind meets the text written with another.
    const table = buildAliasTable({ aliases: [{ names: ["Dara'a"] }] });
    expect(terms('in Dara’a', table)).toEqual(terms("in Dara'a", table));
    expect(terms('in Dara’a', table)).toEqual(["_dara'a"]);
  });

  it('never throws and always returns in-range offsets (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const t of tokenize(s, aliases)) {
          expect(t.start).toBeGreaterThanOrEqual(0);
          expect(t.end).toBeLessThanOrEqual(s.length);
          expect(t.end).toBeGreaterThan(t.start);
          expect(t.term.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('folds non-ASCII to plain letters', () => {
    expect(foldWord('Zōr')).toBe('zor');
    expect(foldWord('ÉLYSÉE')).toBe('elysee');
  });
});

describe('synonyms', () => {
  it('reads numbers whole and meets short magnitudes with the written ones', () => {
    const termsOf = (text: string) => tokenize(text).map((t) => t.term);
    expect(termsOf('$2.5bn deal')).toEqual(termsOf('$2.5 billion deal'));
    expect(termsOf('1,000 people and 2.5 tonnes')).toEqual(['1000', 'peopl', '2.5', 'tonn']);
    expect(termsOf('1000 people')).toEqual(termsOf('1,000 people'));
    // Letters glued to digits that are no magnitude keep the word whole.
    expect(termsOf('the 1990s and G7 and 3D')).toEqual(['1990s', 'g7', '3d']);
    const text = 'It cost $4.2tn in all';
    const toks = tokenize(text);
    expect(toks.map((t) => text.slice(t.start, t.end))).toEqual(['cost', '4.2', 'tn']);
    expect(toks.map((t) => t.term)).toEqual(['cost', '4.2', 'trillion']);
  });

  it('reads a one-letter magnitude after a currency sign as money, and nowhere else', () => {
    const termsOf = (text: string) => tokenize(text).map((t) => t.term);
    expect(termsOf('offered $5B to')).toEqual(termsOf('offered $5 billion to'));
    expect(termsOf('inherits £20M')).toEqual(termsOf('inherits £20 million'));
    expect(termsOf('a $40k salary')).toEqual(termsOf('a $40 thousand salary'));
    expect(termsOf('€2.5BN deal')).toEqual(termsOf('€2.5 billion deal'));
    // Without a currency sign a letter may be a unit ("20m" of rope) or part of a name ("3D").
    expect(termsOf('a 20m rope and 3D')).toEqual(['20m', 'rope', '3d']);
  });

  it('gives irregular verbs and nouns their base form, so they meet it', () => {
    const termsOf = (text: string) => tokenize(text).map((t) => t.term);
    expect(termsOf('ran fled children mice')).toEqual(termsOf('run flee child mouse'));
    // Regular forms are the stemmer's: unchanged.
    expect(termsOf('walked walking')).toEqual(['walk', 'walk']);
  });

  it('link stems both ways', () => {
    expect(aliases.synonymsOf('flee')).toEqual(['escap']);
    expect(aliases.synonymsOf('escap')).toEqual(['flee']);
    expect(aliases.synonymsOf('leader')).toEqual([]);
  });
});

describe('surfaceIn', () => {
  const passage = (text: string) => ({ text, tokens: tokenize(text) });

  it('gives a word as an article writes it mid-sentence, where a capital marks a name', () => {
    const article = [
      passage('Reader surveys came first. Every reader was asked.'),
      passage('The Reader, a weekly, closed.'),
    ];
    expect(surfaceIn('reader', article)).toBe('reader');
    expect(surfaceIn('reader', article.slice(1))).toBe('Reader');
  });

  it('falls back to the first word when every one opens a sentence, and gives nothing for a term it lacks', () => {
    expect(surfaceIn('brown', [passage('Brown won. Brown lost.')])).toBe('Brown');
    expect(surfaceIn('green', [passage('Brown won.')])).toBeUndefined();
  });
});
