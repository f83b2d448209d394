/**
 * Fetching a link someone gave the bot, safely: http(s) only, no credentials, no private
 * networks (checked on every address a name resolves to, at connect time, on every redirect hop),
 * a size cap and a deadline for the whole fetch. Every failure is a `FetchRefused` whose message
 * is short and safe to show.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** A link Newsdesk will not fetch, or a fetch that failed: the message is short and safe to show. */
export class FetchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefused';
  }
}

export interface FetchOptions {
  /** Allow loopback and private addresses (tests, or an intranet deployment). */
  allowPrivate: boolean;
  /**
   * Host names (as written in the link, lower case; IPv6 without brackets) exempt from the
   * private-network check: one intranet site you trust. A redirect to another host is checked
   * on its own.
   */
  allowHosts?: readonly string[];
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Deadline for the whole fetch, redirects included. */
  timeoutMs: number;
  /** DNS lookup (all addresses); the system resolver unless a test gives another. */
  lookup?: (hostname: string) => Promise<LookupAddress[]>;
}

export interface FetchedPage {
  /** The URL after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: string;
}

const MAX_REDIRECTS = 5;

function version(): string {
  try {
    // src/ingest/ and dist/ingest/ are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0';
  } catch {
    return '0';
  }
}

/** What sites see: "Newsdesk/<version>". */
export const USER_AGENT = `Newsdesk/${version()}`;

/** Addresses no link from a chat may reach: loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved. */
const BLOCKED = new BlockList();
const BLOCKED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
// ::/96 covers ::, ::1 and the deprecated IPv4-compatible form; BlockList checks IPv4-mapped (::ffff:a.b.c.d) against the IPv4 list itself.
// 64:ff9b::/96 (NAT64), 64:ff9b:1::/48 (local-use NAT64), ::ffff:0:0:0/96 (IPv4-translated, SIIT), 2002::/16 (6to4) and
// 2001::/32 (Teredo) carry an IPv4 address inside: 2002:7f00:1:: is 127.0.0.1 to a relay, ::ffff:0:7f00:1 to a translator.
const BLOCKED_V6 = [
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['::ffff:0:0:0', 96],
  ['100::', 64],
  ['2002::', 16],
  ['2001::', 32],
] as const;
for (const [net, prefix] of BLOCKED_V4) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_V6) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True for an address on a private, loopback, link-local or otherwise non-public network (and for anything that is not an address). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(bare);
  if (family === 0) return true;
  return BLOCKED.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

const systemLookup = (hostname: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

const ACCEPT =
  'text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml,text/xml,text/plain,text/markdown,application/json;q=0.9,*/*;q=0.5';

/**
 * Fetches a public web page: http(s) only, no credentials in the link, every address the host
 * resolves to checked (at connect time, so DNS can't switch after the check), redirects followed
 * and checked hop by hop, a size cap and a deadline for the whole fetch.
 */
export async function safeFetch(url: string, options: FetchOptions): Promise<FetchedPage> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const target = checkUrl(current);
      const res = await request(target, options, controller.signal);
      if (res.status >= 300 && res.status < 400 && res.location !== undefined) {
        // A Location that is not a link is the site's fault: a refusal to show, not a TypeError.
        if (!URL.canParse(res.location, target.href))
          throw new FetchRefused('the site redirected to an address that is not a valid link');
        current = new URL(res.location, target).href;
        continue;
      }
      if (res.status < 200 || res.status >= 300) throw new FetchRefused(`the site answered ${res.status}`);
      return {
        url: target.href,
        status: res.status,
        contentType: res.contentType,
        body: decode(res.body, res.contentType),
      };
    }
    throw new FetchRefused(`the link redirects more than ${MAX_REDIRECTS} times`);
  } finally {
    clearTimeout(timer);
  }
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new FetchRefused('that is not a link');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FetchRefused('only http and https links are accepted');
  if (url.username || url.password) throw new FetchRefused('links with a user name or password are not accepted');
  return url;
}

