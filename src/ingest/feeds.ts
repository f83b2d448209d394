/**
 * RSS and Atom feeds: read with @extractus/feed-extractor from text fetched by `safeFetch` (never
 * the library's own fetch), each new entry written as a Markdown article under
 * corpus/feeds/<feed id>/ and recorded in the store by its guid and its url, so it is never
 * brought in twice.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { extractFromXml, type FeedData, type FeedEntry } from '@extractus/feed-extractor';
import { clean, isoDate } from '../core/parsers/common.js';
import type { Article } from '../core/types.js';
import type { Feed, StoreParts } from '../store/store.js';
import { AddRefused, articleToMarkdown, extractArticle, writeNewFile } from './add.js';
import { FetchRefused, safeFetch, type FetchOptions } from './fetch.js';
import { parseSandboxed } from '../workers/parseSandbox.js';

/** Where a feed's articles go, inside the corpus: corpus/feeds/<feed id>/. */
export const FEEDS_DIR = 'feeds';
/** An entry carrying more text than this (once its HTML is stripped) is the article itself; less is a teaser. */
export const FULL_TEXT_CHARS = 600;

export interface PollReport {
  feedId: number;
  added: Array<{ title: string; file: string }>;
  /** Entries already brought in before (by guid or url). */
  skipped: number;
  /** One line per entry that could not be read. */
  errors: string[];
  /** New entries left for the next poll (over `maxItems`). */
  deferred: number;
}

/**
 * New entries taken from one feed in one poll; the rest wait for the next poll (they stay in the
 * feed, not recorded). A feed of 35,000 items would otherwise keep one poll fetching for days.
 */
export const MAX_ITEMS_PER_FEED_POLL = 50;

/** Entries brought in at once (a teaser's page fetched, or an entry's text parsed): bounded, not one at a time nor all at once. */
export const ENTRY_CONCURRENCY = 4;

/** What we read from an entry ourselves, beside the library's normalised fields. */
interface EntryExtras {
  /** The entry's own guid (RSS) or id (Atom), when it has one: the library makes one up otherwise. */
  guid?: string;
  /** The longest HTML body the entry carries: content:encoded, Atom content, description or summary. */
  html?: string;
  /** Atom: the rel="alternate" link (the library takes the first link, which may be "self" or an enclosure). */
  alternate?: string;
  /** The publication date as written (Atom `published` rather than `updated`). */
  date?: string;
}
type Entry = FeedEntry & EntryExtras;

const NOT_A_FEED = 'that address does not serve an RSS or Atom feed';

/** The text of an XML node as fast-xml-parser gives it: a string, or an object with `#text`. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value)
    return textOf((value as Record<string, unknown>)['#text']);
  return undefined;
}

function extrasOf(raw: Record<string, unknown>): EntryExtras {
  const extras: EntryExtras = {};
  const guid = textOf(raw.guid) ?? textOf(raw.id);
  if (guid) extras.guid = guid;
  const bodies = [raw['content:encoded'], raw.content, raw.description, raw.summary]
    .map(textOf)
    .filter((h): h is string => h !== undefined);
  const html = bodies.sort((a, b) => plainLength(b) - plainLength(a))[0];
  if (html) extras.html = html;
  const links = (Array.isArray(raw.link) ? raw.link : [raw.link]).filter(
    (l): l is Record<string, unknown> => !!l && typeof l === 'object' && '@_href' in l,
  );
  const alternate = links.find((l) => (l['@_rel'] ?? 'alternate') === 'alternate');
  if (alternate && typeof alternate['@_href'] === 'string') extras.alternate = alternate['@_href'];
  const date = textOf(raw.pubDate) ?? textOf(raw.published) ?? textOf(raw['dc:date']) ?? textOf(raw.updated);
  if (date) extras.date = date;
  return extras;
}

/** A feed as the library reads it, with our extras on every entry. */
function readFeed(xml: string, baseUrl: string): FeedData & { entries: Entry[] } {
  let feed: FeedData | null;
  try {
    feed = extractFromXml(xml, {
      baseUrl,
      descriptionMaxLen: 0,
      // Tag values stay strings: a numeric guid must not lose digits.
      xmlParserOptions: { parseTagValue: false },
      getExtraEntryFields: (raw) => extrasOf(raw as Record<string, unknown>) as Record<string, unknown>,
    });
  } catch {
    throw new FetchRefused(NOT_A_FEED);
  }
  if (!feed || !Array.isArray(feed.entries)) throw new FetchRefused(NOT_A_FEED);
  const entries = (feed.entries as Entry[]).map((e) => {
    if (e.alternate === undefined) return e;
    // The library makes its own link absolute, not the alternate link we read.
    const alternate = URL.canParse(e.alternate, baseUrl) ? new URL(e.alternate, baseUrl).href : undefined;
    const { alternate: _raw, ...rest } = e;
    return alternate ? { ...rest, alternate } : rest;
  });
  return { ...feed, entries };
}

const titleOf = (feed: FeedData) => (typeof feed.title === 'string' && feed.title.trim() ? feed.title.trim() : null);

/** Checks a link before `/feed add`: it must serve an RSS or Atom feed; gives its title and number of entries. */
export async function probeFeed(
  url: string,
  fetchOptions: FetchOptions,
): Promise<{ title: string | null; entries: number }> {
  const page = await safeFetch(url, fetchOptions);
  const feed = readFeed(page.body, page.url);
  return { title: titleOf(feed), entries: feed.entries.length };
}

/**
 * Polls one feed: each entry not brought in before (by guid or by url, by a feed of one of the
 * `known` servers: the feed's own by default) becomes an article under <dir>/feeds/<id>/ — `dir`
 * being the feed's server's archive — from the entry's own content when it carries the full text,
 * else from its page, fetched and extracted. One bad entry never stops the others. Throws
 * `FetchRefused` (after recording the error on the feed) only when the feed itself can't be read.
 */
