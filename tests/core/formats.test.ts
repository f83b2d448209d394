import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseArticleFile } from '../../src/core/article.js';
import { parseJsonLines } from '../../src/core/parsers/json.js';
import type { Article } from '../../src/core/types.js';
import { boilerplate } from '../../src/boilerplateFile.js';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const read = (rel: string) => readFileSync(join(FIX, rel), 'utf8');
// As the corpus reader parses: with the shipped page-furniture patterns.
const parse = (rel: string) => parseArticleFile(rel, read(rel), boilerplate());
const allText = (a: Article) =>
  [a.title, a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])].join('\n');

describe('scraped text (the seed articles)', () => {
  const seeds = readdirSync(join(FIX, 'seeds'))
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const parsed = seeds.map((f) => parse(`seeds/${f}`));

  it('loads all five with no warnings', () => {
    expect(seeds).toHaveLength(5);
    for (const p of parsed) expect(p).toMatchObject({ warnings: [], articles: [expect.any(Object)] });
  });

  it('takes the headline as title and the file name as id', () => {
    expect(parsed.map((p) => p.articles[0]!.title)).toEqual([
      'Syria, the Isis leaders begin to flee after al-Baghdadi’s death',
      'Syria, Isis mass escapes from Deir Ezzor to Idlib and Iraq continue',
      'Syria, the heads of Isis try to escape from Deir Ezzor because of SDF’s pressing',
      'Daesh has collapsed in Syria, it’s confirmed by the arrest of 5 prominent leaders in Iraq',
      'Syria, the Isis group in Badia Al-Sham could try to escape to Iraq',
    ]);
    expect(parsed[0]!.articles[0]!.id).toBe('000_265a22b589eca241');
  });

  it('keeps the standfirst apart from the body', () => {
    expect(parsed[0]!.articles[0]!.standfirst).toMatch(/^Mass escapes of ISIS leaders from Syria begin/);
    expect(parsed[4]!.articles[0]!.standfirst).toMatch(/^The big Isis group in the Badia al-Sham desert/);
  });

  it('drops the site chrome everywhere', () => {
    for (const p of parsed) expect(allText(p.articles[0]!)).not.toMatch(/skip to Main Content|Back To Top/i);
  });

  it('recognises sub-headings as headings of the passages that follow', () => {
    expect(parsed.map((p) => p.articles[0]!.sections.filter((s) => s.heading).length)).toEqual([1, 1, 1, 1, 1]);
    const first = parsed[0]!.articles[0]!.sections.find((s) => s.heading)!;
    expect(first.heading).toMatch(/^Meanwhile, Jazeera Storm continues the hunt/);
    expect(first.paragraphs[0]).toMatch(/^Meanwhile, in the East of Syria/);
  });

  it('keeps photo credits as metadata, out of the body', () => {
    const a = parsed[2]!.articles[0]!;
    expect(a.photoCredits).toBe('SDF');
    expect(allText(a)).not.toMatch(/Photo Credits/);
  });

  it('keeps a trailing caption out of the body', () => {
    expect(allText(parsed[3]!.articles[0]!)).not.toContain('The General Gedney Tweet');
  });

  it('reads optional header lines', () => {
    const [a] = parse('formats/header-article.txt').articles;
    expect(a).toMatchObject({
      title: 'Council approves budget',
      url: 'https://example.org/budget',
      published: '2024-05-02',
      source: 'City Post',
    });
  });

  it('warns about a file with no article text', () => {
    expect(parse('formats/empty.txt')).toEqual({
      articles: [],
      warnings: [{ file: 'formats/empty.txt', reason: 'no article text' }],
    });
  });
});

describe('Markdown with front matter', () => {
  it('reads the front matter and splits sections at headings, without Markdown syntax', () => {
    const { articles, warnings } = parse('formats/markdown-article.md');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a).toMatchObject({
      title: 'Harbour reopens after the storm',
      url: 'https://example.org/news/harbour-reopens',
      source: 'Example Gazette',
      tags: ['harbour', 'storm'],
    });
    expect(a.published).toMatch(/^2024-03-05/);
    expect(a.sections.map((s) => s.heading)).toEqual([undefined, 'What was damaged', 'What comes next']);
    expect(a.sections[0]!.paragraphs[0]).toBe(
      'The harbour reopened on Tuesday after a week of repairs, said the port authority.',
    );
    expect(a.sections[1]!.paragraphs).toEqual([
      'Two cranes were toppled by the wind.',
      'The north pier lost forty metres of railing.',
    ]);
    expect(allText(a)).not.toMatch(/crane\.jpg|\*\*|\]\(/);
  });

  it('skips a file with broken front matter, naming it', () => {
    const { articles, warnings } = parse('formats/bad-front-matter.md');
    expect(articles).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.file).toBe('formats/bad-front-matter.md');
    expect(warnings[0]!.reason).toMatch(/^invalid front matter: /);
  });
});

