import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import type { Article } from '../../src/core/types.js';
import { loadCorpus } from '../../src/corpus.js';
import { AddRefused, addArticleFile, addArticleUrl, articleToMarkdown } from '../../src/ingest/add.js';
import type { FetchOptions } from '../../src/ingest/fetch.js';
import { articlePage, LOREM, send, startWebServer } from './server.js';

const fetchOptions: FetchOptions = { allowPrivate: true, maxBytes: 200_000, timeoutMs: 3000 };
const corpus = () => mkdtempSync(join(tmpdir(), 'newsdesk-add-'));
const SAMPLES = new URL('../fixtures/formats/', import.meta.url).pathname;
const md = (title: string) => `---\ntitle: ${title}\n---\n\n${LOREM[0]}\n`;
/** Everything under added/, hidden files included (a left-over temp file would show). */
const addedFiles = (dir: string) => (existsSync(join(dir, 'added')) ? readdirSync(join(dir, 'added')).sort() : []);

describe('addArticleFile', () => {
  it('accepts every sample the corpus loader reads, in every format, and refuses the others', async () => {
    const dir = corpus();
    const samples = readdirSync(SAMPLES).filter((n) => /\.(txt|md|html|json|jsonl)$/.test(n));
    const readable = samples.filter(
      (n) => parseArticleFile(n, readFileSync(join(SAMPLES, n), 'utf8')).articles.length > 0,
    );
    expect(new Set(readable.map((n) => n.split('.').pop()))).toEqual(new Set(['txt', 'md', 'html', 'json', 'jsonl']));
    for (const name of samples.filter((n) => !readable.includes(n)))
      await expect(
        addArticleFile(dir, { name, content: readFileSync(join(SAMPLES, name), 'utf8') }),
        name,
      ).rejects.toThrow(AddRefused);
    const stems = new Map<string, number>();
    for (const name of readable) {
      const content = readFileSync(join(SAMPLES, name), 'utf8');
      const added = await addArticleFile(dir, { name, content });
      // articles.json and articles.jsonl share a base name, which gives article ids: the second one gets a new name.
      const [stem, ext] = [name.slice(0, name.lastIndexOf('.')).toLowerCase(), name.slice(name.lastIndexOf('.') + 1)];
      const n = (stems.get(stem) ?? 0) + 1;
      stems.set(stem, n);
      expect(added.file, name).toBe(n === 1 ? `added/${stem}.${ext}` : `added/${stem}-${n}.${ext}`);
      expect(readFileSync(join(dir, added.file), 'utf8')).toBe(content);
      expect(added.articles).toEqual(
        parseArticleFile(added.file, content).articles.map((a) => ({ id: a.id, title: a.title })),
      );
      expect(added.articles.length, name).toBeGreaterThan(0);
    }
    expect(addedFiles(dir)).toHaveLength(readable.length);
    expect(addedFiles(dir)).toContain('articles-2.jsonl');
  });

  it('accepts .markdown and .htm, whatever the case of the extension', async () => {
    const dir = corpus();
    const page = readFileSync(join(SAMPLES, 'news-page.html'), 'utf8');
    expect((await addArticleFile(dir, { name: 'Notes.MARKDOWN', content: md('Harbour notes') })).file).toBe(
      'added/notes.markdown',
    );
    expect((await addArticleFile(dir, { name: 'page.htm', content: page })).file).toBe('added/page.htm');
  });

  it('refuses unsupported types, empty, oversize and malformed files, and writes nothing', async () => {
    const dir = corpus();
    await expect(addArticleFile(dir, { name: 'notes.pdf', content: '%PDF-1.4' })).rejects.toThrow(
      new AddRefused(
        '“notes.pdf” is not a file Newsdesk reads: send txt, text, md, markdown, html, htm, json, jsonl, ndjson',
      ),
    );
    await expect(addArticleFile(dir, { name: 'table.csv', content: 'a,b\n1,2' })).rejects.toThrow(
      '“table.csv” is not a file Newsdesk reads',
    );
    await expect(addArticleFile(dir, { name: 'README', content: 'text' })).rejects.toThrow(
      '“README” is not a file Newsdesk reads',
    );
    await expect(addArticleFile(dir, { name: 'empty.md', content: '' })).rejects.toThrow(
      new AddRefused('the file is empty'),
    );
    await expect(addArticleFile(dir, { name: 'blank.txt', content: ' \n\n \t' })).rejects.toThrow(
      new AddRefused('the file is empty'),
    );
    await expect(
      addArticleFile(dir, { name: 'big.txt', content: 'é'.repeat(600) }, { maxBytes: 1000 }),
    ).rejects.toThrow(new AddRefused('the file is larger than 1 kB'));
    await expect(addArticleFile(dir, { name: 'broken.json', content: '{"title": "Half' })).rejects.toThrow(
      /^invalid JSON/,
    );
    await expect(
      addArticleFile(dir, { name: 'no-title.md', content: '---\nurl: https://example.org/a\n---\n\nSome text.' }),
    ).rejects.toThrow(new AddRefused('missing title'));
    await expect(
      addArticleFile(dir, { name: 'bad.md', content: '---\ntitle: [unclosed\n---\n\nText.' }),
    ).rejects.toThrow(/^line \d+: invalid front matter/);
    expect(addedFiles(dir)).toEqual([]);
  });

  it('keeps uploads inside added/ whatever their name, and never overwrites a file', async () => {
    const dir = corpus();
    const a = await addArticleFile(dir, { name: '../../etc/passwd.txt', content: `Harbour reopens\n\n${LOREM[0]}` });
    const b = await addArticleFile(dir, {
      name: '..\\..\\etc\\passwd.txt',
      content: `Harbour reopens again\n\n${LOREM[1]}`,
    });
    const c = await addArticleFile(dir, { name: '_hidden.md', content: md('Hidden') });
    const d = await addArticleFile(dir, { name: '.env.md', content: md('Dotfile') });
    const e = await addArticleFile(dir, { name: 'Café Report: Day 1?.md', content: md('Cafe') });
    expect([a.file, b.file, c.file, d.file, e.file]).toEqual([
      'added/passwd.txt',
      'added/passwd-2.txt',
      'added/hidden.md',
      'added/env.md',
      'added/cafe-report-day-1.md',
    ]);
    expect(readFileSync(join(dir, 'added/passwd.txt'), 'utf8')).toContain(LOREM[0]);
    expect(readdirSync(dir)).toEqual(['added']);
    expect(addedFiles(dir)).toEqual(['cafe-report-day-1.md', 'env.md', 'hidden.md', 'passwd-2.txt', 'passwd.txt']);
    // What was added is what the corpus loader sees, without warnings.
    const loaded = await loadCorpus(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.articles.map((x) => x.title).sort()).toEqual([
      'Cafe',
      'Dotfile',
      'Harbour reopens',
      'Harbour reopens again',
      'Hidden',
    ]);
  });

  it('gives every one of several simultaneous uploads of one name its own file', async () => {
    const dir = corpus();
    const added = await Promise.all(
      Array.from({ length: 6 }, (_, i) => addArticleFile(dir, { name: 'wire.md', content: md(`Wire ${i}`) })),
    );
    expect(new Set(added.map((x) => x.file)).size).toBe(6);
    expect(addedFiles(dir)).toEqual(['wire-2.md', 'wire-3.md', 'wire-4.md', 'wire-5.md', 'wire-6.md', 'wire.md']);
    const titles = added.map(
      (x) => parseArticleFile(x.file, readFileSync(join(dir, x.file), 'utf8')).articles[0]!.title,
    );
    expect(titles.sort()).toEqual(['Wire 0', 'Wire 1', 'Wire 2', 'Wire 3', 'Wire 4', 'Wire 5']);
  });

  it('never shadows an article already in the archive', async () => {
    const dir = corpus();
    mkdirSync(join(dir, '2030'));
    writeFileSync(join(dir, '2030', 'Bridge.md'), md('The original bridge story'));
    // Same file name elsewhere in the corpus: a new name, so that the two ids differ.
    const added = await addArticleFile(dir, { name: 'bridge.md', content: md('The uploaded bridge story') });
    expect(added.file).toBe('added/bridge-2.md');
    expect(added.articles).toEqual([{ id: 'bridge-2', title: 'The uploaded bridge story' }]);
    // An id the upload names itself that the archive already has: refused.
    await expect(
      addArticleFile(dir, { name: 'other.md', content: `---\nid: Bridge\ntitle: Impostor\n---\n\n${LOREM[1]}` }),
    ).rejects.toThrow(new AddRefused('the archive already has an article with the id "Bridge"'));
    const loaded = await loadCorpus(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.articles.map((a) => a.title).sort()).toEqual([
      'The original bridge story',
      'The uploaded bridge story',
    ]);
  });

  it('refuses an id the archive has anywhere, and ids of the form servers’ own articles get', async () => {
    const dir = corpus();
    // Ids the archive has outside this folder (the shared corpus, for a server's upload), in lower case.
    const existingIds = new Set(['wire-0412', 'harbour-notes']);
    await expect(
      addArticleFile(
        dir,
        { name: 'a.json', content: JSON.stringify({ id: 'WIRE-0412', title: 'Impostor', body: LOREM[0] }) },
        { existingIds },
      ),
    ).rejects.toThrow(new AddRefused('the archive already has an article with the id "WIRE-0412"'));
    await expect(
      addArticleFile(dir, {
        name: 'b.md',
        content: `---\nid: g123456789012345678/bridge\ntitle: Spoof\n---\n\n${LOREM[0]}`,
      }),
    ).rejects.toThrow(new AddRefused('ids like "g123456789012345678/bridge" (g, a server id, a slash) are reserved'));
    // A name whose derived id the archive has is not used.
    expect(
      (await addArticleFile(dir, { name: 'Harbour notes.md', content: md('Harbour notes') }, { existingIds })).file,
    ).toBe('added/harbour-notes-2.md');
    expect(addedFiles(dir)).toEqual(['harbour-notes-2.md']);
  });

  it('refuses to add to a corpus that is a single file', async () => {
    const file = join(corpus(), 'corpus.jsonl');
    writeFileSync(file, '');
    await expect(addArticleFile(file, { name: 'a.md', content: md('T') })).rejects.toThrow(
      new AddRefused('this archive is a single file: articles can be added only to a corpus directory'),
    );
  });
});

