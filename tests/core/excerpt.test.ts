import { describe, expect, it } from 'vitest';
import { NewsIndex } from '../../src/core/search.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion, MAX_EXCERPT_CHARS } from '../../src/core/answer.js';
import { excerptOf } from '../../src/core/excerpt.js';
import { article } from './articles.js';

// A wire-style story tells its facts first; a later paragraph restates the question's words.
const wire = [
  'PORTVALE, Norland (Wire Service) -- The harbour of Portvale reopened on Friday, a week after storms closed it to shipping.',
  'The first vessel to return was the ferry Osprey, which crossed from the islands with forty passengers aboard.',
  'Dock workers spent the week clearing debris from the quays and repairing two cranes that the wind had toppled.',
  'The harbour master praised the crews. She said the first vessel to return to the harbour after a storm is always a relief.',
];

describe('excerpts from wire-style articles', () => {
  const index = NewsIndex.build(
    [
      article('w', 'Portvale harbour reopens', wire),
      article('x', 'Cranes for sale', ['Used cranes are for sale at the quay.']),
    ],
    {
      aliases: buildAliasTable({ aliases: [] }),
    },
  );

  it('quotes the early paragraph that names the answer over a later one that echoes the question', () => {
    const a = answerQuestion(index, 'Which vessel was the first to return to the harbour?', { k: 1 });
    expect(a.answered).toBe(true);
    expect(a.results[0]!.articleId).toBe('w');
    expect(a.results[0]!.excerpt).toContain('Osprey');
  });
});

describe('term proximity', () => {
  const build = (proximity: number) =>
    NewsIndex.build(
      [
        article('apart', 'Coast report', [
          'The oil tanker left the bay on Monday; weeks later a spill of paint closed the beach.',
        ]),
        article('together', 'Coast report', [
          'The tanker left the bay on Monday; weeks later an oil spill of that size closed the beach.',
        ]),
      ],
      { aliases: buildAliasTable({ aliases: [] }), ranking: { proximity } },
    );

  it('ranks first the passage where the words asked stand side by side', () => {
    expect(answerQuestion(build(0.3), 'oil spill closed the beach', { k: 2 }).results.map((r) => r.articleId)).toEqual([
      'together',
      'apart',
    ]);
    // Without it the two tie and corpus order decides: the assertion above is the proximity's doing.
    expect(answerQuestion(build(0), 'oil spill closed the beach', { k: 2 }).results[0]!.articleId).toBe('apart');
  });
});

describe('places by their adjective', () => {
  const index = NewsIndex.build(
    [
      article('fr', 'Strikes close schools', [
        'Teachers in France walked out on Tuesday, closing most schools in the capital.',
      ]),
      article('other', 'Teachers walk out', [
        'Teachers walked out on Tuesday in a dispute over pay, closing schools in the north.',
      ]),
    ],
    { aliases: buildAliasTable({ aliases: [] }) },
  );

  it('finds the country for its demonym, as a synonym of the word asked', () => {
    const q = index.parseQuery('Why did French teachers walk out?');
    expect(q.terms).toContainEqual(expect.objectContaining({ term: 'franc', from: 'french' }));
    expect(answerQuestion(index, 'Why did French teachers walk out?', { k: 2 }).results[0]!.articleId).toBe('fr');
  });
});

describe('the neighbour that joins the quoted sentence', () => {
  // Three sentences; only the middle one holds words asked, its neighbours hold none.
  const sentences = [
    'Work began in 1998 after years of argument.',
    'The Kelso bridge opened to traffic with a parade.',
    'Residents lined the river banks to watch.',
  ];
  const text = sentences.join(' ');
  const offsets: number[] = [];
  let at = 0;
  for (const s of sentences) {
    offsets.push(at, at + s.length);
    at += s.length + 1;
  }
  const tokens = ['kelso', 'bridg', 'open'].map((term, i) => {
    const word = ['Kelso', 'bridge', 'opened'][i]!;
    const start = text.indexOf(word);
    return { term, start, end: start + word.length };
  });
  const weights = new Map(['kelso', 'bridg', 'open'].map((t) => [t, { weight: 2, group: t }]));

  it('is the previous sentence, on a tie, when only it holds the kind of answer asked for', () => {
    const e = excerptOf(text, offsets, weights, tokens, { type: 'time', asked: new Set(['when', 'kelso']) });
    expect(e.text).toBe(`${sentences[0]} ${sentences[1]}`);
  });

  it('is the next sentence when the question asks for no particular kind of answer', () => {
    const e = excerptOf(text, offsets, weights, tokens, { type: null, asked: new Set() });
    expect(e.text).toBe(`${sentences[1]} ${sentences[2]}`);
  });
});

