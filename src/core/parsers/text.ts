/**
 * Scraped article text, like the seed corpus: site chrome ("skip to Main Content", "Back To Top"),
 * the headline, the standfirst, then body paragraphs separated by blank lines. A paragraph without
 * sentence-final punctuation that has more text after it is the sub-heading of the part that
 * follows; one at the very end is a picture caption and is dropped. "Photo Credits: X" lines
 * become `photoCredits`. Optional `Key: value` header lines (Title, URL, Published, Source…) may
 * open the file.
 */
import { NO_BOILERPLATE, type Boilerplate } from '../boilerplate.js';
import type { Article, CorpusWarning, ParseResult, Section } from '../types.js';
import {
  applyMeta,
  baseId,
  clean,
  isHttpUrl,
  isoDate,
  keptSections,
  listItemsOf,
  newArticle,
  normaliseNewlines,
  type ArticleMeta,
} from './common.js';

/** "Photo Credits: SDF", "Photo credit: Reuters", "Photo: AP", "Image credits: …". */
const PHOTO_CREDITS = /^(?:photo(?:graph)?s?|images?|pictures?)(?:\s+credits?)?\s*:\s*(.+)$/i;

/** Header keys a text file may open with, and the metadata field each fills. */
const HEADERS: Record<string, keyof ArticleMeta> = {
  title: 'title',
  headline: 'title',
  url: 'url',
  link: 'url',
  source: 'source',
  published: 'published',
  date: 'published',
  author: 'author',
  byline: 'author',
  tags: 'tags',
  id: 'id',
};
const HEADER_LINE = /^([A-Za-z]+)\s*:\s*(.*\S)\s*$/;

/** Ends like a sentence: . ! ? … or : (optionally inside closing quotes or brackets), or a closing quote. */
const ENDS_SENTENCE = /(?:[.!?…:](?:["'”’»)\]]*)|["”»])$/u;

/** A trailing unpunctuated paragraph this short is a caption, not body text. */
const CAPTION_MAX_WORDS = 30;

/**
 * Reads the optional header block: consecutive `Key: value` lines at the top, with known keys.
 * A first line with a URL or date key must hold a URL or a date, so a headline like
 * "Date: a night out" stays text.
 */
function readHeaders(lines: string[]): { meta: ArticleMeta; next: number } {
  const meta: ArticleMeta = {};
  let i = 0;
  while (i < lines.length && !lines[i]!.trim()) i++;
  for (; i < lines.length; i++) {
    const m = HEADER_LINE.exec(lines[i]!.trim());
    const field = m ? HEADERS[m[1]!.toLowerCase()] : undefined;
    if (!m || !field) break;
    const value = clean(m[2]!);
    // A first line with a bad URL or date is text; inside a header block it is a header (and a warning).
    const first = Object.keys(meta).length === 0;
    if (first && field === 'url' && !isHttpUrl(value)) break;
    if (first && field === 'published' && !isoDate(value)) break;
    if (field === 'tags') meta.tags = value.split(',').map(clean).filter(Boolean);
    else meta[field] = value;
  }
  return { meta, next: i };
}

/** Splits the text into paragraphs: by blank lines, or line by line when the text has none. */
function splitParagraphs(lines: string[]): string[] {
  const text = lines.join('\n').trim();
  const blocks = /\n[ \t\u00A0]*\n/.test(text) ? text.split(/\n[ \t\u00A0]*\n/) : text.split('\n');
  return blocks
    .flatMap(listItemsOf)
    .map(clean)
    .filter((p) => p.length > 0);
}

const sameText = (a: string, b: string) => clean(a).toLowerCase() === clean(b).toLowerCase();

/**
 * Scraped text → its article. Lines of site chrome (skip links, menus, share bars: `boilerplate`)
 * go before anything else, so that a menu under the skip link is never taken for the headline;
 * a paragraph of furniture (an inline ad, a newsletter prompt) goes after paragraphs are found.
 */
export function parseText(file: string, content: string, boilerplate: Boilerplate = NO_BOILERPLATE): ParseResult {
  const warnings: CorpusWarning[] = [];
  const lines = normaliseNewlines(content)
    .split('\n')
    .filter((line) => !boilerplate.isFurnitureText(clean(line)));
  const { meta, next } = readHeaders(lines);
  const paragraphs: string[] = [];
  const credits: string[] = [];
  for (const p of splitParagraphs(lines.slice(next))) {
    if (boilerplate.isFurnitureText(p)) continue;
    const credit = PHOTO_CREDITS.exec(p);
    if (credit) credits.push(clean(credit[1]!));
    else paragraphs.push(p);
  }

  // The headline is the first line of text (a Title header may name it too).
  let title = meta.title;
  let headlineInText = true;
  if (title === undefined) title = paragraphs.shift();
  else if (paragraphs[0] !== undefined && sameText(paragraphs[0], title)) paragraphs.shift();
  else headlineInText = false;
  if (title === undefined || paragraphs.length === 0) {
    return { articles: [], warnings: [{ file, reason: 'no article text' }] };
  }
  // The paragraph under the headline is the standfirst, when there is body after it. Text that
  // starts straight after its header lines, with no headline, starts with its body.
  const standfirst = headlineInText && paragraphs.length > 1 ? paragraphs.shift() : undefined;

  const sections: Section[] = [{ paragraphs: [] }];
  paragraphs.forEach((p, at) => {
    const current = sections[sections.length - 1]!;
    if (ENDS_SENTENCE.test(p)) current.paragraphs.push(p);
    else if (at < paragraphs.length - 1) sections.push({ heading: p, paragraphs: [] });
    // A short unpunctuated last line is a picture caption: not body text.
    else if (p.split(' ').length > CAPTION_MAX_WORDS) current.paragraphs.push(p);
  });

  const article: Article = newArticle(meta.id ?? baseId(file), title, file, keptSections(sections));
  if (standfirst) article.standfirst = standfirst;
  if (credits.length) article.photoCredits = credits.join('; ');
  applyMeta(article, meta, warnings);
  return { articles: [article], warnings };
}
