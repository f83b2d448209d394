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

  it('also asks naming an outlet, a quoted phrase, a day, a misspelt word and a second story', () => {
    const dated = NewsIndex.build(
      Array.from({ length: 9 }, (_, i) => ({
        ...article(`d${i}`, `Harbour reopened after ${i + 2} storms`),
        source: 'Coast Post',
        published: `2023-10-0${i + 1}T08:00:00Z`,
      })),
      { aliases: buildAliasTable({ aliases: [] }) },
    );
    const asked = warmUpQuestions(dated, 9);
    expect(asked.some((q) => q.includes('Coast Post') && /"[^"]+"/.test(q))).toBe(true);
    expect(asked.some((q) => /October \d, 2023/.test(q))).toBe(true);
    // "reopened" with two letters swapped: a word the archive never saw, one edit from one it holds.
    expect(asked.some((q) => q.includes('repoened'))).toBe(true);
    expect(
      asked.filter((q) => q.includes('Harbour reopened')).some((q) => q.split('Harbour reopened').length > 2),
    ).toBe(true);
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
