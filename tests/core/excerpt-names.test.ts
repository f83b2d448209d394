import { describe, expect, it } from 'vitest';
import { bareNames, givesWhole, nameIntroduction, type EarlierPassage } from '../../src/core/excerpt-names.js';
import { NewsIndex } from '../../src/core/search.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion } from '../../src/core/answer.js';
import { sentenceSpans } from '../../src/core/sentences.js';
import type { Article } from '../../src/core/types.js';

const asked = (q: string) => new Set(q.toLowerCase().match(/\p{L}+/gu) ?? []);

describe('bare names', () => {
  it('finds a surname standing alone, not a whole name, a title, an acronym or a word the question uses', () => {
    expect(
      bareNames(
        'Ferreira was cast as Captain Vance on Friday, Mr. Okafor said, and NATO and Dalton Price agreed with Hale.',
        asked('Who plays Captain Vance? Hale?'),
      ),
    ).toEqual(['Ferreira', 'Okafor']);
  });

  it('tells a name given whole from one given by surname or after a title or a function word', () => {
    expect(givesWhole('Actor Dalton Ferreira has a cloak to wear.', 'Ferreira')).toBe(true);
    expect(givesWhole("Dalton Ferreira's cloak", 'Ferreira')).toBe(true);
    expect(givesWhole('Mr. Ferreira has a cloak.', 'Ferreira')).toBe(false);
    expect(givesWhole('When Ferreira arrived, Dalton Ferreiras left.', 'Ferreira')).toBe(false);
  });
});

describe('the sentence that gave a name whole', () => {
  const passage = (key: number, text: string): EarlierPassage<number> => ({
    key,
    before: Infinity,
    read: () => [text, sentenceSpans(text).flat()],
  });

  it('is the first earlier sentence giving the bare name whole, none when the quote gives it itself', () => {
    const earlier = [
      passage(0, 'The winter season opens soon. Nobody has been cast yet.'),
      passage(1, 'The theatre is full. Actor Dalton Ferreira has a cloak to wear. Dalton Ferreira smiled.'),
    ];
    const q = asked('Who plays the ghost?');
    expect(nameIntroduction('Ferreira was cast as the ghost.', 'Ferreira was cast as the ghost.', q, earlier)).toEqual([
      1, 1,
    ]);
    const whole = 'Dalton Ferreira was named. Ferreira was cast as the ghost.';
    expect(nameIntroduction(whole, 'Ferreira was cast as the ghost.', q, earlier)).toBeUndefined();
    // A passage its tokens show holds none of the names is passed over unread.
    expect(
      nameIntroduction('Ferreira was cast.', 'Ferreira was cast.', q, earlier, (key) => key !== 1),
    ).toBeUndefined();
  });
});

describe('a "who" quote that names someone by surname', () => {
  const filler =
    'The old playhouse by the river has stood empty for three winters, and its new owners spent the summer ' +
    'repairing the roof, the seats and the stage machinery that lifts scenery above the orchestra pit.';
  const story: Article = {
    id: 'cast',
    title: 'A new season at the river playhouse',
    tags: [],
    file: 'cast.txt',
    sections: [
      {
        paragraphs: [
          'Actor Dalton Ferreira has a heavy cloak to wear this winter.',
          filler,
          filler.replace('three winters', 'four winters'),
          'Ferreira was cast as the ghost of Captain Vance in the new staging of "The Harbour Lights".',
        ],
      },
    ],
  };
  const index = NewsIndex.build(
    [
      story,
      { id: 'other', title: 'Harbour notes', tags: [], file: 'o.txt', sections: [{ paragraphs: ['Boats left.'] }] },
    ],
    { aliases: buildAliasTable({ aliases: [] }) },
  );

  it('quotes the sentence that gave the whole name as well', () => {
    const a = answerQuestion(index, 'Who was cast as the ghost of Captain Vance?', { k: 1 });
    expect(a.results[0]!.articleId).toBe('cast');
    expect(a.results[0]!.excerpt).toContain('Ferreira was cast as the ghost');
    expect(a.results[0]!.excerpt).toContain('Dalton Ferreira');
  });

  it('leaves a quote alone when the question does not ask who', () => {
    const a = answerQuestion(index, 'When was the ghost of Captain Vance cast for the new staging?', { k: 1 });
    expect(a.results[0]!.excerpt).toContain('Ferreira was cast as the ghost');
    expect(a.results[0]!.excerpt).not.toContain('Dalton Ferreira');
  });
});
