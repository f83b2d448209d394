/**
 * Links are data, never markup. Every url Newsdesk shows or stores goes through `normaliseUrl`:
 * the WHATWG parse (`new URL(u).href`: lower-case scheme and host, punycode, non-ASCII and `"`
 * percent-encoded), http(s) only, no user name or password (`https://discord.com@evil.example`
 * goes to evil.example), and every character RFC 3986 does not allow, plus `(` and `)`,
 * percent-encoded, so the result is a `format: uri` string that can sit in Markdown
 * (`[text](url)`, `<url>`) without ending it. Anything else is dropped, not repaired.
 */

/** Longest url kept: browsers and Discord handle more, but no article link needs it. */
export const MAX_URL_LENGTH = 2048;

// Whitespace, controls, zero-width and direction marks: a url carrying them is a disguise, not a typo.
const DISGUISE = /[\s\x00-\x1F\x7F-\x9F\u00AD\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
// After the host: what RFC 3986 allows (unreserved, reserved, `%`) minus `(`, `)`, `[`, `]`.
const NOT_URI = /[^A-Za-z0-9\-._~:/?#@!$&'*+,;=%]|%(?![0-9A-Fa-f]{2})/gu;

const encode = (c: string) => (c === '%' ? '%25' : c === '(' ? '%28' : c === ')' ? '%29' : encodeURIComponent(c));

/** The url as a safe absolute http(s) link (`format: uri`, no credentials), or undefined when it is not one. */
export function normaliseUrl(raw: string | null | undefined): string | undefined {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_URL_LENGTH || DISGUISE.test(raw)) return undefined;
  if (!URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  const origin = `${url.protocol}//${url.host}`;
  const href = url.href;
  // Without credentials, href starts with exactly scheme://host[:port]; the host keeps its IPv6 brackets.
  if (!href.startsWith(origin)) return undefined;
  const out = origin + href.slice(origin.length).replace(NOT_URI, encode);
  return out.length <= MAX_URL_LENGTH ? out : undefined;
}

/** The host of a normalised url, lower case, without `www.`. */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^www\./, '');
}
