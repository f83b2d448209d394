import matter from 'gray-matter';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { z } from 'zod';
import type { Article, CorpusWarning, ParseResult, Section } from './types.js';

/** Every parsed article passes this schema before it is indexed. */
export const ArticleSchema = z.object({
  id: z.string().min(1, 'empty id'),
  title: z.string().trim().min(1, 'missing title').max(500, 'title longer than 500 characters'),
  url: z.url('url is not a URL').optional(),
  published: z.string().optional(),
  source: z.string().optional(),
  author: z.string().optional(),
  tags: z.array(z.string()),
  standfirst: z.string().optional(),
  photoCredits: z.string().optional(),
  sections: z
    .array(z.object({ heading: z.string().optional(), paragraphs: z.array(z.string()) }))
    .refine((s) => s.some((x) => x.paragraphs.length > 0), 'no article text'),
  file: z.string(),
  line: z.number().int().positive().optional(),
});

const basename = (file: string) => (file.split(/[\\/]/).pop() ?? file).replace(/\.[^.]+$/, '');
const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Validates a candidate article; a failure becomes a warning naming the file, line and first problem. */
function validated(candidate: Article, warnings: CorpusWarning[]): Article | undefined {
  const r = ArticleSchema.safeParse(candidate);
  if (r.success) return candidate;
  const issue = r.error.issues[0]!;
  const where: CorpusWarning = { file: candidate.file, reason: issue.message };
  if (candidate.line) where.line = candidate.line;
  warnings.push(where);
  return undefined;
}

/** An ISO date from whatever a file gives (a Date from YAML, "2019-10-29", "Oct 29, 2019"…). */
function isoDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return text;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? clean(value) : undefined;
}

function tagsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).map(clean).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map(clean).filter(Boolean);
  return [];
}

function withMeta(a: Article, meta: Record<string, unknown>): Article {
  const url = optionalText(meta.url ?? meta.link ?? meta.canonical);
  const published = isoDate(meta.published_at ?? meta.published ?? meta.date ?? meta.pubDate);
  const source = optionalText(meta.source ?? meta.site ?? meta.outlet);
  const author = optionalText(meta.author);
  if (url) a.url = url;
  if (published) a.published = published;
  if (source) a.source = source;
  if (author) a.author = author;
  const tags = tagsOf(meta.tags ?? meta.keywords);
  if (tags.length) a.tags = tags;
  return a;
}

// --- Scraped text -------------------------------------------------------------------------

