import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local web server for a test: routes by path; records what was asked. */
export async function startWebServer(
  routes: Record<string, Handler>,
): Promise<{ base: string; hits: string[]; close: () => Promise<void>; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push(path);
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const send =
  (type: string, body: string, status = 200): Handler =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': type }).end(body);

/** A news page with enough text for Readability to find the article. */
export function articlePage(title: string, paragraphs: string[], extra = ''): string {
  return `<!doctype html><html><head><title>${title} | Test Gazette</title><meta property="og:site_name" content="Test Gazette"><meta property="article:published_time" content="2030-01-05T10:00:00Z">${extra}</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</article><footer>© Test Gazette · Back to top</footer></body></html>`;
}

export const LOREM = [
  'The harbour of Tartus reopened to cargo ships on Tuesday after two weeks of repairs to its flood-damaged walls, the port authority said in a statement.',
  'Officials said the first ships to dock carried grain and building materials, and that the outer anchorage would stay in use until the end of the month.',
  'Fishermen, who had been kept out of the inner harbour since the storm, were allowed back in on Wednesday morning under new safety rules.',
  'The repairs cost about four million dollars and were paid for by the port authority with help from a regional development fund.',
];
