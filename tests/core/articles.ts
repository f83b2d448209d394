import type { AnswerIndex } from '../../src/core/answerIndex.js';
import type { PassageHit } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';

/** An article for a test archive: its paragraphs in one section, a file named after its id. */
export const article = (id: string, title: string, paragraphs: string[], extra: Partial<Article> = {}): Article => ({
  id,
  title,
  tags: [],
  file: `${id}.txt`,
  sections: [{ paragraphs }],
  ...extra,
});

/** A ranking's hit on article a's first passage, with the evidence given (its score their sum). */
export const firstPassageHit = (
  index: Pick<AnswerIndex, 'passageRange'>,
  a: number,
  articleEvidence = 1,
  passageEvidence = 1,
): PassageHit => ({
  passage: index.passageRange(a)[0],
  article: a,
  score: articleEvidence + passageEvidence,
  articleEvidence,
  passageEvidence,
  matched: [],
});
