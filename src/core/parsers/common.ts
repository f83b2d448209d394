/** Helpers shared by the format parsers. Pure: no fs, no environment, no logging. */
import { normaliseUrl } from '../links.js';
import type { Article, CorpusWarning, Section } from '../types.js';

/** The file name without directories and without its last extension: `a/b/000_x.txt` → `000_x`. */
export function baseId(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The lower-case extension of a path without its dot, or '' when it has none. */
export function extensionOf(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Unix newlines, no byte-order mark. */
export function normaliseNewlines(content: string): string {
  return content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/**
 * Collapses every run of whitespace (newlines, tabs, no-break spaces) to one space and trims;
 * drops zero-width characters and control characters (an escape sequence in an article must not
 * reach a terminal).
 */
export function clean(text: string): string {
  return text
    .replace(/\u200B|\u200C|\u200D|\u2060|\uFEFF/g, '')
    .replace(/[\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Plain text → paragraphs: blank lines separate them, a single newline is only whitespace, but
 * each bulleted or numbered list item is a paragraph of its own (without its bullet), as in Markdown.
 */
export function paragraphsOf(text: string): string[] {
  return normaliseNewlines(text)
    .split(/\n[ \t\u00A0]*\n/)
    .flatMap(listItemsOf)
    .map(clean)
    .filter((p) => p.length > 0);
}

const BULLET = /^[ \t]*(?:[-*+•‣▪◦]|\d{1,3}[.)])[ \t]+/;

/** A block of lines split before each line that starts with a bullet or an item number (a lone line keeps its own: "1. …" may be a ranking). */
export function listItemsOf(block: string): string[] {
  const lines = block.split('\n');
  if (lines.length < 2 || !lines.some((l) => BULLET.test(l))) return [block];
  const items: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (BULLET.test(line) && current.length > 0) {
      items.push(current.join('\n'));
      current = [];
    }
    current.push(line.replace(BULLET, ''));
  }
  items.push(current.join('\n'));
  return items;
}

/** An absolute http(s) URL that `normaliseUrl` keeps (no credentials, no disguise). */
export function isHttpUrl(value: string): boolean {
  return normaliseUrl(value) !== undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** An ISO 8601 calendar date, optionally with a time and zone. */
export const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function validCalendarDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * An ISO 8601 date or date-time from what a file gives: an ISO string (kept as written, a space
 * before the time becomes `T`), a Date from YAML (midnight UTC → the date alone), or a written
 * date such as "Oct 29, 2019" or an RFC 2822 date. Undefined when it is not a date.
 */
export function isoDate(value: unknown): string | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const [, y, m, d, hh, mm, ss] = iso;
    if (!validCalendarDate(Number(y), Number(m), Number(d))) return undefined;
    if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 60)) return undefined;
    return text.replace(' ', 'T');
  }
  // A written date must name a year and a month in words or as digits around slashes.
  if (!/\b\d{4}\b/.test(text) || !/[A-Za-z]{3}|\d\/\d/.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const local = new Date(ms);
  const day = `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
  // With an explicit zone the instant is known; without one, keep the wall-clock time as written.
  if (/\b(?:GMT|UTC|Z)\b|[+-]\d{2}:?\d{2}\s*$/.test(text)) return new Date(ms).toISOString();
  if (!/\d:\d/.test(text)) return day;
  return `${day}T${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}`;
}

/** The metadata every format may give, already checked for type. */
export interface ArticleMeta {
  id?: string;
  title?: string;
  url?: string;
  published?: unknown;
  source?: string;
  author?: string;
  tags?: string[];
  standfirst?: string;
}

/** "a string", "an array", "null"…: for messages about a value of the wrong type. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  const t = typeof v;
  return t === 'object' || t === 'undefined' ? `an ${t}` : `a ${t}`;
}

/** Reads the first present (non-null) of `keys` from a record. */
function pick(record: Record<string, unknown>, keys: readonly string[]): [string, unknown] | undefined {
  for (const key of keys) {
    const value = record[key];
    if (value !== undefined && value !== null) return [key, value];
  }
  return undefined;
}

/** Field names each metadata field may come under, in order of preference. */
export const META_KEYS = {
  id: ['id'],
  title: ['title'],
  url: ['url', 'link'],
  published: ['published_at', 'published', 'date'],
  source: ['source'],
  author: ['author'],
  tags: ['tags'],
  standfirst: ['standfirst', 'summary', 'description'],
} as const;

/**
 * Reads the metadata fields of a record (JSON object or YAML front matter), checking types:
 * a field of the wrong type is an error naming it. Empty strings count as absent.
 */
export function readMeta(record: Record<string, unknown>): { meta: ArticleMeta } | { error: string } {
  const meta: ArticleMeta = {};
  const wrong = (key: string, value: unknown, expected: string) => ({
    error: `wrong type: "${key}" is ${describeType(value)}, expected ${expected}`,
  });
  const scalar = (v: unknown) =>
    typeof v === 'string' ? clean(v) : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

  // An id may be a number (record 5); a headline may not: `"title": 5` is a broken record, not an article called "5".
  const id = pick(record, META_KEYS.id);
  if (id) {
    const text = scalar(id[1]);
    if (text === undefined) return wrong(id[0], id[1], 'a string');
    if (text) meta.id = text;
  }
  for (const field of ['title', 'url', 'source', 'standfirst'] as const) {
    const hit = pick(record, META_KEYS[field]);
    if (!hit) continue;
    if (typeof hit[1] !== 'string') return wrong(hit[0], hit[1], 'a string');
    const text = clean(hit[1]);
    if (text) meta[field] = text;
  }
  const author = pick(record, META_KEYS.author);
  if (author) {
    const [key, value] = author;
    if (typeof value === 'string') {
      if (clean(value)) meta.author = clean(value);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      const names = (value as string[]).map(clean).filter(Boolean);
      if (names.length) meta.author = names.join(', ');
    } else return wrong(key, value, 'a string or a list of strings');
  }
  const tags = pick(record, META_KEYS.tags);
  if (tags) {
    const [key, value] = tags;
    let list: string[];
    if (typeof value === 'string') list = value.split(',');
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
      list = value.map(String);
    else return wrong(key, value, 'a list of strings or a comma-separated string');
    const unique = [...new Set(list.map(clean).filter(Boolean))];
    if (unique.length) meta.tags = unique;
  }
  const published = pick(record, META_KEYS.published);
  if (published) {
    const [key, value] = published;
    if (typeof value !== 'string' && !(value instanceof Date)) return wrong(key, value, 'a date string');
    meta.published = value;
  }
  return { meta };
}

/** A new article with no body yet. */
export function newArticle(id: string, title: string, file: string, sections: Section[] = []): Article {
  return { id, title, tags: [], sections, file };
}

/**
 * Copies metadata onto an article. A URL that is not absolute http(s) or a date that cannot be
 * read is left out with a warning; the article itself still loads.
 */
export function applyMeta(article: Article, meta: ArticleMeta, warnings: CorpusWarning[]): Article {
  const warn = (reason: string) => {
    const w: CorpusWarning = { file: article.file, reason };
    if (article.line !== undefined) w.line = article.line;
    warnings.push(w);
  };
  if (meta.url !== undefined) {
    // Stored normalised: every front end (Discord, terminal, JSON) shows the same safe link.
    const url = normaliseUrl(meta.url);
    if (url) article.url = url;
    else warn(`ignored invalid url "${meta.url.slice(0, 200)}"`);
  }
  if (meta.published !== undefined) {
    const iso = isoDate(meta.published);
    if (iso) article.published = iso;
    else warn(`ignored unreadable date "${String(meta.published)}"`);
  }
  if (meta.source) article.source = meta.source;
  if (meta.author) article.author = meta.author;
  if (meta.tags?.length) article.tags = meta.tags;
  if (meta.standfirst) article.standfirst = meta.standfirst;
  return article;
}

/** Sections worth keeping: those with paragraphs, or a heading. */
export function keptSections(sections: Section[]): Section[] {
  return sections.filter((s) => s.paragraphs.length > 0 || (s.heading !== undefined && s.heading !== ''));
}

/** The first line of an error message. */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