describe('addArticleUrl', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  beforeAll(async () => {
    web = await startWebServer({
      '/news/harbour': send(
        'text/html; charset=utf-8',
        articlePage('Harbour of Tartus reopens *to* cargo ships', LOREM),
      ),
      '/s/1': (_req, res) => res.writeHead(301, { location: '/news/harbour' }).end(),
      '/empty': send('text/html', '<html><body><nav>Home</nav></body></html>'),
      '/data.json': send('application/json', '{"a":1}'),
    });
  });
  afterAll(() => web.close());

  it('extracts the article, keeps its title, final url, date and site, and writes Markdown that reads back the same', async () => {
    const dir = corpus();
    const added = await addArticleUrl(dir, `${web.base}/s/1`, fetchOptions);
    expect(added).toEqual({
      file: 'added/harbour-of-tartus-reopens-to-cargo-ships.md',
      articles: [
        { id: 'harbour-of-tartus-reopens-to-cargo-ships', title: 'Harbour of Tartus reopens *to* cargo ships' },
      ],
      warnings: [],
    });
    const text = readFileSync(join(dir, added.file), 'utf8');
    expect(
      text.startsWith(`---\ntitle: "Harbour of Tartus reopens *to* cargo ships"\nurl: "${web.base}/news/harbour"\n`),
    ).toBe(true);
    const [article] = parseArticleFile(added.file, text).articles;
    expect(article).toMatchObject({
      title: 'Harbour of Tartus reopens *to* cargo ships',
      url: `${web.base}/news/harbour`,
      source: 'Test Gazette',
      published: '2030-01-05T10:00:00Z',
    });
    expect(article!.sections.flatMap((s) => s.paragraphs)).toEqual(LOREM);
  });

  it('refuses pages without an article, links that are not pages, and private addresses', async () => {
    const dir = corpus();
    await expect(addArticleUrl(dir, `${web.base}/empty`, fetchOptions)).rejects.toThrow(
      new AddRefused('no article found on that page'),
    );
    await expect(addArticleUrl(dir, `${web.base}/data.json`, fetchOptions)).rejects.toThrow(
      new AddRefused('that link is not a web page'),
    );
    await expect(
      addArticleUrl(dir, `${web.base}/news/harbour`, { ...fetchOptions, allowPrivate: false }),
    ).rejects.toThrow('that address is on a private network');
    await expect(addArticleUrl(dir, `${web.base}/missing`, fetchOptions)).rejects.toThrow('the site answered 404');
    expect(addedFiles(dir)).toEqual([]);
  });
});

