import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import { loadCorpus } from '../../src/corpus.js';
import { pollFeed, probeFeed } from '../../src/ingest/feeds.js';
import { FetchRefused, type FetchOptions } from '../../src/ingest/fetch.js';
import { Store } from '../../src/store/store.js';
import { articlePage, LOREM, send, startWebServer } from './server.js';

const fetchOptions: FetchOptions = { allowPrivate: true, maxBytes: 200_000, timeoutMs: 3000 };
const G = '123456789012345678';
const NOT_A_FEED = 'that address does not serve an RSS or Atom feed';

const FULL = [...LOREM, ...LOREM.map((p) => p.replace('The', 'Later, the'))].map((p) => `<p>${p}</p>`).join('');
const item = (title: string, link: string | null, guid: string | null, body: string, extra = '') =>
  `<item><title>${title}</title>${link ? `<link>${link}</link>` : ''}${guid ? `<guid isPermaLink="false">${guid}</guid>` : ''}${body}${extra}</item>`;
const rssOf = (items: string[]) =>
  `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Harbour Wire</title><link>https://wire.example.org/</link>${items.join('\n')}</channel></rss>`;

describe('feeds', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let b: string;
  let rss: string;
  let atom: string;
  let store: Store;
  let corpus: string;
  const hits = (path: string) => web.hits.filter((h) => h === path).length;
  const read = (file: string) => parseArticleFile(file, readFileSync(join(corpus, file), 'utf8')).articles[0]!;

  beforeAll(async () => {
    web = await startWebServer({});
    b = web.base;
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      web.hits.push(path);
      const routes: Record<string, ReturnType<typeof send>> = {
        '/rss.xml': send('application/rss+xml', rss),
        '/atom.xml': send('application/atom+xml', atom),
        '/teaser-page': send('text/html', articlePage('Teaser page article', LOREM)),
        '/guidless-page': send('text/html', articlePage('A page for an item without a guid', LOREM.slice(1))),
        '/new-page': send('text/html', articlePage('New page', LOREM.slice(2))),
        '/no-article': send('text/html', '<html><body><nav>Home</nav></body></html>'),
        '/not-a-feed': send('text/html', '<html><body>hello</body></html>'),
      };
      (routes[path] ?? send('text/plain', 'not found', 404))(req, res);
    });
  });
  afterAll(() => web.close());
  beforeEach(() => {
    store = new Store({ path: ':memory:' });
    corpus = mkdtempSync(join(tmpdir(), 'newsdesk-feed-'));
    web.hits.length = 0;
    rss = rssOf([
      item(
        'Full text item',
        `${b}/full`,
        'wire-1',
        '<description>Short teaser.</description>',
        `<pubDate>Sun, 05 Jan 2030 10:00:00 GMT</pubDate><content:encoded><![CDATA[${FULL}]]></content:encoded>`,
      ),
      item('Teaser item', `${b}/teaser-page`, 'wire-2', '<description>Only a teaser here.</description>'),
      item('Broken item', `${b}/gone`, 'wire-3', '<description>The page is gone.</description>'),
      item('Empty page item', `${b}/no-article`, 'wire-4', '<description>Nothing there.</description>'),
      item(
        'Guidless item',
        `${b}/guidless-page`,
        null,
        '<description>No guid.</description>',
        '<pubDate>Mon, 06 Jan 2030 08:00:00 GMT</pubDate>',
      ),
    ]);
    atom = `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Port Atom</title><id>urn:port</id><updated>2030-01-09T00:00:00Z</updated>
      <entry><title>Atom full entry</title><id>urn:port:1</id><link rel="self" href="${b}/api/entries/1"/><link rel="alternate" type="text/html" href="/port/atom-full"/><published>2030-01-07T09:30:00Z</published><updated>2030-01-09T00:00:00Z</updated><summary>Teaser.</summary><content type="html">${FULL.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</content></entry>
      <entry><title>Atom teaser</title><id>urn:port:2</id><link href="${b}/teaser-page"/><updated>2030-01-06T00:00:00Z</updated><summary>Teaser.</summary></entry></feed>`;
  });

  it('probes RSS and Atom feeds for their title, and refuses what is not one', async () => {
    expect(await probeFeed(`${b}/rss.xml`, fetchOptions)).toEqual({ title: 'Harbour Wire', entries: 5 });
    expect(await probeFeed(`${b}/atom.xml`, fetchOptions)).toEqual({ title: 'Port Atom', entries: 2 });
    await expect(probeFeed(`${b}/not-a-feed`, fetchOptions)).rejects.toThrow(new FetchRefused(NOT_A_FEED));
    await expect(probeFeed(`${b}/missing.xml`, fetchOptions)).rejects.toThrow(
      new FetchRefused('the site answered 404'),
    );
    await expect(probeFeed(`${b}/rss.xml`, { ...fetchOptions, allowPrivate: false })).rejects.toThrow(
      new FetchRefused('that address is on a private network'),
    );
  });

  it('adds new RSS items (full text kept, teasers fetched), and one bad item does not stop the others', async () => {
    const feed = (await store.feeds.add({ guildId: G, url: `${b}/rss.xml`, title: 'Harbour Wire', addedBy: '1' }))!;
    const report = await pollFeed(store, feed, corpus, fetchOptions);
    expect(report).toEqual({
      feedId: feed.id,
      added: [
        {
          title: 'Full text item',
          file: expect.stringMatching(new RegExp(`^feeds/${feed.id}/full-text-item-[0-9a-f]{10}\\.md$`)),
        },
        {
          title: 'Teaser item',
          file: expect.stringMatching(new RegExp(`^feeds/${feed.id}/teaser-item-[0-9a-f]{10}\\.md$`)),
        },
        {
          title: 'Guidless item',
          file: expect.stringMatching(new RegExp(`^feeds/${feed.id}/guidless-item-[0-9a-f]{10}\\.md$`)),
        },
      ],
      skipped: 0,
      errors: ['Broken item: the site answered 404', 'Empty page item: no article found on its page'],
      deferred: 0,
    });
    // The full text came from the feed itself: its page was never fetched.
    expect(hits('/full')).toBe(0);
    expect(read(report.added[0]!.file)).toMatchObject({
      title: 'Full text item',
      url: `${b}/full`,
      source: 'Harbour Wire',
      published: '2030-01-05T10:00:00.000Z',
    });
    expect(read(report.added[0]!.file).sections.flatMap((s) => s.paragraphs)).toHaveLength(LOREM.length * 2);
    // The teaser's article came from its page.
    const teaser = read(report.added[1]!.file);
    expect(teaser).toMatchObject({ title: 'Teaser item', url: `${b}/teaser-page`, source: 'Test Gazette' });
    expect(teaser.sections.flatMap((s) => s.paragraphs)).toEqual(LOREM);
    expect(hits('/teaser-page')).toBe(1);
    // Only the written articles (no temp files), and the corpus reads them without a warning.
    expect(readdirSync(join(corpus, 'feeds', String(feed.id)))).toHaveLength(3);
    const loaded = await loadCorpus(corpus);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.articles.map((a) => a.title).sort()).toEqual(['Full text item', 'Guidless item', 'Teaser item']);
    expect((await store.feeds.list(G))[0]).toMatchObject({ lastError: null, lastPolledAt: expect.any(String) });
  });

  it('never adds an item twice: known by its guid or by its url, in this feed or another', async () => {
    const feed = (await store.feeds.add({ guildId: G, url: `${b}/rss.xml`, title: null, addedBy: '1' }))!;
    await pollFeed(store, feed, corpus, fetchOptions);
    const again = await pollFeed(store, feed, corpus, fetchOptions);
    expect(again).toMatchObject({ added: [], skipped: 3 });
    // The failed items are tried again (and fail again); nothing else is fetched again.
    expect(again.errors).toHaveLength(2);
    expect(hits('/teaser-page')).toBe(1);

    rss = rssOf([
      // Same guid, new link: known by its guid.
      item('Teaser item, updated', `${b}/teaser-page?edition=2`, 'wire-2', '<description>Updated.</description>'),
      // No guid, same link, new date (the library would make up a new id from it): known by its url.
      item(
        'Guidless item',
        `${b}/guidless-page`,
        null,
        '<description>No guid.</description>',
        '<pubDate>Tue, 07 Jan 2030 08:00:00 GMT</pubDate>',
      ),
      // New guid, same link as a known item: known by its url.
      item('Full text item, reposted', `${b}/full`, 'wire-1-repost', '<description>Again.</description>'),
      item('New item', `${b}/new-page`, 'wire-6', '<description>New.</description>'),
    ]);
    const third = await pollFeed(store, feed, corpus, fetchOptions);
    expect(third).toMatchObject({ added: [{ title: 'New item' }], skipped: 3, errors: [] });

    // An Atom feed linking to a page the RSS feed brought in: skipped; its new entry is added.
    const atomFeed = (await store.feeds.add({ guildId: G, url: `${b}/atom.xml`, title: null, addedBy: '1' }))!;
    const fromAtom = await pollFeed(store, atomFeed, corpus, fetchOptions);
    expect(fromAtom).toMatchObject({ added: [{ title: 'Atom full entry' }], skipped: 1, errors: [] });
    expect(fromAtom.added[0]!.file.startsWith(`feeds/${atomFeed.id}/`)).toBe(true);
    expect((await pollFeed(store, atomFeed, corpus, fetchOptions)).added).toEqual([]);
    expect(hits('/teaser-page')).toBe(1);
  });

  it('reads Atom: the alternate link (not "self"), the published date, the full content', async () => {
    const feed = (await store.feeds.add({ guildId: G, url: `${b}/atom.xml`, title: null, addedBy: '1' }))!;
    const report = await pollFeed(store, feed, corpus, fetchOptions);
    expect(report.added.map((a) => a.title)).toEqual(['Atom full entry', 'Atom teaser']);
    const full = read(report.added[0]!.file);
    expect(full).toMatchObject({
      title: 'Atom full entry',
      url: `${b}/port/atom-full`,
      published: '2030-01-07T09:30:00Z',
      source: 'Port Atom',
    });
    expect(full.sections.flatMap((s) => s.paragraphs)[0]).toBe(LOREM[0]);
    expect(hits('/port/atom-full')).toBe(0);
    expect(hits('/api/entries/1')).toBe(0);
  });

  it('records the error on the feed when nothing could be added, or the feed itself is unreadable', async () => {
    rss = rssOf([item('Broken item', `${b}/gone`, 'wire-3', '<description>Gone.</description>')]);
    const feed = (await store.feeds.add({ guildId: G, url: `${b}/rss.xml`, title: null, addedBy: '1' }))!;
    expect((await pollFeed(store, feed, corpus, fetchOptions)).errors).toEqual(['Broken item: the site answered 404']);
    expect((await store.feeds.list(G))[0]!.lastError).toBe('Broken item: the site answered 404');

    const notFeed = (await store.feeds.add({ guildId: G, url: `${b}/not-a-feed`, title: null, addedBy: '1' }))!;
    await expect(pollFeed(store, notFeed, corpus, fetchOptions)).rejects.toThrow(new FetchRefused(NOT_A_FEED));
    expect((await store.feeds.list(G)).find((f) => f.id === notFeed.id)).toMatchObject({
      lastError: NOT_A_FEED,
      lastPolledAt: expect.any(String),
    });
  });
});
