import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import { AddRefused, addArticleFile, addArticleUrl, articleToMarkdown } from '../../src/ingest/add.js';
import type { FetchOptions } from '../../src/ingest/fetch.js';
import { articlePage, LOREM, send, startWebServer } from './server.js';

const fetchOptions: FetchOptions = { allowPrivate: true, maxBytes: 200_000, timeoutMs: 3000 };
const corpus = () => mkdtempSync(join(tmpdir(), 'newsdesk-add-'));
const SAMPLES = new URL('../fixtures/formats/', import.meta.url).pathname;

describe('addArticleFile', () => {
  it('accepts every sample the corpus loader reads, in every format, and refuses the others', async () => {
    const dir = corpus();
    const samples = readdirSync(SAMPLES).filter((n) => /\.(txt|md|html|json|jsonl)$/.test(n));
    const readable = samples.filter((n) => parseArticleFile(n, readFileSync(join(SAMPLES, n), 'utf8')).articles.length > 0);
    expect(new Set(readable.map((n) => n.split('.').pop()))).toEqual(new Set(['txt', 'md', 'html', 'json', 'jsonl']));
    for (const name of samples.filter((n) => !readable.includes(n))) await expect(addArticleFile(dir, { name, content: readFileSync(join(SAMPLES, name), 'utf8') }), name).rejects.toThrow(AddRefused);
    for (const name of readable) {
      const added = await addArticleFile(dir, { name, content: readFileSync(join(SAMPLES, name), 'utf8') });
      expect(added.file.startsWith('added/'), name).toBe(true);
      expect(added.articles.length, name).toBeGreaterThan(0);
      expect(existsSync(join(dir, added.file))).toBe(true);
      expect(parseArticleFile(added.file, readFileSync(join(dir, added.file), 'utf8')).articles.map((a) => a.title)).toEqual(added.articles.map((a) => a.title));
    }
  });

  it('refuses what holds no article, and writes nothing', async () => {
    const dir = corpus();
    await expect(addArticleFile(dir, { name: 'notes.pdf', content: '%PDF-1.4' })).rejects.toThrow(/is not a file Newsdesk reads/);
    await expect(addArticleFile(dir, { name: 'empty.md', content: '' })).rejects.toThrow(AddRefused);
    await expect(addArticleFile(dir, { name: 'broken.json', content: '{"title": "Half' })).rejects.toThrow(/JSON/i);
    expect(existsSync(join(dir, 'added')) ? readdirSync(join(dir, 'added')) : []).toEqual([]);
  });

  it('keeps uploads inside added/ whatever their name, and never overwrites a file', async () => {
    const dir = corpus();
    const content = `---\ntitle: Harbour reopens\n---\n\n${LOREM[0]}\n`;
    const a = await addArticleFile(dir, { name: '../../etc/passwd.md', content });
    const b = await addArticleFile(dir, { name: '../../etc/passwd.md', content });
    const c = await addArticleFile(dir, { name: '_hidden.md', content });
    expect([a.file, b.file, c.file]).toEqual(['added/passwd.md', 'added/passwd-2.md', 'added/hidden.md']);
    expect(readdirSync(join(dir, 'added')).sort()).toEqual(['hidden.md', 'passwd-2.md', 'passwd.md']);
  });

  it('refuses to add to a corpus that is a single file', async () => {
    const file = join(corpus(), 'corpus.jsonl');
    writeFileSync(file, '');
    await expect(addArticleFile(file, { name: 'a.md', content: `---\ntitle: T\n---\n\n${LOREM[0]}` })).rejects.toThrow('this archive is a single file');
  });
});

describe('addArticleUrl', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  beforeAll(async () => {
    web = await startWebServer({
      '/news/harbour': send('text/html; charset=utf-8', articlePage('Harbour of Tartus reopens *to* cargo ships', LOREM)),
      '/empty': send('text/html', '<html><body><nav>Home</nav></body></html>'),
      '/data.json': send('application/json', '{"a":1}'),
    });
  });
  afterAll(() => web.close());

  it('extracts the article, keeps its title, url, date and site, and writes Markdown that reads back the same', async () => {
    const dir = corpus();
    const added = await addArticleUrl(dir, `${web.base}/news/harbour`, fetchOptions);
    expect(added.articles.map((a) => a.title)).toEqual(['Harbour of Tartus reopens *to* cargo ships']);
    const [article] = parseArticleFile(added.file, readFileSync(join(dir, added.file), 'utf8')).articles;
    expect(article).toMatchObject({ title: 'Harbour of Tartus reopens *to* cargo ships', url: `${web.base}/news/harbour`, source: 'Test Gazette' });
    expect(article!.published?.slice(0, 10)).toBe('2030-01-05');
    const text = article!.sections.flatMap((s) => s.paragraphs).join(' ');
    expect(text).toContain('four million dollars');
    expect(text).not.toMatch(/Back to top|Home/);
  });

  it('refuses pages without an article, and links that are not pages', async () => {
    await expect(addArticleUrl(corpus(), `${web.base}/empty`, fetchOptions)).rejects.toThrow(/no article found/);
    await expect(addArticleUrl(corpus(), `${web.base}/data.json`, fetchOptions)).rejects.toThrow('that link is not a web page');
    await expect(addArticleUrl(corpus(), `${web.base}/news/harbour`, { ...fetchOptions, allowPrivate: false })).rejects.toThrow('that address is on a private network');
  });
});

describe('articleToMarkdown', () => {
  it('round-trips through the Markdown loader, Markdown characters included', () => {
    const article = { id: 'x', title: 'Prices *soar* in #Aleppo', url: 'https://example.org/a', published: '2030-01-05', source: 'Gazette', tags: ['economy'], standfirst: 'Bread costs [twice] as much.', file: 'x.md', sections: [{ paragraphs: ['- not a list', '1. not a number', 'A <b>tag</b> and a_b_c.'] }, { heading: 'What next', paragraphs: ['Talks resume on Monday.'] }] };
    const back = parseArticleFile('x.md', articleToMarkdown(article)).articles[0]!;
    expect(back).toMatchObject({ title: article.title, url: article.url, published: article.published, source: article.source, tags: article.tags, standfirst: article.standfirst });
    expect(back.sections).toEqual(article.sections);
  });
});
