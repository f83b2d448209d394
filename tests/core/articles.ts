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
