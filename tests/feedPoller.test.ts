import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FeedPoller } from '../src/feedPoller.js';
import { Store } from '../src/store/store.js';
import { articlePage, LOREM, send, startWebServer } from './ingest/server.js';

const GUILD = '123456789012345678';

describe('the feed poller', () => {
  it('survives a reindex that fails after a poll (a full disk): logged with context, counted, the items kept', async () => {
    const body = LOREM.map((p) => `<p>${p}</p>`).join('');
    const rss = (base: string) =>
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Harbour reopens</title><link>${base}/a</link><guid>wire-1</guid><description><![CDATA[${body}]]></description></item></channel></rss>`;
    const web = await startWebServer({});
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) =>
      (req.url === '/a'
        ? send('text/html', articlePage('Harbour reopens', LOREM))
        : send('application/rss+xml', rss(web.base)))(req, res),
    );
    const store = new Store({ path: ':memory:' });
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-poller-'));
    await store.feeds.add({ guildId: GUILD, url: `${web.base}/feed.xml`, title: null, addedBy: '1' });
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const poller = new FeedPoller({
        store,
        targets: { dirFor: () => dir, dedupScope: (g) => [g] },
        fetch: { allowPrivate: true, maxBytes: 1_000_000, timeoutMs: 5000 },
        reindex: () =>
          Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })),
        logger,
        minutes: 30,
      });
      const summary = await poller.pollAll();
      expect(summary).toEqual({ added: 1, errors: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      const failed = lines.find(
        (l) => l.msg === 'reindex after a feed poll failed; still answering from the previous index',
      );
      expect(failed).toMatchObject({ level: 50, guildIds: [GUILD], err: { code: 'ENOSPC' } });
      expect(
        readdirSync(join(dir, 'feeds'), { recursive: true }).filter((f) => String(f).endsWith('.md')),
      ).toHaveLength(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      store.close();
      await web.close();
    }
  }, 30_000);
});