/** Site chrome that scrapers leave around articles. */
const CHROME = /^(skip to (main )?content|back to top|share this( article)?|print( this)?|advertisement|menu|search|subscribe|follow us|read more)$/i;
const PHOTO_CREDITS = /^photo credits?\s*:\s*(.+)$/i;
const HEADER = /^(title|url|link|published|date|source|author|tags)\s*:\s*(.+)$/i;
const ENDS_SENTENCE = /[.!?…]["'”’)\]]?$/;

/** Scraped article text: chrome dropped, headline, standfirst, sub-headings, body, photo credits. */
export function parseScrapedText(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  const meta: Record<string, unknown> = {};
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  // Optional "Key: value" header lines at the very top.
  let i = 0;
  while (i < lines.length && !lines[i]!.trim()) i++;
  for (let m; i < lines.length && (m = HEADER.exec(lines[i]!.trim())); i++) meta[m[1]!.toLowerCase()] = m[2]!.trim();
  const paragraphs = lines
    .slice(i)
    .join('\n')
    .split(/\n\s*\n/)
    .map(clean)
    .filter((p) => p && !CHROME.test(p));
  let photoCredits: string | undefined;
  const body: string[] = [];
  for (const p of paragraphs) {
    const credit = PHOTO_CREDITS.exec(p);
    if (credit) photoCredits = credit[1]!.trim();
    else body.push(p);
  }
  const title = optionalText(meta.title) ?? body.shift();
  if (!title || body.length === 0) {
    warnings.push({ file, reason: 'no article text' });
    return { articles: [], warnings };
  }
  // The paragraph under the headline is the standfirst when a body follows it.
  const standfirst = body.length > 1 ? body.shift() : undefined;
  const sections: Section[] = [{ paragraphs: [] }];
  body.forEach((p, at) => {
    if (ENDS_SENTENCE.test(p)) sections[sections.length - 1]!.paragraphs.push(p);
    // An unpunctuated paragraph with body after it is a sub-heading; a trailing one is a caption.
    else if (at < body.length - 1) sections.push({ heading: p, paragraphs: [] });
  });
  const article: Article = { id: basename(file), title, tags: [], sections: sections.filter((s) => s.paragraphs.length > 0 || s.heading), file };
  if (standfirst) article.standfirst = standfirst;
  if (photoCredits) article.photoCredits = photoCredits;
  const ok = validated(withMeta(article, meta), warnings);
  return { articles: ok ? [ok] : [], warnings };
}

// --- Markdown -----------------------------------------------------------------------------

function stripMarkdown(text: string): string {
  return clean(
    text
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/^\s{0,3}(?:[-*+]|\d+[.)])\s+/gm, '')
      .replace(/^\s{0,3}>\s?/gm, '')
      .replace(/(\*\*|__)(.+?)\1/g, '$2')
      .replace(/(^|\W)[*_]([^*_]+)[*_](?=\W|$)/g, '$1$2')
      .replace(/`([^`]+)`/g, '$1'),
  );
}

/** Markdown with YAML front matter (title, url, published, source, tags); # headings split sections. */
export function parseMarkdown(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  let parsed: matter.GrayMatterFile<string>;
  try {
    // An options object bypasses gray-matter's cache, which could return another file's data.
    parsed = matter(content, { excerpt: false });
  } catch (err) {
    const e = err as { mark?: { line?: number }; reason?: string; message: string };
    const warning: CorpusWarning = { file, reason: `invalid front matter: ${e.reason ?? e.message.split('\n')[0]}` };
    if (e.mark?.line !== undefined) warning.line = e.mark.line + 2;
    return { articles: [], warnings: [warning] };
  }
  const data = (parsed.data ?? {}) as Record<string, unknown>;
  const sections: Section[] = [{ paragraphs: [] }];
  let title = optionalText(data.title);
  for (const block of parsed.content.split(/\n\s*\n/)) {
    const heading = /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/.exec(block.split('\n')[0] ?? '');
    if (heading) {
      const text = stripMarkdown(heading[2]!);
      if (heading[1] === '#' && !title) title = text;
      else sections.push({ heading: text, paragraphs: [] });
      const rest = block.split('\n').slice(1).join('\n');
      if (rest.trim()) sections[sections.length - 1]!.paragraphs.push(stripMarkdown(rest));
      continue;
    }
    const text = stripMarkdown(block);
    if (text) sections[sections.length - 1]!.paragraphs.push(text);
  }
  const article: Article = {
    id: optionalText(data.id) ?? basename(file),
    title: title ?? '',
    tags: [],
    sections: sections.filter((s) => s.paragraphs.length > 0),
    file,
  };
  const standfirst = optionalText(data.standfirst ?? data.summary ?? data.description);
  if (standfirst) article.standfirst = standfirst;
  const ok = validated(withMeta(article, data), warnings);
  return { articles: ok ? [ok] : [], warnings };
}

// --- HTML ---------------------------------------------------------------------------------

/** An HTML page: the article is extracted by Readability (on linkedom), metadata from the head. */
export function parseHtml(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  const { document } = parseHTML(content);
  const metaContent = (selector: string) => document.querySelector(selector)?.getAttribute('content') ?? undefined;
  const meta: Record<string, unknown> = {
    url: document.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? metaContent('meta[property="og:url"]'),
    published:
      metaContent('meta[property="article:published_time"]') ??
      metaContent('meta[name="date"]') ??
      document.querySelector('time[datetime]')?.getAttribute('datetime') ??
      undefined,
    source: metaContent('meta[property="og:site_name"]'),
    author: metaContent('meta[name="author"]'),
    tags: metaContent('meta[name="keywords"]'),
  };
  const fallbackTitle = metaContent('meta[property="og:title"]') ?? document.querySelector('title')?.textContent ?? undefined;
  let extracted: ReturnType<Readability<string>['parse']> = null;
  try {
    extracted = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  } catch (err) {
    warnings.push({ file, reason: `could not extract an article: ${(err as Error).message.split('\n')[0]}` });
    return { articles: [], warnings };
  }
  if (!extracted?.content) {
    warnings.push({ file, reason: 'no article found in the page' });
    return { articles: [], warnings };
  }
  const { document: body } = parseHTML(`<!doctype html><html><body>${extracted.content}</body></html>`);
  const sections: Section[] = [{ paragraphs: [] }];
  let headline: string | undefined;
  for (const el of body.querySelectorAll('h1, h2, h3, h4, p, li, blockquote, pre')) {
    const text = clean(el.textContent ?? '');
    if (!text) continue;
    if (/^H\d$/.test(el.tagName)) {
      // A heading before any paragraph is the headline (Readability turns h1 into h2): the title.
      const beforeBody = sections.length === 1 && sections[0]!.paragraphs.length === 0;
      if (beforeBody && !headline) headline = text;
      else sections.push({ heading: text, paragraphs: [] });
    }
    else if (!el.parentElement?.closest('li, blockquote')) sections[sections.length - 1]!.paragraphs.push(text);
  }
  const article: Article = {
    id: basename(file),
    title: clean(headline || extracted.title || fallbackTitle || ''),
    tags: [],
    sections: sections.filter((s) => s.paragraphs.length > 0),
    file,
  };
  const standfirst = optionalText(extracted.excerpt);
  if (standfirst && !sections.some((s) => s.paragraphs[0] === standfirst)) article.standfirst = standfirst;
  if (!meta.source && extracted.siteName) meta.source = extracted.siteName;
  if (!meta.author && extracted.byline) meta.author = extracted.byline;
  const ok = validated(withMeta(article, meta), warnings);
  return { articles: ok ? [ok] : [], warnings };
}

// --- JSON and JSONL -----------------------------------------------------------------------

const RecordSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    title: z.string({ message: 'missing title' }),
    body: z.string().optional(),
    text: z.string().optional(),
    content: z.string().optional(),
  })
  .passthrough()
  .refine((r) => (r.body ?? r.text ?? r.content) !== undefined, { message: 'missing body' });

function fromRecord(value: unknown, file: string, fallbackId: string, line: number | undefined, warnings: CorpusWarning[]): Article | undefined {
  const r = RecordSchema.safeParse(value);
  if (!r.success) {
    const w: CorpusWarning = { file, reason: typeof value !== 'object' || value === null || Array.isArray(value) ? 'not an article object' : r.error.issues[0]!.message };
    if (line) w.line = line;
    warnings.push(w);
    return undefined;
  }
  const rec = r.data as Record<string, unknown> & { body?: string; text?: string; content?: string; title: string };
  const paragraphs = (rec.body ?? rec.text ?? rec.content ?? '').split(/\n\s*\n/).map(clean).filter(Boolean);
  const article: Article = {
    id: rec.id !== undefined ? String(rec.id) : fallbackId,
    title: clean(rec.title),
    tags: [],
    sections: [{ paragraphs }],
    file,
  };
  if (line) article.line = line;
  const standfirst = optionalText(rec.standfirst ?? rec.summary);
  if (standfirst) article.standfirst = standfirst;
  return validated(withMeta(article, rec), warnings);
}

/** Articles from already-parsed records (title, body, url, published_at, source…), as the JSON loaders read them. */
export function articlesFromRecords(records: readonly unknown[], file: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  const articles: Article[] = [];
  records.forEach((r, i) => {
    const a = fromRecord(r, file, `${basename(file)}#${i + 1}`, undefined, warnings);
    if (a) articles.push(a);
  });
  return { articles, warnings };
}