describe('a quote of two sentences apart', () => {
  const build = (builders: string) =>
    NewsIndex.build(
      [
        article('k', 'Kelso bridge', [
          'Rain fell across the valley for most of the week.',
          `The Kelso bridge over the river opened to traffic on Monday. ${builders}`,
          'Shops on the high street stayed shut for the parade.',
          'Traffic on the Kelso road has doubled since the spring.',
        ]),
        article('o', 'Harbour news', ['The harbour reopened on Friday after the storms.']),
      ],
      { aliases: buildAliasTable({ aliases: [] }) },
    );
  const question = 'Which firm opened the Kelso bridge to traffic?';

  it("keeps the first sentence's neighbour beside them when all three fit", () => {
    const { excerpt } = answerQuestion(build('Its builders, Halden and Sons, finished two months early.'), question, {
      k: 1,
    }).results[0]!;
    expect(excerpt).toContain('Halden and Sons');
    expect(excerpt).toContain('Traffic on the Kelso road');
    expect(excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
  });

  it('drops the neighbour when the three would not fit', () => {
    const long = `Its builders ${'worked through every night of a long and bitter winter, '.repeat(6)}and finished early.`;
    const { excerpt } = answerQuestion(build(long), question, { k: 1 }).results[0]!;
    expect(excerpt).toContain('The Kelso bridge over the river');
    expect(excerpt).not.toContain('Its builders');
    expect(excerpt).toContain('Traffic on the Kelso road');
    expect(excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
  });
});

describe('an excerpt that reads on', () => {
  // The sentence that echoes the question is followed, in the same paragraph, by the ones that answer it.
  const routes =
    'The fighters have to flee elsewhere, to Africa or towards Asia. In the first case the route passes through Sudan. ' +
    'In the second, it runs from Pakistan. Smugglers charge for both.';
  const index = NewsIndex.build(
    [
      {
        ...article('r', 'Escape routes', []),
        sections: [
          { paragraphs: [routes, 'Officials declined to comment.'] },
          { heading: 'Elsewhere', paragraphs: ['Officials in the capital opened a new road.'] },
        ],
      },
      article('s', 'Markets', ['Prices of grain rose in Africa this week.']),
    ],
    { aliases: buildAliasTable({ aliases: [] }) },
  );

  it('quotes the sentences after the one that holds the question, while they fit the limit', () => {
    const r = answerQuestion(index, 'If they head towards Asia, which country is on the way?', { k: 1 }).results[0]!;
    expect(r.articleId).toBe('r');
    expect(r.excerpt).toContain('towards Asia');
    expect(r.excerpt).toContain('Pakistan');
    expect(r.excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
    // It reads on into the next paragraph of the section, and stops at the next section's heading.
    expect(r.excerpt).toContain('Officials declined');
    expect(r.excerpt).not.toContain('new road');
  });

  it('reads back to the sentences before when the section ends first', () => {
    const r = answerQuestion(index, 'Who charges for both routes?', { k: 1 }).results[0]!;
    expect(r.excerpt).toContain('Smugglers charge');
    expect(r.excerpt.startsWith('The fighters have to flee')).toBe(true);
  });

  it('never runs past the limit', () => {
    const long = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} tells of the convoy and its ${i + 1} trucks.`);
    const big = NewsIndex.build([article('c', 'Convoy', [long.join(' ')])], {
      aliases: buildAliasTable({ aliases: [] }),
    });
    const r = answerQuestion(big, 'What did the convoy carry?', { k: 1 }).results[0]!;
    expect(r.excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
    expect(r.excerpt.length).toBeGreaterThan(MAX_EXCERPT_CHARS - 60);
  });
});
