import { describe, expect, it } from 'vitest';
import { NewsIndex } from '../../src/core/search.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion } from '../../src/core/answer.js';
import type { Article } from '../../src/core/types.js';

const article = (id: string, title: string, paragraphs: string[]): Article => ({ id, title, tags: [], file: `${id}.txt`, sections: [{ paragraphs }] });

// A wire-style story tells its facts first; a later paragraph restates the question's words.
const wire = [
  'PORTVALE, Norland (Wire Service) -- The harbour of Portvale reopened on Friday, a week after storms closed it to shipping.',
  'The first vessel to return was the ferry Osprey, which crossed from the islands with forty passengers aboard.',
  'Dock workers spent the week clearing debris from the quays and repairing two cranes that the wind had toppled.',
  'The harbour master praised the crews. She said the first vessel to return to the harbour after a storm is always a relief.',
];

describe('excerpts from wire-style articles', () => {
  const index = NewsIndex.build([article('w', 'Portvale harbour reopens', wire), article('x', 'Cranes for sale', ['Used cranes are for sale at the quay.'])], {
    aliases: buildAliasTable({ aliases: [] }),
  });

  it('quotes the early paragraph that names the answer over a later one that echoes the question', () => {
    const a = answerQuestion(index, 'Which vessel was the first to return to the harbour?', { k: 1 });
    expect(a.answered).toBe(true);
    expect(a.results[0]!.articleId).toBe('w');
    expect(a.results[0]!.excerpt).toContain('Osprey');
  });
});
