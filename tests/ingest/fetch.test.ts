import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchRefused, isPrivateAddress, safeFetch, type FetchOptions } from '../../src/ingest/fetch.js';
import { send, startWebServer } from './server.js';

const open: FetchOptions = { allowPrivate: true, maxBytes: 50_000, timeoutMs: 2000 };
const strict: FetchOptions = { allowPrivate: false, maxBytes: 50_000, timeoutMs: 2000 };

describe('safeFetch', () => {
  let web: Awaited<ReturnType<typeof startWebServer>>;
  beforeAll(async () => {
    web = await startWebServer({
      '/page': send('text/html; charset=utf-8', '<p>Grüße aus dem Hafen</p>'),
      '/latin1': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' }).end(Buffer.from([0x63, 0x61, 0x66, 0xe9])),
      '/moved': (_req, res) => res.writeHead(302, { location: '/page' }).end(),
      '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
      '/big': send('text/html', 'x'.repeat(60_000)),
      '/big-chunked': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        for (let i = 0; i < 60; i++) res.write('y'.repeat(1000));
        res.end();
      },
      '/slow': (_req, res) => void setTimeout(() => res.writeHead(200).end('late'), 5000),
    });
  });
  afterAll(() => web.close());

  it('fetches a page, follows redirects and decodes the charset it names', async () => {
    const page = await safeFetch(`${web.base}/moved`, open);
    expect(page).toMatchObject({ url: `${web.base}/page`, status: 200, body: '<p>Grüße aus dem Hafen</p>' });
    expect((await safeFetch(`${web.base}/latin1`, open)).body).toBe('café');
  });

  it('refuses other schemes and links with credentials', async () => {
    await expect(safeFetch('file:///etc/passwd', open)).rejects.toThrow('only http and https links are accepted');
    await expect(safeFetch('ftp://example.org/x', open)).rejects.toThrow('only http and https links are accepted');
    await expect(safeFetch('https://user:pw@example.org/', open)).rejects.toThrow('links with a user name or password are not accepted');
    await expect(safeFetch('not a link', open)).rejects.toThrow('that is not a link');
  });

  it('refuses loopback, private and metadata addresses unless allowed, whatever the name resolves to', async () => {
    for (const url of [`${web.base}/page`, 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://192.168.0.10/']) {
      await expect(safeFetch(url, strict), url).rejects.toThrow('that address is on a private network');
    }
    // A public-looking name that resolves to a private address (DNS rebinding) is refused too.
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(safeFetch(`http://news.example.org:${new URL(web.base).port}/page`, { ...strict, lookup })).rejects.toThrow('that address is on a private network');
    await expect(safeFetch('http://localhost/', strict)).rejects.toThrow('that address is on a private network');
  });

  it('checks every redirect hop, not only the first link', async () => {
    const redirecting = await startWebServer({
      '/to-file': (_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end(),
      '/to-metadata': (_req, res) => res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    });
    try {
      await expect(safeFetch(`${redirecting.base}/to-file`, open)).rejects.toThrow('only http and https links are accepted');
      // Loopback is allowed here (a test server), yet the hop to the metadata address is a new request, checked the same way.
      await expect(safeFetch(`${redirecting.base}/to-metadata`, { ...open, timeoutMs: 300 })).rejects.toThrow(FetchRefused);
    } finally {
      await redirecting.close();
    }
  });

  it('refuses oversize bodies, with or without Content-Length, slow sites, errors and redirect loops', async () => {
    await expect(safeFetch(`${web.base}/big`, open)).rejects.toThrow('the page is larger than 50 kB');
    await expect(safeFetch(`${web.base}/big-chunked`, open)).rejects.toThrow('the page is larger than 50 kB');
    await expect(safeFetch(`${web.base}/slow`, { ...open, timeoutMs: 1000 })).rejects.toThrow('the site took longer than 1 s');
    await expect(safeFetch(`${web.base}/missing`, open)).rejects.toThrow('the site answered 404');
    await expect(safeFetch(`${web.base}/loop`, open)).rejects.toThrow('the link redirects more than 5 times');
  });

  it('classifies addresses', () => {
    expect(['127.0.0.1', '10.0.0.1', '172.20.1.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1'].filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'].filter(isPrivateAddress)).toEqual([]);
  });
});