export async function pollFeed(
  store: Pick<StoreParts, 'feeds'>,
  feed: Feed,
  corpusDir: string,
  fetchOptions: FetchOptions,
  known: readonly string[] = [feed.guildId],
  /** At most this many new entries are brought in (see MAX_ITEMS_PER_FEED_POLL). */
  maxItems = MAX_ITEMS_PER_FEED_POLL,
): Promise<PollReport> {
  const report: PollReport = { feedId: feed.id, added: [], skipped: 0, errors: [], deferred: 0 };
  let data: ReturnType<typeof readFeed>;
  try {
    const page = await safeFetch(feed.url, fetchOptions);
    data = readFeed(page.body, page.url);
  } catch (err) {
    const refused = err instanceof FetchRefused ? err : new FetchRefused('the feed could not be read');
    await store.feeds.markPolled(feed.id, refused.message);
    throw refused;
  }
  const dir = join(corpusDir, FEEDS_DIR, String(feed.id));
  const source = titleOf(data) ?? undefined;
  const todo: Array<{ at: number; entry: Entry; label: string; link: string | undefined; keys: string[] }> = [];
  const taken = new Set<string>();
  // Each entry's outcome in feed order, whatever order they finish in.
  const outcomes: Array<{ added: PollReport['added'][number] } | { error: string } | undefined> = [];
  for (const [at, entry] of data.entries.entries()) {
    const label = clean(entry.title || entry.link || 'an entry').slice(0, 80);
    const link = linkOf(entry);
    const keys = [...new Set([entry.guid, link].filter((k): k is string => k !== undefined && k !== ''))];
    if (keys.length === 0) {
      outcomes[at] = { error: `${label}: no guid and no link` };
      continue;
    }
    // Known, or listed twice in this feed: brought in once.
    if ((await store.feeds.itemKnown(known, keys)) || keys.some((k) => taken.has(k))) {
      report.skipped++;
      continue;
    }
    if (todo.length >= maxItems) {
      report.deferred++;
      continue;
    }
    for (const k of keys) taken.add(k);
    todo.push({ at, entry, label, link, keys });
  }
  let next = 0;
  const bringIn = async () => {
    for (let i = next++; i < todo.length; i = next++) await bringInOne(todo[i]!);
  };
  const bringInOne = async ({ at, entry, label, link, keys }: (typeof todo)[number]) => {
    try {
      const article = await articleOf(entry, link, fetchOptions, source);
      const markdown = articleToMarkdown(article);
      const stem = fileStem(article.title, keys[0]!);
      const name = await writeNewFile(dir, markdown, (n) => (n === 1 ? `${stem}.md` : `${stem}-${n}.md`));
      const file = `${FEEDS_DIR}/${feed.id}/${name}`;
      const reread = await parseSandboxed({ file, content: markdown });
      const written = 'refused' in reread ? undefined : reread.articles[0];
      await store.feeds.recordItem(feed.id, keys, written?.id ?? null, file);
      outcomes[at] = { added: { title: article.title, file } };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      outcomes[at] = {
        error: `${label}: ${err instanceof FetchRefused || err instanceof EntryError ? err.message : `could not be added${typeof code === 'string' ? ` (${code})` : ''}`}`,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENTRY_CONCURRENCY, todo.length) }, bringIn));
  for (const o of outcomes) {
    if (o && 'added' in o) report.added.push(o.added);
    else if (o) report.errors.push(o.error);
  }
  await store.feeds.markPolled(
    feed.id,
    report.errors.length > 0 && report.added.length === 0 ? report.errors[0]! : null,
  );
  return report;
}

/** A problem with one entry; the message is safe to show. */
class EntryError extends Error {}

/** The entry's link: Atom's alternate link when there is one, else the library's. */
function linkOf(entry: Entry): string | undefined {
  return [entry.alternate, entry.link].find((l): l is string => typeof l === 'string' && /^https?:\/\//i.test(l));
}

/** A readable, stable file name: the title's first words and a hash of the entry's first key. */
function fileStem(title: string, key: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 10);
  return words ? `${words}-${hash}` : `item-${hash}`;
}

async function articleOf(
  entry: Entry,
  link: string | undefined,
  fetchOptions: FetchOptions,
  source: string | undefined,
): Promise<Article> {
  const title = clean(entry.title ?? '');
  const html = entry.html ?? '';
  let article: Article | undefined;
  if (plainLength(html) > FULL_TEXT_CHARS) {
    const page = `<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body><article><h1>${escapeHtml(title)}</h1>${html}</article></body></html>`;
    // In the parse sandbox: an entry's HTML is as untrusted as an upload, and gets the same budget.
    const parsed = await parseSandboxed({ file: 'entry.html', content: page, kind: 'page' });
    if ('refused' in parsed) throw new EntryError(`its text ${parsed.refused}`);
    article = parsed.articles[0];
  }
  if (!article) {
    if (!link) throw new EntryError('a teaser without a link to the article');
    const page = await safeFetch(link, fetchOptions);
    try {
      article = await extractArticle(page.body, page.url);
    } catch (err) {
      throw new EntryError(
        err instanceof AddRefused && /limit for one file/.test(err.message)
          ? `its page ${err.message.replace(/^it /, '')}`
          : 'no article found on its page',
      );
    }
  }
  if (title) article.title = title;
  if (link) article.url = link;
  const published = isoDate(entry.date) ?? isoDate(entry.published);
  if (published) article.published = published;
  if (!article.source && source) article.source = source;
  return article;
}

/** Characters of text in an HTML fragment. */
function plainLength(html: string): number {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#?\w+;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim().length;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
