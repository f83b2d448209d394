import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion } from '../../src/core/answer.js';
import { NewsIndex } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';
import { warmUpAnswers, warmUpQuestions } from '../../src/core/warmup.js';

const article = (id: string, title: string): Article => ({
  id,
  title,
  tags: [],
  file: `${id}.txt`,
  sections: [
    {
      paragraphs: [
        `${title}: the council said on Monday that 40 people had been moved from the flooded streets near the river.`,
      ],
    },
  ],
});

const titles = ['Harbour closed by the storm', 'Council moves families', 'River rises in the valley', 'Roads reopen'];
const index = NewsIndex.build(
  titles.map((t, i) => article(`a${i}`, t)),
  { aliases: buildAliasTable({ aliases: [] }) },
);

describe('answer-path warm-up', () => {
  it('asks about headlines spread over the archive, one question per article at most', () => {
    const two = warmUpQuestions(index, 2);
    expect(two).toHaveLength(2);
    // Spread: the first and the middle article, not the first two.
    expect(two[0]).toContain(titles[0]);
    expect(two[1]).toContain(titles[2]);
    const all = warmUpQuestions(index, 50);
    expect(all).toHaveLength(titles.length);
    for (const [i, title] of titles.entries()) expect(all[i]).toContain(title);
    // Several forms, so the date, name and number paths run too.
    expect(new Set(all.map((q) => q.split(' ')[0])).size).toBe(titles.length);
  });

  it('answers them without changing what a question is answered from', () => {
    const before = answerQuestion(index, 'How many people were moved from the flooded streets?', { k: 3 });
    let steps = 0;
    for (const _ of warmUpAnswers(index)) steps++;
    expect(steps).toBe(titles.length);
    const after = answerQuestion(index, 'How many people were moved from the flooded streets?', { k: 3 });
    expect(after).toEqual(before);
  });
});
