import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import type { Article } from '../../src/core/types.js';
import { boilerplate } from '../../src/boilerplateFile.js';

const FORMATS = new URL('../fixtures/formats/', import.meta.url).pathname;
const fixture = (name: string) =>
  parseArticleFile(`formats/${name}`, readFileSync(join(FORMATS, name), 'utf8'), boilerplate());
const one = (text: string, file = 'news/story.txt') => {
  const r = parseArticleFile(file, text, boilerplate());
  expect(r.articles).toHaveLength(1);
  return { article: r.articles[0]!, warnings: r.warnings };
};
const allText = (a: Article) =>
  [a.title, a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])].join('\n');

describe('scraped text with header lines', () => {
  it('reads the headers, drops the repeated headline, the chrome and the photo credits', () => {
    const { articles, warnings } = fixture('with-headers.txt');
    expect(warnings).toEqual([]);
    expect(articles).toEqual([
      {
        id: 'with-headers',
        title: 'Schools close early as storm approaches',
        url: 'https://coastal-herald.example/news/2024/schools-close',
        published: '2024-01-15',
        source: 'The Coastal Herald',
        author: 'Priya Nand',
        tags: [],
        standfirst:
          'All twelve schools in Port Ellis will close at noon on Tuesday as Storm Isla approaches the coast, the education office said',
        photoCredits: 'Coastal Herald',
        sections: [
          { paragraphs: ['Parents were told by text message on Monday evening. Buses will leave at 12.15 p.m.'] },
          {
            heading: 'Travel advice for Tuesday',
            paragraphs: [
              'The coastal road will close at 2 p.m. and the harbour bridge may close to high-sided vehicles if gusts exceed 60 miles an hour.',
            ],
          },
        ],
        file: 'formats/with-headers.txt',
      },
    ]);
  });

  it('starts the body right after the headers when the text does not repeat the headline', () => {
    const { article } = one(
      'Title: Ferry fares rise\nSource: Coast Post\n\nFares rise by 5% in May.\n\nThe operator blamed fuel costs.',
    );
    expect(article).toMatchObject({ title: 'Ferry fares rise', source: 'Coast Post' });
    expect(article.standfirst).toBeUndefined();
    expect(article.sections).toEqual([{ paragraphs: ['Fares rise by 5% in May.', 'The operator blamed fuel costs.'] }]);
  });

  it('reads a headline that only looks like a header as the headline', () => {
    const { article } = one('Date: a night the town will not forget\n\nThe party went on until dawn.');
    expect(article.title).toBe('Date: a night the town will not forget');
    expect(article.published).toBeUndefined();
  });

  it('reads a tags header and an id header', () => {
    const { article } = one(
      'ID: story-7\nTags: storm, harbour , storm\n\nStorm hits harbour\n\nWaves broke over the wall.',
    );
    expect(article).toMatchObject({ id: 'story-7', title: 'Storm hits harbour', tags: ['storm', 'harbour', 'storm'] });
  });
});

