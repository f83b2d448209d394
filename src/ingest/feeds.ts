import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFromXml, type FeedData, type FeedEntry } from '@extractus/feed-extractor';
import { parseHtml } from '../core/parsers/html.js';
import { isoDate } from '../core/parsers/common.js';
import type { Article } from '../core/types.js';
import type { Feed, Store } from '../store/store.js';
import { articleToMarkdown } from './add.js';
import { FetchRefused, safeFetch, type FetchOptions } from './fetch.js';

/** Where a feed's articles go, inside the corpus: corpus/feeds/<feed id>/. */
export const FEEDS_DIR = 'feeds';
/** An entry carrying at least this much text (after its HTML) is the article itself; less is a teaser. */
const FULL_TEXT_CHARS = 600;

export interface PollReport {
  feedId: number;
  added: Array<{ title: string; file: string }>;
  /** Entries already brought in before (by guid or url). */
  skipped: number;
  /** One line per entry that could not be read. */
  errors: string[];
}

/** A feed as the library reads it; entries keep their full content (RSS content:encoded, Atom content). */
function readFeed(xml: string): FeedData {
  let feed: FeedData;
  try {
    feed = extractFromXml(xml, {
      descriptionMaxLen: 0,
      getExtraEntryFields: (raw) => {
        const content = raw['content:encoded'] ?? raw.content;
        const text = typeof content === 'string' ? content : typeof content === 'object' && content && '#text' in content ? String((content as Record<string, unknown>)['#text']) : undefined;
        return text ? { content: text } : {};
      },
    });
  } catch {
    throw new FetchRefused('that address does not serve an RSS or Atom feed');
  }
  if (!feed || !Array.isArray(feed.entries)) throw new FetchRefused('that address does not serve an RSS or Atom feed');
  return feed;
}

/** Checks a link before `/feed add`: it must serve a feed Newsdesk can read. */
export async function probeFeed(url: string, fetchOptions: FetchOptions): Promise<{ title: string | null; entries: number }> {
  const page = await safeFetch(url, fetchOptions);
  const feed = readFeed(page.body);
  return { title: typeof feed.title === 'string' && feed.title.trim() ? feed.title.trim() : null, entries: feed.entries?.length ?? 0 };
}

/**
 * Polls one feed: each entry not brought in before (by guid or by url) becomes an article under
 * corpus/feeds/<id>/ — from the entry's own content when it carries the full text, else from its
 * page, fetched and extracted. One bad entry never stops the others.
 */
export async function pollFeed(store: Store, feed: Feed, corpusDir: string, fetchOptions: FetchOptions): Promise<PollReport> {
  const report: PollReport = { feedId: feed.id, added: [], skipped: 0, errors: [] };
  let data: FeedData;
  try {
    data = readFeed((await safeFetch(feed.url, fetchOptions)).body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    store.markFeedPolled(feed.id, message);
    throw err instanceof FetchRefused ? err : new FetchRefused(message);
  }
  const dir = join(corpusDir, FEEDS_DIR, String(feed.id));
  const source = typeof data.title === 'string' ? data.title.trim() : undefined;
  for (const entry of data.entries ?? []) {
    const keys = keysOf(entry);
    if (keys.length === 0) {
      report.errors.push(`${entry.title ?? 'an entry'}: no id and no link`);
      continue;
    }
    if (store.feedItemKnown(keys)) {
      report.skipped++;
      continue;
    }
    try {
      const article = await articleOf(entry, fetchOptions, source);
      const name = `${fileStem(keys[0]!)}.md`;
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.${name}.tmp`);
      await writeFile(temp, articleToMarkdown(article));
      await rename(temp, join(dir, name));
      const file = `${FEEDS_DIR}/${feed.id}/${name}`;
      store.recordFeedItem(feed.id, keys, article.id, file);
      report.added.push({ title: article.title, file });
    } catch (err) {
      report.errors.push(`${(entry.title ?? entry.link ?? 'an entry').slice(0, 80)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  store.markFeedPolled(feed.id, report.errors.length && report.added.length === 0 ? report.errors[0]! : null);
  return report;
}

/** The keys an entry is known by: its guid and its link. */
function keysOf(entry: FeedEntry): string[] {
  return [...new Set([entry.id, entry.link].filter((k): k is string => typeof k === 'string' && k.trim() !== '').map((k) => k.trim()))];
}

/** A short file name that is the same for the same entry: a hash of its first key. */
function fileStem(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return `item-${h.toString(16).padStart(8, '0')}`;
}

async function articleOf(entry: FeedEntry, fetchOptions: FetchOptions, source: string | undefined): Promise<Article> {
  const title = (entry.title ?? '').trim();
  const content = typeof entry.content === 'string' ? entry.content : '';
  let article: Article | undefined;
  if (plainLength(content) >= FULL_TEXT_CHARS) {
    article = parseHtml('entry.html', `<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body><article><h1>${escapeHtml(title)}</h1>${content}</article></body></html>`).articles[0];
  }
  if (!article) {
    if (!entry.link) throw new Error('a teaser without a link to the article');
    const page = await safeFetch(entry.link, fetchOptions);
    article = parseHtml('page.html', page.body).articles[0];
    if (!article) throw new Error('no article found on its page');
  }
  if (title) article.title = title;
  if (entry.link) article.url = entry.link;
  const published = isoDate(entry.published);
  if (published) article.published = published;
  if (!article.source && source) article.source = source;
  return article;
}

function plainLength(html: string): number {
  return html.replace(/<[^>]*>/g, ' ').replace(/&\w+;|&#\d+;/g, ' ').replace(/\s+/g, ' ').trim().length;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
