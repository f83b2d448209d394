import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_CONCURRENCY, pollFeed } from '../../src/ingest/feeds.js';
import type { FetchOptions } from '../../src/ingest/fetch.js';
import { Store } from '../../src/store/store.js';
import { articlePage, LOREM, send, startWebServer } from './server.js';

const fetchOptions: FetchOptions = { allowPrivate: true, maxBytes: 200_000, timeoutMs: 5000 };
const G = '123456789012345678';

describe('feed limits', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let inFlight = 0;
  let mostInFlight = 0;
  const ITEMS = 12;

  beforeAll(async () => {
    web = await startWebServer({});
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      web.hits.push(path);
      if (path === '/many.xml') {
        const items = Array.from(
          { length: ITEMS },
          (_, i) =>
            `<item><title>Teaser ${i}</title><link>${web.base}/page/${i}</link><guid>many-${i}</guid><description>Teaser.</description></item>`,
        );
        return send(
          'application/rss+xml',
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>${items.join('')}</channel></rss>`,
        )(req, res);
      }
      const page = /^\/page\/(\d+)$/.exec(path);
      if (!page) return send('text/plain', 'not found', 404)(req, res);
      // Each teaser page is slow, so pages fetched together overlap.
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        send('text/html', articlePage(`Page article ${page[1]}`, LOREM))(req, res);
      }, 60);
    });
  });
  afterAll(() => web.close());

  it('brings in at most maxItems new entries a poll, the rest on the next, fetching a few teaser pages at a time', async () => {
    const store = new Store({ path: ':memory:' });
    const corpus = mkdtempSync(join(tmpdir(), 'newsdesk-feed-limits-'));
    const feed = (await store.feeds.add({ guildId: G, url: `${web.base}/many.xml`, title: 'Many', addedBy: '1' }))!;
    const first = await pollFeed(store, feed, corpus, fetchOptions, [G], 5);
    expect(first).toMatchObject({ skipped: 0, deferred: ITEMS - 5, errors: [] });
    // In feed order, whatever order the pages came back in.
    expect(first.added.map((a) => a.title)).toEqual(['Teaser 0', 'Teaser 1', 'Teaser 2', 'Teaser 3', 'Teaser 4']);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(ENTRY_CONCURRENCY);
    const second = await pollFeed(store, feed, corpus, fetchOptions, [G], 5);
    expect(second).toMatchObject({ skipped: 5, deferred: ITEMS - 10 });
    expect(second.added.map((a) => a.title)).toEqual(['Teaser 5', 'Teaser 6', 'Teaser 7', 'Teaser 8', 'Teaser 9']);
    const third = await pollFeed(store, feed, corpus, fetchOptions, [G], 5);
    expect(third).toMatchObject({ skipped: 10, deferred: 0 });
    expect(third.added).toHaveLength(2);
    expect(web.hits.filter((h) => h.startsWith('/page/'))).toHaveLength(ITEMS);
    expect(mostInFlight).toBeLessThanOrEqual(ENTRY_CONCURRENCY);
  });
});
