/**
 * HTML news pages. Mozilla Readability (on a linkedom DOM) finds the article and drops the page
 * chrome; sections come from the h2–h6 headings and the p/li/blockquote/pre blocks of the extracted
 * content. Metadata comes from the page head: canonical link or og:url, article:published_time,
 * <time datetime> or JSON-LD datePublished, og:site_name, author and keywords.
 */
import { createRequire } from 'node:module';
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import { NO_BOILERPLATE, type Boilerplate } from '../boilerplate.js';
import type { ParseResult, Section } from '../types.js';
import {
  applyMeta,
  baseId,
  clean,
  firstLine,
  isHttpUrl,
  keptSections,
  newArticle,
  type ArticleMeta,
} from './common.js';

const require = createRequire(import.meta.url);
let dom: { Readability: typeof ReadabilityClass; parseHTML: typeof import('linkedom').parseHTML } | undefined;
/**
 * Readability and linkedom, loaded on first use (over half a second at start-up on a busy
 * machine): a start from a saved index, or a corpus without HTML, never needs them.
 */
function domLibraries(): NonNullable<typeof dom> {
  dom ??= {
    Readability: (require('@mozilla/readability') as typeof import('@mozilla/readability')).Readability,
    parseHTML: (require('linkedom') as typeof import('linkedom')).parseHTML,
  };
  return dom;
}

/** A page with less article text than this (in characters) has no article to speak of. */
const MIN_ARTICLE_CHARS = 80;

/** The minimal DOM surface used here (linkedom's types are not the DOM lib's). */
interface El {
  tagName: string;
  textContent: string | null;
  children: ArrayLike<El>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  remove(): void;
}
interface Doc {
  documentElement: El | null;
  title?: string;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}

function documentOf(html: string): Doc {
  const { parseHTML } = domLibraries();
  const doc = parseHTML(html).document as unknown as Doc;
  if (doc.documentElement?.tagName.toUpperCase() === 'HTML') return doc;
  // A fragment (or plain text) has no <html>: wrap it so that there is a document to read.
  return parseHTML(`<!doctype html><html><head></head><body>${html}</body></html>`).document as unknown as Doc;
}

/** Every JSON-LD object on the page, @graph members included. */
function jsonLd(doc: Doc): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      out.push(value as Record<string, unknown>);
      visit((value as Record<string, unknown>)['@graph']);
    }
  };
  for (const script of Array.from(doc.querySelectorAll('script[type="application/ld+json"]'))) {
    try {
      visit(JSON.parse(script.textContent ?? ''));
    } catch {
      // Broken JSON-LD is common and only costs us a fallback.
    }
  }
  return out;
}

const nameOf = (v: unknown): string | undefined => {
  if (typeof v === 'string') return clean(v) || undefined;
  if (Array.isArray(v)) return v.map(nameOf).filter(Boolean).join(', ') || undefined;
  if (v && typeof v === 'object') return nameOf((v as Record<string, unknown>).name);
  return undefined;
};

/** The page's own headline: the h1 of the article (or the page's only h1), unless it is the site's name. */
function headline(doc: Doc, siteName: string | undefined): string | undefined {
  const h1 =
    doc.querySelector('article h1, main h1, h1[itemprop="headline"], [itemprop="headline"] h1') ??
    (doc.querySelectorAll('h1').length === 1 ? doc.querySelector('h1') : null);
  const text = clean(h1?.textContent ?? '');
  return text && text !== siteName ? text : undefined;
}

/** "Headline | Site" → "Headline", when the site's name is known. */
function withoutSiteName(title: string, siteName: string | undefined): string {
  if (!siteName) return title;
  const escaped = siteName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stripped = title
    .replace(new RegExp(`\\s+[|\\-–—:·•»]\\s+${escaped}$`, 'i'), '')
    .replace(new RegExp(`^${escaped}\\s+[|\\-–—:·•»]\\s+`, 'i'), '');
  return stripped || title;
}

