import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArticleFile } from '../../src/core/article.js';
import { pollFeed, probeFeed } from '../../src/ingest/feeds.js';
import type { FetchOptions } from '../../src/ingest/fetch.js';
import { Store } from '../../src/store/store.js';
import { articlePage, LOREM, send, startWebServer } from './server.js';

const fetchOptions: FetchOptions = { allowPrivate: true, maxBytes: 200_000, timeoutMs: 3000 };
const G = '123456789012345678';

describe('feeds', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  const full = [...LOREM, ...LOREM.map((p) => p.replace('The', 'Later, the'))].map((p) => `<p>${p}</p>`).join('');
  beforeAll(async () => {
    web = await startWebServer({});
    const b = web.base;
    const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Harbour Wire</title><link>${b}/</link>
      <item><title>Full text item</title><link>${b}/full</link><guid>wire-1</guid><pubDate>Sun, 05 Jan 2030 10:00:00 GMT</pubDate><description>Short teaser.</description><content:encoded><![CDATA[${full}]]></content:encoded></item>
      <item><title>Teaser item</title><link>${b}/teaser-page</link><guid>wire-2</guid><description>Only a teaser here.</description></item>
      <item><title>Broken item</title><link>${b}/gone</link><guid>wire-3</guid><description>The page is gone.</description></item>
    </channel></rss>`;
    const atom = `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Port Atom</title><id>urn:port</id><updated>2030-01-06T00:00:00Z</updated>
      <entry><title>Atom entry</title><id>urn:port:1</id><link href="${b}/teaser-page"/><updated>2030-01-06T00:00:00Z</updated><summary>Teaser.</summary></entry></feed>`;
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      web.hits.push(path);
      const routes: Record<string, ReturnType<typeof send>> = {
        '/rss.xml': send('application/rss+xml', rss),
        '/atom.xml': send('application/atom+xml', atom),
        '/teaser-page': send('text/html', articlePage('Teaser page article', LOREM)),
        '/not-a-feed': send('text/html', '<html><body>hello</body></html>'),
      };
      (routes[path] ?? send('text/plain', 'not found', 404))(req, res);
    });
  });
  afterAll(() => web.close());

  it('probes a feed for its title, and refuses a page that is not one', async () => {
    expect(await probeFeed(`${web.base}/rss.xml`, fetchOptions)).toEqual({ title: 'Harbour Wire', entries: 3 });
    await expect(probeFeed(`${web.base}/not-a-feed`, fetchOptions)).rejects.toThrow('that address does not serve an RSS or Atom feed');
  });

  it('adds new RSS items (full text kept, teasers fetched), survives a broken one, and adds nothing twice', async () => {
    const store = new Store({ path: ':memory:' });
    const corpus = mkdtempSync(join(tmpdir(), 'newsdesk-feed-'));
    const feed = store.addFeed({ guildId: G, url: `${web.base}/rss.xml`, title: 'Harbour Wire', addedBy: '1' })!;
    const first = await pollFeed(store, feed, corpus, fetchOptions);
    expect(first.added.map((a) => a.title)).toEqual(['Full text item', 'Teaser item']);
    expect(first.errors).toEqual([expect.stringMatching(/^Broken item: the site answered 404/)]);
    const [fullText] = parseArticleFile(first.added[0]!.file, readFileSync(join(corpus, first.added[0]!.file), 'utf8')).articles;
    expect(fullText).toMatchObject({ title: 'Full text item', url: `${web.base}/full`, source: 'Harbour Wire' });
    expect(fullText!.published?.slice(0, 10)).toBe('2030-01-05');
    expect(web.hits).not.toContain('/full');
    const [teaser] = parseArticleFile(first.added[1]!.file, readFileSync(join(corpus, first.added[1]!.file), 'utf8')).articles;
    expect(teaser!.sections.flatMap((s) => s.paragraphs).join(' ')).toContain('four million dollars');

    const second = await pollFeed(store, feed, corpus, fetchOptions);
    expect(second.added).toEqual([]);
    expect(second.skipped).toBe(2);
    // The Atom feed links to a page already brought in by the RSS feed: known by its url, skipped.
    const atom = store.addFeed({ guildId: G, url: `${web.base}/atom.xml`, title: null, addedBy: '1' })!;
    const third = await pollFeed(store, atom, corpus, fetchOptions);
    expect(third).toMatchObject({ added: [], skipped: 1 });
    expect(store.feeds(G).find((f) => f.id === feed.id)!.lastPolledAt).not.toBeNull();
  });
});