describe('HTML pages', () => {
  it('extracts the article with Readability and its metadata from the head', () => {
    const { articles, warnings } = parse('formats/news-page.html');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a).toMatchObject({
      url: 'https://coast.example/ferry-strike-ends',
      source: 'Coast Post',
      published: '2024-04-10T09:30:00Z',
      author: 'Ana Ruiz',
    });
    expect(a.title).toMatch(/Ferry strike ends/);
    const text = allText(a);
    expect(text).toContain('the union accepted a new pay offer');
    expect(text).toContain('limits shifts to twelve hours');
    expect(text).not.toMatch(/Advertisement|Subscribe now|Cookie settings|Privacy policy/);
    expect(a.sections.map((s) => s.heading).filter(Boolean)).toEqual(['The deal', 'Timetable']);
  });

  it('warns when a page holds no article', () => {
    expect(parse('formats/no-article.html')).toEqual({
      articles: [],
      warnings: [{ file: 'formats/no-article.html', reason: 'no article found in the page' }],
    });
  });
});

describe('JSON and JSONL', () => {
  it('loads an array, skipping a bad record with a reason', () => {
    const { articles, warnings } = parse('formats/articles.json');
    expect(articles.map((a) => a.id)).toEqual(['j1', 'j3']);
    expect(articles[0]).toMatchObject({
      url: 'https://example.org/bridge',
      source: 'Town Times',
      published: '2024-01-15T08:00:00Z',
    });
    expect(articles[0]!.sections[0]!.paragraphs).toEqual([
      'The new bridge opened to traffic on Monday.',
      'It links the two halves of the town.',
    ]);
    expect(warnings).toEqual([{ file: 'formats/articles.json', reason: 'item 1: missing body' }]);
  });

  it('loads JSONL line by line, naming each bad line', () => {
    const { articles, warnings } = parse('formats/articles.jsonl');
    expect(articles.map((a) => a.id)).toEqual(['l1', 'l5']);
    expect(warnings.map((w) => [w.line, w.reason.split(':')[0]])).toEqual([
      [2, 'invalid JSON'],
      [4, 'missing title'],
      [5, 'expected an article object, got an array'],
    ]);
    for (const w of warnings) expect(w.file).toBe('formats/articles.jsonl');
  });

  it('turns any garbage line into exactly one warning for that line (property)', () => {
    const good = JSON.stringify({ id: 'g', title: 'Good', body: 'Some body text.' });
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 40 })
          .filter((s) => !s.includes('\n') && s.trim() !== '' && !/^\s*\{/.test(s)),
        (junk) => {
          const { articles, warnings } = parseJsonLines('x.jsonl', `${good}\n${junk}\n${good.replace('"g"', '"h"')}`);
          expect(articles.map((a) => a.id)).toEqual(['g', 'h']);
          expect(warnings).toHaveLength(1);
          expect(warnings[0]!.line).toBe(2);
        },
      ),
    );
  });

  it.runIf(existsSync('/work/shared/bench/multihop-rag/corpus.jsonl'))('loads the MultiHop-RAG corpus as it is', () => {
    const { articles, warnings } = parseArticleFile(
      'corpus.jsonl',
      readFileSync('/work/shared/bench/multihop-rag/corpus.jsonl', 'utf8'),
    );
    expect(warnings).toEqual([]);
    expect(articles).toHaveLength(609);
    expect(articles[175]).toMatchObject({
      id: 'd0175',
      source: 'The Verge',
      title: 'The FTX trial is bigger than Sam Bankman-Fried',
    });
  });
});

describe('unsupported files', () => {
  it('names an unsupported file type', () => {
    expect(parseArticleFile('notes.csv', 'a,b')).toEqual({
      articles: [],
      warnings: [{ file: 'notes.csv', reason: 'unsupported file type ".csv"' }],
    });
  });
});