interface RawResponse {
  status: number;
  location?: string;
  contentType: string;
  body: Buffer;
}

const PRIVATE = 'that address is on a private network';
const UNRESOLVED = 'that site’s name does not resolve';

function request(url: URL, options: FetchOptions, signal: AbortSignal): Promise<RawResponse> {
  const resolveAll = options.lookup ?? systemLookup;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const exempt = options.allowPrivate || (options.allowHosts ?? []).some((h) => h.toLowerCase() === host);
  const refused = (address: string) => !exempt && isPrivateAddress(address);
  // The addresses are checked when the socket connects, and the socket connects to exactly those:
  // a name can't resolve to a public address for a check and to a private one for the connection.
  const lookup: LookupFunction = (hostname, opts, callback) => {
    const all = (opts as { all?: boolean }).all === true;
    resolveAll(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(new FetchRefused(UNRESOLVED), '', 4);
        if (addresses.some((a) => refused(a.address))) return callback(new FetchRefused(PRIVATE), '', 4);
        const first = addresses[0]!;
        if (all) (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
        else callback(null, first.address, first.family);
      },
      () => callback(new FetchRefused(UNRESOLVED), '', 4),
    );
  };
  return new Promise((resolve, reject) => {
    // An address written in the link is never looked up: it is checked here.
    if (isIP(host) && refused(host)) return reject(new FetchRefused(PRIVATE));
    if (signal.aborted) return reject(tooSlow(options));
    let settled = false;
    const onAbort = () => fail(tooSlow(options));
    const fail = (err: unknown) => {
      if (!settled) reject(err instanceof FetchRefused ? err : signal.aborted ? tooSlow(options) : unreachable(err));
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
    };
    const succeed = (r: RawResponse) => {
      if (!settled) resolve(r);
      settled = true;
      signal.removeEventListener('abort', onAbort);
    };
    const get = url.protocol === 'https:' ? https.get : http.get;
    // agent: false — no pooled socket: one opened under other options would skip this request's checks.
    const req = get(
      url,
      { lookup, signal, agent: false, headers: { 'user-agent': USER_AGENT, accept: ACCEPT } },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        res.on('error', fail);
        res.on('aborted', () =>
          fail(signal.aborted ? tooSlow(options) : new FetchRefused('the site closed the connection early')),
        );
        if (status >= 300 && status < 400 && res.headers.location !== undefined) {
          res.resume();
          return succeed({ status, location: res.headers.location, contentType, body: Buffer.alloc(0) });
        }
        if (Number(res.headers['content-length'] ?? 0) > options.maxBytes) return fail(tooBig(options));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) fail(tooBig(options));
          else chunks.push(chunk);
        });
        res.on('end', () => succeed({ status, contentType, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', fail);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const tooBig = (o: FetchOptions) => new FetchRefused(`the page is larger than ${formatBytes(o.maxBytes)}`);
const tooSlow = (o: FetchOptions) => new FetchRefused(`the site took longer than ${formatSeconds(o.timeoutMs)}`);

function unreachable(err: unknown): FetchRefused {
  const code = (err as NodeJS.ErrnoException).code;
  // A system error code says enough; its message can carry addresses and internals.
  return new FetchRefused(
    code && /^[A-Z_]+$/.test(code) ? `the site could not be reached (${code})` : 'the site could not be reached',
  );
}

function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${Math.round(n / 100_000) / 10} MB` : `${Math.round(n / 1000)} kB`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 100) / 10} s`;
}

/**
 * The body as text, in the charset the response names; else the one an XML declaration or an
 * HTML meta tag names at the top of the body; else UTF-8 (also for a charset we don't know).
 */
function decode(body: Buffer, contentType: string): string {
  const declared = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1] ?? sniffCharset(body);
  try {
    return new TextDecoder(declared ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

function sniffCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 1024).toString('latin1');
  return (
    /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1] ??
    /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]
  );
}
