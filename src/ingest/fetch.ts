import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
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
  maxBytes: number;
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
const USER_AGENT = 'Newsdesk/0.1 (+https://github.com/newsdesk; news archive bot)';

/** Addresses no link from a chat may reach: loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True for an address on a private, loopback, link-local or otherwise non-public network. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const systemLookup = (hostname: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * Fetches a public web page: http(s) only, no credentials in the link, every address the host
 * resolves to checked (at connect time, so DNS can't switch after the check), redirects followed
 * and checked hop by hop, a size cap and a deadline for the whole fetch.
 */
export async function safeFetch(url: string, options: FetchOptions): Promise<FetchedPage> {
  const deadline = Date.now() + options.timeoutMs;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = checkUrl(current);
    const res = await request(target, options, deadline);
    if (res.status >= 300 && res.status < 400 && res.location) {
      current = new URL(res.location, target).href;
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw new FetchRefused(`the site answered ${res.status}`);
    return { url: target.href, status: res.status, contentType: res.contentType, body: decode(res.body, res.contentType) };
  }
  throw new FetchRefused(`the link redirects more than ${MAX_REDIRECTS} times`);
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new FetchRefused('that is not a link');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused('only http and https links are accepted');
  if (url.username || url.password) throw new FetchRefused('links with a user name or password are not accepted');
  return url;
}

interface RawResponse {
  status: number;
  location?: string;
  contentType: string;
  body: Buffer;
}

function request(url: URL, options: FetchOptions, deadline: number): Promise<RawResponse> {
  const resolveAll = options.lookup ?? systemLookup;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refusePrivate = (address: string) => !options.allowPrivate && isPrivateAddress(address);
  // The address is checked when the socket connects: a host can't resolve to a public address for
  // a check and to a private one for the connection.
  const lookup: LookupFunction = (hostname, opts, callback) => {
    resolveAll(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(new FetchRefused('that site’s name does not resolve'), '', 4);
        if (addresses.some((a) => refusePrivate(a.address))) return callback(new FetchRefused('that address is on a private network'), '', 4);
        const first = addresses[0]!;
        if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else callback(null, first.address, first.family);
      },
      () => callback(new FetchRefused('that site’s name does not resolve'), '', 4),
    );
  };
  return new Promise((resolve, reject) => {
    if (isIP(host) && refusePrivate(host)) return reject(new FetchRefused('that address is on a private network'));
    const remaining = deadline - Date.now();
    if (remaining <= 0) return reject(tooSlow(options));
    let settled = false;
    const fail = (err: unknown) => {
      if (!settled) reject(err instanceof FetchRefused ? err : new FetchRefused(`the site could not be reached (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`));
      settled = true;
      req.destroy();
    };
    const succeed = (r: RawResponse) => {
      if (!settled) resolve(r);
      settled = true;
    };
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { lookup, headers: { 'user-agent': USER_AGENT, accept: 'text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml,text/plain,application/json;q=0.9,*/*;q=0.5' } }, (res) => {
      const status = res.statusCode ?? 0;
      const contentType = String(res.headers['content-type'] ?? '');
      res.on('error', fail);
      if (status >= 300 && status < 400 && res.headers.location) {
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
    });
    const timer = setTimeout(() => fail(tooSlow(options)), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('error', fail);
  });
}

const tooBig = (o: FetchOptions) => new FetchRefused(`the page is larger than ${formatBytes(o.maxBytes)}`);
const tooSlow = (o: FetchOptions) => new FetchRefused(`the site took longer than ${Math.round(o.timeoutMs / 1000)} s`);

function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${Math.round(n / 100_000) / 10} MB` : `${Math.round(n / 1000)} kB`;
}

/** The body as text, in the charset the response names (UTF-8 when it names none or one we don't know). */
function decode(body: Buffer, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