/** JSON Lines: one article per line; a bad line is skipped with its line number. */
export function parseJsonLines(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  const articles: Article[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      warnings.push({ file, line: i + 1, reason: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    const a = fromRecord(value, file, `${basename(file)}#${i + 1}`, i + 1, warnings);
    if (a) articles.push(a);
  }
  return { articles, warnings };
}

/** A JSON file with one article object or an array of them. */
export function parseJson(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (err) {
    return { articles: [], warnings: [{ file, reason: `invalid JSON: ${(err as Error).message}` }] };
  }
  const items = Array.isArray(value) ? value : [value];
  const articles: Article[] = [];
  items.forEach((item, n) => {
    const a = fromRecord(item, file, Array.isArray(value) ? `${basename(file)}#${n}` : basename(file), undefined, warnings);
    if (a) articles.push(a);
  });
  return { articles, warnings };
}

const PARSERS: Record<string, (file: string, content: string) => ParseResult> = {
  txt: parseScrapedText,
  text: parseScrapedText,
  md: parseMarkdown,
  markdown: parseMarkdown,
  html: parseHtml,
  htm: parseHtml,
  json: parseJson,
  jsonl: parseJsonLines,
  ndjson: parseJsonLines,
};

export const ARTICLE_EXTENSIONS = Object.keys(PARSERS);

/** Parses one corpus file by its extension. Never throws: problems come back as warnings. */
export function parseArticleFile(file: string, content: string): ParseResult {
  const ext = /\.([^.\\/]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const parser = PARSERS[ext];
  if (!parser) return { articles: [], warnings: [{ file, reason: `unsupported file type ".${ext}"` }] };
  try {
    return parser(file, content);
  } catch (err) {
    return { articles: [], warnings: [{ file, reason: `could not parse: ${(err as Error).message.split('\n')[0]}` }] };
  }
}
