import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import { stripInline } from '../../src/core/parsers/markdown.js';

const FORMATS = new URL('../fixtures/formats/', import.meta.url).pathname;
const fixture = (name: string) => parseArticleFile(`formats/${name}`, readFileSync(join(FORMATS, name), 'utf8'));
const md = (text: string, file = 'posts/story.md') => parseArticleFile(file, text);

describe('Markdown with front matter', () => {
  it('reads the fixture: front matter, ## sections, plain text without Markdown syntax', () => {
    const { articles, warnings } = fixture('harbour-bridge.md');
    expect(warnings).toEqual([]);
    expect(articles).toEqual([
      {
        id: 'harbour-bridge',
        title: 'Harbour bridge reopens after six-month repair',
        url: 'https://coastal-herald.example/news/2024/harbour-bridge-reopens',
        published: '2024-03-05',
        source: 'The Coastal Herald',
        author: 'Mira Okafor',
        tags: ['transport', 'infrastructure', 'Port Ellis'],
        sections: [
          {
            paragraphs: [
              'The Harbour Bridge in Port Ellis reopened to traffic on Tuesday morning, six months after engineers closed it when a routine inspection found corroded cables.',
              'Mayor Dana Whitlock cut the ribbon at 7 a.m. and said the repair programme had finished "on time and under budget".',
            ],
          },
          {
            heading: 'What was repaired',
            paragraphs: [
              "Crews replaced 48 of the bridge's 112 suspension cables and resurfaced the deck:",
              'new cables on the northern span',
              'a waterproof membrane under the road surface',
              'LED lighting along both footpaths',
              'The work cost 14.2 million dollars, against a budget of 15 million.',
            ],
          },
          {
            heading: 'What comes next',
            paragraphs: [
              'Heavy goods vehicles remain banned until a load test in April. The council published the test plan:',
              'load test: 2024-04-12 max axle load: 11.5 t',
              '"We will not take chances with a structure this old," said chief engineer Tomas Reyes.',
            ],
          },
        ],
        file: 'formats/harbour-bridge.md',
      },
    ]);
  });

  it('takes the title from the first # heading when the front matter has none', () => {
    const { articles } = md(
      '---\nsource: Gazette\n---\n\nIntro line.\n\n# The Real Title\n\nBody.\n\n# Second part\n\nMore.',
    );
    expect(articles[0]).toMatchObject({ title: 'The Real Title', source: 'Gazette' });
    expect(articles[0]!.sections).toEqual([
      { paragraphs: ['Intro line.', 'Body.'] },
      { heading: 'Second part', paragraphs: ['More.'] },
    ]);
  });

  it('reads a file without front matter, and setext headings', () => {
    const { articles, warnings } = md(
      'Storm Report\n============\n\nWinds reached 90 km/h.\n\nDamage\n------\n\nTwo roofs were lost.',
    );
    expect(warnings).toEqual([]);
    expect(articles[0]).toMatchObject({ id: 'story', title: 'Storm Report', tags: [] });
    expect(articles[0]!.sections).toEqual([
      { paragraphs: ['Winds reached 90 km/h.'] },
      { heading: 'Damage', paragraphs: ['Two roofs were lost.'] },
    ]);
  });

  it('does not repeat a # heading that equals the front-matter title', () => {
    const { articles } = md('---\ntitle: Same\n---\n# Same\n\nBody.');
    expect(articles[0]!.sections).toEqual([{ paragraphs: ['Body.'] }]);
  });

  it('reads tags as a comma string, `date` as the published date, an id, a standfirst and a list of authors', () => {
    const { articles } = md(
      '---\ntitle: T\nid: 1234\ndate: 2024-03-05T10:15:00Z\ntags: harbour, storm ,  \nauthor: [Ana Ruiz, Li Wei]\nsummary: The short version.\n---\n\nBody.',
    );
    expect(articles[0]).toMatchObject({
      id: '1234',
      published: '2024-03-05T10:15:00.000Z',
      tags: ['harbour', 'storm'],
      author: 'Ana Ruiz, Li Wei',
      standfirst: 'The short version.',
    });
  });

  it('normalises every kind of YAML date to ISO', () => {
    const published = (value: string) => md(`---\ntitle: T\npublished: ${value}\n---\n\nBody.`).articles[0]!.published;
    expect(published('2024-03-05')).toBe('2024-03-05');
    expect(published('"2024-03-05 09:30"')).toBe('2024-03-05T09:30');
    expect(published('2024-03-05 09:30:00 +02:00')).toBe('2024-03-05T07:30:00.000Z');
    expect(published('"March 5, 2024"')).toBe('2024-03-05');
  });

  it('warns about broken YAML with the line and the YAML reason', () => {
    expect(fixture('storm-survey-bad-yaml.md')).toEqual({
      articles: [],
      warnings: [
        {
          file: 'formats/storm-survey-bad-yaml.md',
          line: 4,
          reason:
            'invalid front matter: flow sequence in block collection must be sufficiently indented and end with a ]',
        },
      ],
    });
    const r = md('---\ntitle: ok\n  bad: indent\n---\n\nBody.');
    expect(r.warnings).toEqual([
      {
        file: 'posts/story.md',
        line: 2,
        reason: 'invalid front matter: nested mappings are not allowed in compact mappings',
      },
    ]);
  });

  it('warns about front matter of the wrong shape or with a field of the wrong type', () => {
    expect(md('---\n- a\n- b\n---\n\nBody.').warnings).toEqual([
      { file: 'posts/story.md', reason: 'invalid front matter: not a mapping of fields' },
    ]);
    expect(md('---\ntitle: [a, b]\n---\n\nBody.').warnings).toEqual([
      { file: 'posts/story.md', reason: 'invalid front matter: wrong type: "title" is an array, expected a string' },
    ]);
    expect(md('---\ntitle: T\ntags: {a: 1}\n---\n\nBody.').warnings[0]!.reason).toBe(
      'invalid front matter: wrong type: "tags" is an object, expected a list of strings or a comma-separated string',
    );
  });

  it('warns when there is no title or no text', () => {
    expect(md('## Only a subheading\n\nBody.')).toEqual({
      articles: [],
      warnings: [{ file: 'posts/story.md', reason: 'missing title' }],
    });
    expect(md('---\ntitle: Empty\n---\n')).toEqual({
      articles: [],
      warnings: [{ file: 'posts/story.md', reason: 'no article text' }],
    });
    expect(md('')).toEqual({ articles: [], warnings: [{ file: 'posts/story.md', reason: 'missing title' }] });
  });

  it('gives independent results for the same text under two names (no shared parse cache)', () => {
    const text = '---\ntitle: Cached?\ntags: [a]\n---\n\nBody.';
    const a = md(text, 'one.md').articles[0]!;
    a.tags.push('mutated');
    const b = md(text, 'two.md').articles[0]!;
    expect(b).toMatchObject({ id: 'two', file: 'two.md', tags: ['a'] });
  });
});

