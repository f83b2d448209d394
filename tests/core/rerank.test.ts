import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { rerank, RERANK_WEIGHTS } from '../../src/core/rerank.js';
import { NewsIndex, type PassageHit } from '../../src/core/search.js';
import { article, firstPassageHit } from './articles.js';

// Paragraphs long enough to be passages of their own.
const storyParagraph =
  'The storm closed the harbour on Monday, and the port authority kept every ship at the outer anchorage until the wind dropped.';
const otherParagraph =
  'Elsewhere the council met to discuss the library budget, the school bus routes and the repairs planned for the town hall roof.';
const index = NewsIndex.build(
  [
    article('opens', 'Weekly update', [storyParagraph, otherParagraph]),
    article('late', 'Weekly update', [otherParagraph, storyParagraph]),
  ],
  { aliases: buildAliasTable({ aliases: [] }) },
);
const query = index.parseQuery('Did the storm close the harbour?');
const hit = (a: number, articleEvidence: number, passageEvidence: number) =>
  firstPassageHit(index, a, articleEvidence, passageEvidence);

describe('rerank', () => {
  it('puts the article that tells the story in its opening passage first when the rest is equal', () => {
    const out = rerank(index, query, [hit(1, 1, 1), hit(0, 1, 1)], () => ({
      coverage: 1,
      namesMissed: 0,
      answerHeld: false,
    }));
    expect(out.map((h) => index.articles[h.article]!.id)).toEqual(['opens', 'late']);
    expect(out[0]!.score).toBeGreaterThan(out[1]!.score);
  });

  it('lets a passage missing a name asked fall below one that holds it', () => {
    const missing = (h: PassageHit) => ({ coverage: 0.8, namesMissed: h.article === 0 ? 1 : 0, answerHeld: false });
    const out = rerank(index, query, [hit(0, 1, 1), hit(1, 0.95, 1)], missing);
    expect(out.map((h) => h.article)).toEqual([1, 0]);
  });

  it('weighs the whole article above the passage alone, and keeps the order of equals', () => {
    expect(RERANK_WEIGHTS.article).toBeGreaterThan(RERANK_WEIGHTS.passage);
    const same = () => ({ coverage: 0.5, namesMissed: 0, answerHeld: false });
    const hits = [hit(0, 0.5, 0.5), hit(0, 0.5, 0.5)].map((h, i) => ({ ...h, passage: h.passage + i }));
    expect(rerank(index, query, hits, same).map((h) => h.passage)).toEqual(hits.map((h) => h.passage));
  });

  it('puts a passage holding the kind of answer asked above an equal one that does not', () => {
    const [first] = index.passageRange(0);
    const held = (h: PassageHit) => ({ coverage: 1, namesMissed: 0, answerHeld: h.passage !== first });
    const hits = [hit(0, 1, 1), { ...hit(0, 1, 1), passage: first + 1 }];
    expect(rerank(index, query, hits, held).map((h) => h.passage)).toEqual([first + 1, first]);
  });

  it('puts a short article above a long one holding the same evidence', () => {
    const paragraph = (i: number) =>
      `Paragraph ${i} of the council minutes records the discussion of the budget, the bus routes and repairs to the roof.`;
    const archive = NewsIndex.build(
      [
        article('short', 'Harbour news', [storyParagraph]),
        article('long', 'Harbour news', [storyParagraph, ...Array.from({ length: 12 }, (_, i) => paragraph(i))]),
        article('rare', 'Harbour news', [
          'The storm hit Kilkeel, where the harbour stayed open all week for the fishing boats.',
        ]),
      ],
      { aliases: buildAliasTable({ aliases: [] }) },
    );
    const at = (a: number) => firstPassageHit(archive, a);
    const same = () => ({ coverage: 1, namesMissed: 0, answerHeld: false });
    const ids = (q: string) =>
      rerank(archive, archive.parseQuery(q), [at(1), at(0)], same).map((h) => archive.articles[h.article]!.id);
    expect(ids('Did the storm close the harbour?').indexOf('short')).toBeLessThan(
      ids('Did the storm close the harbour?').indexOf('long'),
    );
  });
});