/** Metadata from the head (read before Readability, which changes the document). */
function headMeta(doc: Doc): ArticleMeta & { title?: string; excerpt?: string } {
  const content = (selector: string) => {
    const value = doc.querySelector(selector)?.getAttribute('content');
    return value && clean(value) ? clean(value) : undefined;
  };
  const ld = jsonLd(doc);
  const fromLd = (key: string) => ld.map((o) => o[key]).find((v) => v !== undefined && v !== null);
  const meta: ArticleMeta & { title?: string; excerpt?: string } = {};
  const urls = [doc.querySelector('link[rel="canonical"]')?.getAttribute('href'), content('meta[property="og:url"]')]
    .map((u) => clean(u ?? ''))
    .filter(Boolean);
  const url = urls.find(isHttpUrl) ?? urls[0];
  if (url) meta.url = url;
  const published =
    content('meta[property="article:published_time"]') ??
    content('meta[itemprop="datePublished"]') ??
    content('meta[name="date"]') ??
    content('meta[name="pubdate"]') ??
    content('meta[name="publish-date"]') ??
    content('meta[name="dc.date"]') ??
    (typeof fromLd('datePublished') === 'string' ? (fromLd('datePublished') as string) : undefined) ??
    doc.querySelector('time[datetime]')?.getAttribute('datetime') ??
    undefined;
  if (published) meta.published = published;
  const source = content('meta[property="og:site_name"]') ?? nameOf(fromLd('publisher'));
  if (source) meta.source = source;
  const author =
    content('meta[name="author"]') ?? content('meta[property="article:author"]') ?? nameOf(fromLd('author'));
  if (author && !/^https?:/.test(author)) meta.author = author;
  const tags = [
    ...(content('meta[name="keywords"]')?.split(',') ?? []),
    ...Array.from(doc.querySelectorAll('meta[property="article:tag"]')).map((m) => m.getAttribute('content') ?? ''),
  ]
    .map(clean)
    .filter(Boolean);
  if (tags.length) meta.tags = [...new Set(tags)];
  const title = content('meta[property="og:title"]') ?? headline(doc, source);
  if (title) meta.title = title;
  const excerpt = content('meta[property="og:description"]') ?? content('meta[name="description"]');
  if (excerpt) meta.excerpt = excerpt;
  return meta;
}

const HEADING = /^H[1-6]$/;
const BLOCK = new Set(['P', 'LI', 'BLOCKQUOTE', 'PRE', 'DD', 'DT']);
const SKIP = new Set([
  'FIGURE',
  'FIGCAPTION',
  'PICTURE',
  'IMG',
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TABLE',
  'NAV',
  'ASIDE',
  'FORM',
  'BUTTON',
  'SVG',
]);
const HAS_BLOCKS = 'p, li, blockquote, pre, h1, h2, h3, h4, h5, h6, ul, ol, div, section, article, table, figure';

/** Elements that may be a block of page furniture (inline elements are part of a sentence). */
const FURNITURE_BLOCKS = 'div, section, aside, ul, ol, p, form, figure, header, footer, nav, table';

/**
 * Removes the blocks whose class or id marks them as furniture (share bar, inline ad, newsletter
 * prompt, related links) before Readability reads the page: Readability weighs such classes down,
 * but keeps a lone paragraph it unwraps from one. A block holding the headline or most of the
 * page's text is the article itself, whatever its class says.
 */
function removeFurnitureBlocks(doc: Doc, boilerplate: Boilerplate): void {
  const body = doc.querySelector('body');
  const total = clean(body?.textContent ?? '').length;
  for (const el of Array.from(doc.querySelectorAll(FURNITURE_BLOCKS))) {
    const marks = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
    if (!marks.trim() || !boilerplate.isFurnitureClass(marks)) continue;
    if (el.querySelector('h1, article, main') || clean(el.textContent ?? '').length * 2 > total) continue;
    el.remove();
  }
}

/** A list each of whose items is a link and nothing more: a box of links, not text. */
function isLinkList(list: El): boolean {
  const items = Array.from(list.querySelectorAll('li'));
  return (
    items.length > 0 &&
    items.every((li) => {
      const text = clean(li.textContent ?? '');
      const linked = Array.from(li.querySelectorAll('a')).reduce((n, a) => n + clean(a.textContent ?? '').length, 0);
      return text.length === 0 || linked >= text.length * 0.8;
    })
  );
}

