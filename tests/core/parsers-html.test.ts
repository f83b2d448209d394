import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import type { Article } from '../../src/core/types.js';

const FORMATS = new URL('../fixtures/formats/', import.meta.url).pathname;
const fixture = (name: string) => parseArticleFile(`formats/${name}`, readFileSync(join(FORMATS, name), 'utf8'));
const allText = (a: Article) =>
  [a.title, a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])].join('\n');

const STORY = Array.from(
  { length: 3 },
  (_, i) =>
    `<p>Paragraph ${i + 1}. The harbour master said the new pontoons would be ready before the summer season, and that moorings would be offered first to local owners who lost berths in the storm.</p>`,
).join('\n');
const page = (head: string, body: string) => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe('HTML news pages', () => {
  it('extracts the article with Readability, dropping nav, ads, asides, share links, captions and footer', () => {
    const { articles, warnings } = fixture('coastal-council.html');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a).toMatchObject({
      id: 'coastal-council',
      file: 'formats/coastal-council.html',
      title: 'Council approves flood defence plan',
      url: 'https://coastal-herald.example/news/2024/flood-defence-plan',
      published: '2024-02-20T18:45:00+00:00',
      source: 'The Coastal Herald',
      author: 'Jonah Pell',
      tags: ['flooding', 'council', 'climate'],
      standfirst: 'A 40-year plan to protect the old town from storm surges wins a narrow vote.',
    });
    expect(a.sections.map((s) => [s.heading, s.paragraphs.length])).toEqual([
      [undefined, 3],
      ['Who pays', 1],
      ['What happens next', 1],
    ]);
    expect(a.sections[0]!.paragraphs[0]).toBe(
      'Port Ellis council voted seven to six on Monday night to adopt a 40-year flood defence plan for the old town, ending two years of argument over how to protect the harbour front from storm surges.',
    );
    const text = allText(a);
    for (const chrome of [
      'Advertisement',
      'Sport',
      'Opinion',
      'Search the Herald',
      'Related stories',
      'Storm floods harbour',
      'Share this',
      'All rights reserved',
      'Privacy',
      'sea wall at high tide',
      'By Jonah Pell',
    ]) {
      expect(text).not.toContain(chrome);
    }
  });

  it('takes the headline from the article h1 when there is no og:title, and strips the site name from <title>', () => {
    const withH1 = parseArticleFile(
      'a.html',
      page('<title>Pontoons | Harbour News</title>', `<article><h1>New pontoons for the marina</h1>${STORY}</article>`),
    );
    expect(withH1.articles[0]!.title).toBe('New pontoons for the marina');
    expect(allText(withH1.articles[0]!).match(/New pontoons for the marina/g)).toHaveLength(1);
    const titleOnly = parseArticleFile(
      'b.html',
      page(
        '<title>New pontoons for the marina | Harbour News</title><meta property="og:site_name" content="Harbour News">',
        `<div>${STORY}</div>`,
      ),
    );
    expect(titleOnly.articles[0]).toMatchObject({ title: 'New pontoons for the marina', source: 'Harbour News' });
  });

  it('finds the date in JSON-LD or a <time> element, and an absolute og:url over a relative canonical link', () => {
    const ld = parseArticleFile(
      'ld.html',
      page(
        '<title>T</title><link rel="canonical" href="/news/pontoons"><meta property="og:url" content="https://harbour.example/news/pontoons"><script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","datePublished":"2024-05-01T07:00:00Z","author":{"name":"Sam Hale"},"publisher":{"name":"Harbour News"}}]}</script>',
        `<article>${STORY}</article>`,
      ),
    );
    expect(ld.warnings).toEqual([]);
    expect(ld.articles[0]).toMatchObject({
      published: '2024-05-01T07:00:00Z',
      url: 'https://harbour.example/news/pontoons',
      author: 'Sam Hale',
      source: 'Harbour News',
    });
    const time = parseArticleFile(
      'time.html',
      page('<title>T</title>', `<article><time datetime="2024-05-02">2 May</time>${STORY}</article>`),
    );
    expect(time.articles[0]!.published).toBe('2024-05-02');
  });

  it('keeps the description as standfirst only when it is not the opening paragraph cut short', () => {
    const cut = parseArticleFile(
      'c.html',
      page(
        '<title>T</title><meta name="description" content="Paragraph 1. The harbour master said the new pontoons…">',
        `<article>${STORY}</article>`,
      ),
    );
    expect(cut.articles[0]!.standfirst).toBeUndefined();
    const own = parseArticleFile(
      'o.html',
      page(
        '<title>T</title><meta name="description" content="Marina gets 40 new berths.">',
        `<article>${STORY}</article>`,
      ),
    );
    expect(own.articles[0]!.standfirst).toBe('Marina gets 40 new berths.');
  });

  it('reads list items and quotes as paragraphs, once each', () => {
    const { articles } = parseArticleFile(
      'l.html',
      page(
        '<title>T</title>',
        `<article>${STORY}<ul><li>First point about berths.</li><li><p>Second point, in a paragraph.</p></li></ul><blockquote><p>A quoted line from the harbour master.</p></blockquote></article>`,
      ),
    );
    const paragraphs = articles[0]!.sections.flatMap((s) => s.paragraphs);
    expect(paragraphs.slice(3)).toEqual([
      'First point about berths.',
      'Second point, in a paragraph.',
      'A quoted line from the harbour master.',
    ]);
  });

  it('warns about a page with no article', () => {
    expect(fixture('not-an-article.html')).toEqual({
      articles: [],
      warnings: [{ file: 'formats/not-an-article.html', reason: 'no article found in the page' }],
    });
    expect(parseArticleFile('e.html', '')).toEqual({
      articles: [],
      warnings: [{ file: 'e.html', reason: 'no article found in the page' }],
    });
    expect(parseArticleFile('p.htm', 'plain words, no markup')).toEqual({
      articles: [],
      warnings: [{ file: 'p.htm', reason: 'no article found in the page' }],
    });
  });

  it('reads a bare fragment without <html>', () => {
    const { articles } = parseArticleFile('frag.htm', `<h1>Fragment headline</h1>${STORY}`);
    expect(articles[0]!.title).toBe('Fragment headline');
    expect(articles[0]!.sections[0]!.paragraphs).toHaveLength(3);
  });
});