describe('stripInline', () => {
  it('removes emphasis, links, images, code marks and inline HTML, keeping the words', () => {
    expect(stripInline('**Bold** and *it* and __b__ and _i_ and ~~gone~~ and `code`')).toBe(
      'Bold and it and b and i and gone and code',
    );
    expect(stripInline('See [the report](https://x.example/a_(b)) and ![chart](c.png) here')).toBe(
      'See the report and here',
    );
    expect(stripInline('A [ref link][1] and <https://x.example> and <span class="x">span</span>')).toBe(
      'A ref link and https://x.example and span',
    );
  });

  it('leaves snake_case, lone asterisks, escapes and entities as text', () => {
    expect(stripInline('snake_case_name and 2 * 3 * 4')).toBe('snake_case_name and 2 * 3 * 4');
    expect(stripInline('\\*not emphasis\\* and \\_x\\_')).toBe('*not emphasis* and _x_');
    expect(stripInline('Fish &amp; chips &#8220;hot&#8221; &nbsp;now')).toBe('Fish & chips “hot” now');
  });

  it('drops list bullets, quote marks, rules, reference definitions and comments at block level', () => {
    const { articles } = md(
      '# T\n\n1. first\n2) second\n* third\n\n> quoted\n> text\n\n***\n\n[1]: https://x.example\n\n<!-- hidden -->\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    );
    expect(articles[0]!.sections).toEqual([{ paragraphs: ['first', 'second', 'third', 'quoted text', 'a b', '1 2'] }]);
  });
});