describe('scraped text: chrome, paragraphs, headings and captions', () => {
  it('drops similar site chrome in any case, but not sentences that mention it', () => {
    const text = [
      'Skip to content',
      'SKIP TO MAIN CONTENT',
      'Menu',
      '',
      'Harbour wall repaired',
      '',
      'Share this',
      'Advertisement',
      '',
      'Crews finished the repair on Friday. Readers can skip to the end of the report for costs.',
      '',
      'Share this article',
      'Back to top ↑',
      'Print',
    ].join('\n');
    const { article } = one(text);
    expect(article.title).toBe('Harbour wall repaired');
    expect(article.sections).toEqual([
      { paragraphs: ['Crews finished the repair on Friday. Readers can skip to the end of the report for costs.'] },
    ]);
    expect(allText(article)).not.toMatch(/share this|advertisement|back to top|^menu$|^print$/im);
  });

  it('reads one paragraph per line when the text has no blank lines', () => {
    const { article } = one('Harbour wall repaired\nThe wall is fixed\nCrews finished on Friday.\nIt cost 2 million.');
    expect(article.standfirst).toBe('The wall is fixed');
    expect(article.sections).toEqual([{ paragraphs: ['Crews finished on Friday.', 'It cost 2 million.'] }]);
  });

  it('treats CRLF line ends like LF and collapses whitespace inside paragraphs', () => {
    const lf = one('Headline  here\n\nA standfirst\nover two lines\n\nBody   text\tgoes on.\n\nMore body.').article;
    const crlf = one(
      'Headline  here\r\n\r\nA standfirst\r\nover two lines\r\n\r\nBody   text\tgoes on.\r\n\r\nMore body.',
    ).article;
    expect(crlf).toEqual(lf);
    expect(lf.title).toBe('Headline here');
    expect(lf.standfirst).toBe('A standfirst over two lines');
    expect(lf.sections[0]!.paragraphs).toEqual(['Body text goes on.', 'More body.']);
  });

  it('makes an unpunctuated paragraph followed by text a heading, and counts closing quotes and colons as sentence ends', () => {
    const { article } = one(
      [
        'Headline',
        'Standfirst without a period',
        'First body paragraph.',
        'He said it was “the end”',
        'The list follows:',
        'A section heading',
        'Body under the heading!',
        'Another heading',
        'Last paragraph?',
      ].join('\n\n'),
    );
    expect(article.sections).toEqual([
      { paragraphs: ['First body paragraph.', 'He said it was “the end”', 'The list follows:'] },
      { heading: 'A section heading', paragraphs: ['Body under the heading!'] },
      { heading: 'Another heading', paragraphs: ['Last paragraph?'] },
    ]);
  });

  it('drops a short unpunctuated last line (a caption) but keeps a long one as body', () => {
    const caption = one('Headline\n\nStandfirst\n\nBody text.\n\nThe mayor at the opening on Friday').article;
    expect(caption.sections).toEqual([{ paragraphs: ['Body text.'] }]);
    const long =
      'This closing paragraph has no final full stop but it is far too long to be a picture caption since it goes on and on for well over thirty words about the harbour and the bridge';
    const body = one(`Headline\n\nStandfirst\n\nBody text.\n\n${long}`).article;
    expect(body.sections).toEqual([{ paragraphs: ['Body text.', long] }]);
  });

  it('takes the one paragraph under a headline as body, not standfirst', () => {
    const { article } = one('Headline\n\nThe only paragraph.');
    expect(article.standfirst).toBeUndefined();
    expect(article.sections).toEqual([{ paragraphs: ['The only paragraph.'] }]);
  });

  it('reads other spellings of photo credits and joins several', () => {
    const { article } = one('Headline\n\nStandfirst\n\nBody.\n\nPhoto credit: Reuters\n\nImage credits: AP');
    expect(article.photoCredits).toBe('Reuters; AP');
    expect(allText(article)).not.toMatch(/credit/i);
  });
});

describe('scraped text with nothing in it', () => {
  it('warns about an empty file', () => {
    expect(fixture('blank.txt')).toEqual({
      articles: [],
      warnings: [{ file: 'formats/blank.txt', reason: 'no article text' }],
    });
  });

  it('warns about a file that is only chrome, or only a headline', () => {
    expect(parseArticleFile('c.txt', 'skip to Main Content\n\n  \n\nBack To Top', boilerplate())).toEqual({
      articles: [],
      warnings: [{ file: 'c.txt', reason: 'no article text' }],
    });
    expect(parseArticleFile('h.txt', 'Just a headline\n')).toEqual({
      articles: [],
      warnings: [{ file: 'h.txt', reason: 'no article text' }],
    });
    expect(parseArticleFile('t.txt', 'Title: Only headers\nSource: Nobody\n')).toEqual({
      articles: [],
      warnings: [{ file: 't.txt', reason: 'no article text' }],
    });
  });

  it('loads the article but warns about a header date or URL it cannot read', () => {
    const r = parseArticleFile(
      'd.txt',
      'Title: Fair opens\nPublished: 2024-02-30\nURL: www.fair.example\n\nThe fair opened.',
    );
    expect(r.articles).toEqual([
      { id: 'd', title: 'Fair opens', tags: [], sections: [{ paragraphs: ['The fair opened.'] }], file: 'd.txt' },
    ]);
    expect(r.warnings).toEqual([
      { file: 'd.txt', reason: 'ignored invalid url "www.fair.example"' },
      { file: 'd.txt', reason: 'ignored unreadable date "2024-02-30"' },
    ]);
  });
});
