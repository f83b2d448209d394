import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollFeed, probeFeed } from '../../src/ingest/feeds.js';
import { FetchRefused, isPrivateAddress, safeFetch, USER_AGENT, type FetchOptions } from '../../src/ingest/fetch.js';
import { Store } from '../../src/store/store.js';
import { send, startWebServer } from './server.js';

const open: FetchOptions = { allowPrivate: true, maxBytes: 50_000, timeoutMs: 2000 };
const strict: FetchOptions = { allowPrivate: false, maxBytes: 50_000, timeoutMs: 2000 };
const PRIVATE = 'that address is on a private network';
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('safeFetch', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let port: string;
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  beforeAll(async () => {
    web = await startWebServer({
      '/page': send('text/html; charset=utf-8', '<p>Grüße aus dem Hafen</p>'),
      '/headers': (req, res) => {
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      },
      '/latin1': (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' })
          .end(Buffer.from([0x63, 0x61, 0x66, 0xe9])),
      '/latin1-meta': (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            Buffer.concat([
              Buffer.from('<html><head><meta charset="windows-1252"></head><body>caf'),
              Buffer.from([0xe9]),
              Buffer.from('</body></html>'),
            ]),
          ),
      '/moved': (_req, res) => res.writeHead(302, { location: '/page' }).end(),
      '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
      '/bad-location': (_req, res) => res.writeHead(302, { location: 'http://[not-an-address/' }).end(),
      '/bad-host-location': (_req, res) => res.writeHead(301, { location: 'https://exa mple.org/x' }).end(),
      '/to-translated': (_req, res) =>
        res.writeHead(302, { location: `http://[::ffff:0:127.0.0.1]:${port}/secret` }).end(),
      '/to-local-nat64': (_req, res) =>
        res.writeHead(302, { location: `http://[64:ff9b:1::7f00:1]:${port}/secret` }).end(),
      '/to-file': (_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end(),
      '/to-ftp': (_req, res) => res.writeHead(302, { location: 'ftp://127.0.0.1/secret' }).end(),
      '/to-gopher': (_req, res) => res.writeHead(302, { location: 'gopher://127.0.0.1:6379/_INFO' }).end(),
      '/to-v6-loopback': (_req, res) => res.writeHead(302, { location: `http://[::1]:${port}/secret` }).end(),
      '/to-decimal': (_req, res) => res.writeHead(302, { location: `http://3232235521:${port}/secret` }).end(), // 192.168.0.1
      '/to-credentials': (_req, res) =>
        res.writeHead(302, { location: `http://admin:pw@example.org:${port}/secret` }).end(),
      '/to-metadata': (_req, res) => res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
      '/to-localhost': (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/secret` }).end(),
      '/to-intranet': (_req, res) => res.writeHead(307, { location: `http://wiki.intranet.test:${port}/secret` }).end(),
      '/secret': send('text/plain', 'internal'),
      '/big': send('text/html', 'x'.repeat(60_000)),
      '/big-chunked': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        for (let i = 0; i < 60; i++) res.write('y'.repeat(1000));
        res.end();
      },
      '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('late'), 5000),
      '/slow-body': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<p>first part');
        setTimeout(() => res.end('</p>'), 5000);
      },
      '/gone': send('text/plain', 'gone', 410),
      // A body that never ends, sent as fast as the client reads it.
      '/endless': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const chunk = 'z'.repeat(4096);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        req.socket.on('close', () => res.destroy());
        pump();
      },
      // A byte every 20 ms forever: never idle, never done (an idle timeout would wait for ever).
      '/drip': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const timer = setInterval(() => res.write('.'), 20);
        req.socket.on('close', () => clearInterval(timer));
      },
      '/feed.xml': (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/rss+xml' })
          .end(
            `<?xml version="1.0"?><rss version="2.0"><channel><title>Trusted wire</title>${[
              `http://localhost:${port}/secret`,
              'http://169.254.169.254/latest/meta-data/',
              `http://[::ffff:127.0.0.1]:${port}/secret`,
              'file:///etc/passwd',
            ]
              .map(
                (link, i) =>
                  `<item><title>Item ${i}</title><link>${link}</link><guid>g${i}</guid><description>teaser</description></item>`,
              )
              .join('')}</channel></rss>`,
          ),
    });
    port = new URL(web.base).port;
  });
  afterAll(() => web.close());

  it('fetches a page, follows redirects and says who it is', async () => {
    const page = await safeFetch(`${web.base}/moved`, open);
    expect(page).toEqual({
      url: `${web.base}/page`,
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<p>Grüße aus dem Hafen</p>',
    });
    await safeFetch(`${web.base}/headers`, open);
    expect(seen.at(-1)!['user-agent']).toBe(`Newsdesk/${VERSION}`);
    expect(USER_AGENT).toBe(`Newsdesk/${VERSION}`);
  });

  it('decodes the charset the response names, or the page declares', async () => {
    expect((await safeFetch(`${web.base}/latin1`, open)).body).toBe('café');
    expect((await safeFetch(`${web.base}/latin1-meta`, open)).body).toContain('<body>café</body>');
  });

  it('refuses other schemes and links with credentials', async () => {
    await expect(safeFetch('file:///etc/passwd', open)).rejects.toThrow('only http and https links are accepted');
    await expect(safeFetch('ftp://example.org/x', open)).rejects.toThrow('only http and https links are accepted');
    await expect(safeFetch('javascript:alert(1)', open)).rejects.toThrow('only http and https links are accepted');
    await expect(safeFetch('https://user:pw@example.org/', open)).rejects.toThrow(
      'links with a user name or password are not accepted',
    );
    await expect(safeFetch('not a link', open)).rejects.toThrow('that is not a link');
  });

  it('refuses loopback, private, link-local and metadata addresses unless allowed', async () => {
    const urls = [
      `${web.base}/page`,
      'http://127.0.0.1/',
      'http://10.1.2.3/',
      'http://172.16.5.4/',
      'http://192.168.0.10/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://224.0.0.1/',
      'http://0x7f.1/', // 127.0.0.1 written in hex
      'http://2130706433/', // 127.0.0.1 as one number
      'http://[::1]/',
      'http://[::]/',
      'http://[fd12::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/', // 169.254.169.254, IPv4-mapped
      'http://0177.0.0.1/', // octal
      'http://0x7f000001/', // one hex number
      'http://017700000001/', // one octal number
      'http://127.1/', // short form
      'http://0/', // 0.0.0.0
      'http://[0:0:0:0:0:ffff:127.0.0.1]/', // IPv4-mapped, long form
      'http://[::127.0.0.1]/', // IPv4-compatible
      'http://[64:ff9b::7f00:1]/', // NAT64 of 127.0.0.1
      'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
      'http://[2001:0:7f00:1::]/', // Teredo
      `${web.base.replace('127.0.0.1', '[::ffff:127.0.0.1]')}/secret`,
    ];
    for (const url of urls) await expect(safeFetch(url, strict), url).rejects.toThrow(new FetchRefused(PRIVATE));
    // localhost goes through the real resolver; so does "localhost." (with the root's dot), which
    // resolves to loopback or not at all depending on the system: refused either way.
    await expect(safeFetch(`http://localhost:${port}/page`, strict)).rejects.toThrow(PRIVATE);
    await expect(safeFetch(`http://localhost.:${port}/secret`, strict)).rejects.toThrow(
      /^(that address is on a private network|that site’s name does not resolve)$/,
    );
    // The check is on addresses, not names: a trailing dot that does resolve to loopback is still refused.
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(safeFetch(`http://localhost.:${port}/secret`, { ...strict, lookup })).rejects.toThrow(
      new FetchRefused(PRIVATE),
    );
    await expect(safeFetch(`http://LOCALHOST:${port}/secret`, { ...strict, lookup })).rejects.toThrow(
      new FetchRefused(PRIVATE),
    );
    expect(web.hits).not.toContain('/secret');
  });

  it('checks every address a name resolves to (faked DNS), not only the first', async () => {
    const asked: string[] = [];
    const lookup = async (host: string) => {
      asked.push(host);
      if (host === 'mixed.example.org')
        return [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.8', family: 4 },
        ];
      if (host === 'rebind.example.org') return [{ address: '127.0.0.1', family: 4 }];
      if (host === 'v6.example.org') return [{ address: 'fd00::5', family: 6 }];
      if (host === 'mapped.example.org') return [{ address: '::ffff:10.0.0.1', family: 6 }];
      return [];
    };
    await expect(safeFetch(`http://mixed.example.org:${port}/page`, { ...strict, lookup })).rejects.toThrow(PRIVATE);
    await expect(safeFetch(`http://rebind.example.org:${port}/page`, { ...strict, lookup })).rejects.toThrow(PRIVATE);
    await expect(safeFetch(`http://v6.example.org:${port}/page`, { ...strict, lookup })).rejects.toThrow(PRIVATE);
    await expect(safeFetch(`http://mapped.example.org:${port}/page`, { ...strict, lookup })).rejects.toThrow(PRIVATE);
    await expect(safeFetch(`http://nowhere.example.org:${port}/page`, { ...strict, lookup })).rejects.toThrow(
      'that site’s name does not resolve',
    );
    expect(asked).toEqual([
      'mixed.example.org',
      'rebind.example.org',
      'v6.example.org',
      'mapped.example.org',
      'nowhere.example.org',
    ]);
    // The same faked name is fetched when private addresses are allowed: the refusal was the check, not the fake.
    expect((await safeFetch(`http://rebind.example.org:${port}/page`, { ...open, lookup })).body).toBe(
      '<p>Grüße aus dem Hafen</p>',
    );
  });

  it('checks every redirect hop: an allowed host cannot redirect to a private one', async () => {
    const trusted: FetchOptions = { ...strict, allowHosts: ['127.0.0.1'] };
    // The trusted host itself is fetched…
    expect((await safeFetch(`${web.base}/moved`, trusted)).body).toBe('<p>Grüße aus dem Hafen</p>');
    // …but none of its redirects to another private host are followed.
    await expect(safeFetch(`${web.base}/to-metadata`, trusted)).rejects.toThrow(new FetchRefused(PRIVATE));
    await expect(safeFetch(`${web.base}/to-localhost`, trusted)).rejects.toThrow(new FetchRefused(PRIVATE));
    const lookup = async () => [{ address: '10.20.30.40', family: 4 }];
    await expect(safeFetch(`${web.base}/to-intranet`, { ...trusted, lookup })).rejects.toThrow(
      new FetchRefused(PRIVATE),
    );
    await expect(safeFetch(`${web.base}/to-v6-loopback`, trusted)).rejects.toThrow(new FetchRefused(PRIVATE));
    await expect(safeFetch(`${web.base}/to-decimal`, trusted)).rejects.toThrow(new FetchRefused(PRIVATE));
    await expect(safeFetch(`${web.base}/to-file`, open)).rejects.toThrow('only http and https links are accepted');
    // IPv4 inside IPv6 (IPv4-translated, local-use NAT64), as a redirect or as the link itself.
    for (const path of ['/to-translated', '/to-local-nat64'])
      await expect(safeFetch(`${web.base}${path}`, trusted), path).rejects.toThrow(new FetchRefused(PRIVATE));
    for (const link of [
      `http://[::ffff:0:127.0.0.1]:${port}/secret`,
      `http://[64:ff9b:1::7f00:1]:${port}/secret`,
      `http://[64:ff9b::10.0.0.1]:${port}/secret`,
    ]) {
      await expect(safeFetch(link, strict), link).rejects.toThrow(new FetchRefused(PRIVATE));
    }
    expect(web.hits).not.toContain('/secret');
  });

  it('refuses redirects to other schemes and to links with credentials, even where private addresses are allowed', async () => {
    for (const path of ['/to-file', '/to-ftp', '/to-gopher'])
      await expect(safeFetch(`${web.base}${path}`, open), path).rejects.toThrow(
        new FetchRefused('only http and https links are accepted'),
      );
    await expect(safeFetch(`${web.base}/to-credentials`, open)).rejects.toThrow(
      new FetchRefused('links with a user name or password are not accepted'),
    );
    expect(web.hits).not.toContain('/secret');
  });

  it('stops reading a body that never ends at the size cap, and a body that drips at the deadline', async () => {
    await expect(safeFetch(`${web.base}/endless`, open)).rejects.toThrow(
      new FetchRefused('the page is larger than 50 kB'),
    );
    // The drip stays far under the cap: the deadline for the whole fetch ends it.
    await expect(safeFetch(`${web.base}/drip`, { ...open, timeoutMs: 300 })).rejects.toThrow(
      new FetchRefused('the site took longer than 0.3 s'),
    );
  });

  it('fetches feeds and their items through the same checks: a trusted feed cannot point at private addresses', async () => {
    const trusted: FetchOptions = { ...strict, allowHosts: ['127.0.0.1'] };
    // The feed's own address is checked like any link.
    await expect(probeFeed(`${web.base}/feed.xml`, strict)).rejects.toThrow(new FetchRefused(PRIVATE));
    await expect(probeFeed('file:///etc/passwd', open)).rejects.toThrow(
      new FetchRefused('only http and https links are accepted'),
    );
    expect(await probeFeed(`${web.base}/feed.xml`, trusted)).toEqual({ title: 'Trusted wire', entries: 4 });
    const store = new Store({ path: ':memory:' });
    const corpus = mkdtempSync(join(tmpdir(), 'newsdesk-ssrf-'));
    const feed = (await store.feeds.add({
      guildId: '123456789012345678',
      url: `${web.base}/feed.xml`,
      title: null,
      addedBy: '1',
    }))!;
    const report = await pollFeed(store, feed, corpus, trusted);
    expect(report.added).toEqual([]);
    // A file: link is not taken for the item's link at all.
    expect(report.errors).toEqual([
      `Item 0: ${PRIVATE}`,
      `Item 1: ${PRIVATE}`,
      `Item 2: ${PRIVATE}`,
      'Item 3: a teaser without a link to the article',
    ]);
    expect(readdirSync(corpus)).toEqual([]);
    expect(web.hits).not.toContain('/secret');
    store.close();
  });

  it('refuses oversize bodies, with or without Content-Length', async () => {
    await expect(safeFetch(`${web.base}/big`, open)).rejects.toThrow(new FetchRefused('the page is larger than 50 kB'));
    await expect(safeFetch(`${web.base}/big-chunked`, open)).rejects.toThrow(
      new FetchRefused('the page is larger than 50 kB'),
    );
    await expect(safeFetch(`${web.base}/big`, { ...open, maxBytes: 2_000_000 })).resolves.toMatchObject({
      status: 200,
    });
    await expect(safeFetch(`${web.base}/big`, { ...open, maxBytes: 20_000 })).rejects.toThrow(
      'the page is larger than 20 kB',
    );
  });

  it('gives up on slow sites, whether the headers or the body are slow', async () => {
    const started = Date.now();
    await expect(safeFetch(`${web.base}/slow`, { ...open, timeoutMs: 1000 })).rejects.toThrow(
      new FetchRefused('the site took longer than 1 s'),
    );
    await expect(safeFetch(`${web.base}/slow-body`, { ...open, timeoutMs: 400 })).rejects.toThrow(
      new FetchRefused('the site took longer than 0.4 s'),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('names error statuses, redirect loops and unreachable sites, without internals', async () => {
    await expect(safeFetch(`${web.base}/missing`, open)).rejects.toThrow(new FetchRefused('the site answered 404'));
    await expect(safeFetch(`${web.base}/gone`, open)).rejects.toThrow(new FetchRefused('the site answered 410'));
    await expect(safeFetch(`${web.base}/loop`, open)).rejects.toThrow(
      new FetchRefused('the link redirects more than 5 times'),
    );
    for (const path of ['/bad-location', '/bad-host-location']) {
      await expect(safeFetch(`${web.base}${path}`, open), path).rejects.toThrow(
        new FetchRefused('the site redirected to an address that is not a valid link'),
      );
    }
    // A port nobody listens on: the port is taken and released to be sure it is free.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(safeFetch(`http://127.0.0.1:${closed}/`, open)).rejects.toThrow(
      new FetchRefused('the site could not be reached (ECONNREFUSED)'),
    );
  });

  it('classifies addresses', () => {
    const blocked = [
      '::ffff:0:7f00:1',
      '::ffff:0:127.0.0.1',
      '::ffff:0:a00:1',
      '::ffff:0:808:808',
      '64:ff9b:1::7f00:1',
      '64:ff9b:1:ffff::1',
      '64:ff9b::127.0.0.1',
      '64:ff9b::8.8.8.8',
      '2002:7f00:1::',
      '2002:a00:1::5',
      '2001:0:4136:e378::1',
      '64:ff9b::a00:1',
      '::7f00:1',
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.254',
      '0.0.0.0',
      '224.0.0.251',
      '::',
      '::1',
      'fd00::1',
      'fc00::1',
      'fe80::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '[::1]',
      'not-an-address',
    ];
    expect(blocked.filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(
      ['93.184.216.34', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'].filter(
        isPrivateAddress,
      ),
    ).toEqual([]);
  });
});