/** Walks the extracted content: headings open sections, text blocks become paragraphs. */
function sectionsOf(root: El, title: string, boilerplate: Boilerplate): Section[] {
  const sections: Section[] = [{ paragraphs: [] }];
  // A furniture heading ("Related stories", "Most read") is followed by its box of links.
  let linksBoxNext = false;
  const walk = (el: El) => {
    for (const child of Array.from(el.children)) {
      const tag = child.tagName.toUpperCase();
      const afterFurnitureHeading = linksBoxNext;
      linksBoxNext = false;
      if (SKIP.has(tag)) continue;
      if (HEADING.test(tag)) {
        // Readability turns the h1 into an h2: a heading that repeats the title is skipped.
        const text = clean(child.textContent ?? '');
        if (text && boilerplate.isFurnitureText(text)) linksBoxNext = true;
        else if (text && text !== title) sections.push({ heading: text, paragraphs: [] });
        continue;
      }
      if (afterFurnitureHeading && (tag === 'UL' || tag === 'OL') && isLinkList(child)) continue;
      // A list item or quote made of paragraphs is read paragraph by paragraph.
      if (BLOCK.has(tag) && (tag === 'P' || tag === 'PRE' || !child.querySelector(HAS_BLOCKS))) {
        const text = clean(child.textContent ?? '');
        if (text && !boilerplate.isFurnitureText(text)) sections[sections.length - 1]!.paragraphs.push(text);
        continue;
      }
      walk(child);
    }
  };
  walk(root);
  return keptSections(sections);
}

/** A byline paragraph ("By Jonah Pell") at the top of the article is metadata, not text. */
function withoutByline(sections: Section[], author: string | undefined): Section[] {
  const first = sections[0];
  if (!first || first.heading) return sections;
  const isByline = (p: string) =>
    p === author ||
    (/^(?:by|written by|words by|reporting by)\s+\S/i.test(p) && p.split(' ').length <= 12 && !/[.!?]$/.test(p));
  first.paragraphs = first.paragraphs.filter((p, i) => i > 1 || !isByline(p));
  return keptSections(sections);
}

/** A news page → its article, without page chrome and without the furniture `boilerplate` describes. */
export function parseHtml(file: string, content: string, boilerplate: Boilerplate = NO_BOILERPLATE): ParseResult {
  const doc = documentOf(content);
  const head = headMeta(doc);
  removeFurnitureBlocks(doc, boilerplate);
  const { Readability } = domLibraries();
  let extracted: ReturnType<ReadabilityClass['parse']>;
  try {
    extracted = new Readability(doc as unknown as ConstructorParameters<typeof ReadabilityClass>[0]).parse();
  } catch (err) {
    return { articles: [], warnings: [{ file, reason: `no article found in the page: ${firstLine(err)}` }] };
  }
  const siteName = head.source ?? (clean(extracted?.siteName ?? '') || undefined);
  const title = withoutSiteName(
    clean(head.title || extracted?.title || doc.querySelector('title')?.textContent || ''),
    siteName,
  );
  const body = extracted?.content
    ? documentOf(`<!doctype html><html><body>${extracted.content}</body></html>`)
    : undefined;
  const root = body?.querySelector('body');
  const author = head.author ?? (clean(extracted?.byline ?? '').replace(/^by\s+/i, '') || undefined);
  const sections = root ? withoutByline(sectionsOf(root, title, boilerplate), author) : [];
  const chars = sections.reduce((n, s) => n + s.paragraphs.reduce((m, p) => m + p.length, 0), 0);
  if (!extracted || chars < MIN_ARTICLE_CHARS) {
    return { articles: [], warnings: [{ file, reason: 'no article found in the page' }] };
  }

  const article = newArticle(baseId(file), title, file, sections);
  const warnings: ParseResult['warnings'] = [];
  const { title: _title, excerpt: _excerpt, ...meta } = head;
  if (!meta.published && extracted.publishedTime) meta.published = extracted.publishedTime;
  if (!meta.source && extracted.siteName) meta.source = clean(extracted.siteName);
  if (!meta.author && author) meta.author = author;
  // The page description is a standfirst unless it only repeats (or cuts short) the opening paragraph.
  const lead = sections[0]?.paragraphs[0] ?? '';
  const excerpt = head.excerpt?.replace(/(?:\.\.\.|…)$/, '').trim();
  if (excerpt && !lead.startsWith(excerpt) && excerpt !== title) meta.standfirst = head.excerpt!;
  applyMeta(article, meta, warnings);
  return { articles: [article], warnings };
}