describe('articleToMarkdown', () => {
  const base: Article = {
    id: 'x',
    title: 'Prices *soar* in #Aleppo',
    url: 'https://example.org/a?b=1&c=2',
    published: '2030-01-05',
    source: 'Gazette',
    author: 'Rima Haddad',
    tags: ['economy', '2030'],
    standfirst: 'Bread costs [twice] as much.',
    file: 'x.md',
    sections: [
      {
        paragraphs: [
          '- not a list',
          '1. not a number',
          'A <b>tag</b> and a_b_c.',
          '# not a heading',
          '> not a quote',
          '---',
          'AT&amp;T, &copy; and &#169;.',
        ],
      },
      { heading: 'What `next`', paragraphs: ['Talks resume on Monday.'] },
    ],
  };

  it('round-trips through the Markdown loader, Markdown characters included', () => {
    const back = parseArticleFile('x.md', articleToMarkdown(base)).articles[0]!;
    const { file: _f, id: _i, ...expected } = base;
    expect(back).toMatchObject(expected);
  });

  it('keeps front matter values that YAML 1.1 would read as dates, booleans or numbers as text', () => {
    for (const title of [
      '2030-01-05',
      'yes',
      'no',
      '1_000',
      '1:20',
      '0x1F',
      'null',
      '~',
      '- dash',
      ': colon',
      '"quoted"',
      "it's",
      '@handle',
      '%percent',
      '* star',
      '& anchor',
      '! tag',
      '[list]',
      '{map}',
      '#hash',
      '|pipe',
      '>fold',
    ]) {
      const back = parseArticleFile('x.md', articleToMarkdown({ ...base, title, source: title })).articles[0];
      expect(back, title).toMatchObject({ title, source: title });
    }
  });

  it('round-trips any tidy text (property)', () => {
    const chars = fc.constantFrom(...'ab Z09.,;:!?-_*#`~[](){}<>|\\/&;"\'=+@%$^é—“”\u00A0'.split(''));
    const tidy = fc
      .string({ unit: chars, minLength: 1, maxLength: 40 })
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(
        tidy,
        fc.array(tidy, { minLength: 1, maxLength: 4 }),
        fc.option(tidy, { nil: undefined }),
        (title, paragraphs, heading) => {
          const article: Article = {
            id: 'x',
            title,
            tags: [],
            file: 'x.md',
            sections: [heading === undefined ? { paragraphs } : { heading, paragraphs }],
          };
          const back = parseArticleFile('x.md', articleToMarkdown(article)).articles[0];
          expect(back?.title).toBe(title);
          expect(back?.sections).toEqual(article.sections);
        },
      ),
      { numRuns: 300 },
    );
  });
});
