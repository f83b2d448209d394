/**
 * JSON and JSON Lines records: `title`, `body` (or `text`/`content`), `url`, `published_at` (or
 * `published`/`date`), `source`, `author`, `id`, `tags`, optional `standfirst`/`summary`. The body
 * is plain text whose paragraphs are separated by blank lines. A `.json` file holds one record or
 * an array of them; a `.jsonl` file one record per line, where a bad line is skipped with a warning.
 */
import type { Article, CorpusWarning, ParseResult } from '../types.js';
import {
  applyMeta,
  baseId,
  describeType,
  firstLine,
  newArticle,
  normaliseNewlines,
  paragraphsOf,
  readMeta,
} from './common.js';

const BODY_KEYS = ['body', 'text', 'content'] as const;

/**
 * One record → an article, or the reason it is not one. `where` prefixes the reason of an array
 * item ("item 2: …") so that the warning points at it.
 */
function fromRecord(
  value: unknown,
  file: string,
  fallbackId: string,
  line: number | undefined,
  warnings: CorpusWarning[],
  where = '',
): Article | undefined {
  const fail = (reason: string) => {
    const w: CorpusWarning = { file, reason: where + reason };
    if (line !== undefined) w.line = line;
    warnings.push(w);
    return undefined;
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(`expected an article object, got ${describeType(value)}`);
  const record = value as Record<string, unknown>;
  const read = readMeta(record);
  if ('error' in read) return fail(read.error);
  const { meta } = read;
  if (meta.title === undefined) return fail('missing title');
  const bodyKey = BODY_KEYS.find((k) => record[k] !== undefined && record[k] !== null);
  if (bodyKey === undefined) return fail('missing body');
  const body = record[bodyKey];
  if (typeof body !== 'string') return fail(`wrong type: "${bodyKey}" is ${describeType(body)}, expected a string`);
  const paragraphs = paragraphsOf(body);
  if (paragraphs.length === 0) return fail('empty body');

  const article = newArticle(meta.id ?? fallbackId, meta.title, file, [{ paragraphs }]);
  if (line !== undefined) article.line = line;
  // Per-field notes (a bad url or date) also point at the array item.
  const notes: CorpusWarning[] = [];
  applyMeta(article, meta, notes);
  for (const n of notes) warnings.push({ ...n, reason: where + n.reason });
  return article;
}

/** JSON Lines: one record per line; blank lines are allowed; a bad line is skipped with its line number. */
export function parseJsonLines(file: string, content: string): ParseResult {
  const articles: Article[] = [];
  const warnings: CorpusWarning[] = [];
  const base = baseId(file);
  const lines = normaliseNewlines(content).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text) continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      warnings.push({ file, line, reason: `invalid JSON: ${firstLine(err)}` });
      continue;
    }
    const article = fromRecord(value, file, `${base}#${line}`, line, warnings);
    if (article) articles.push(article);
  }
  if (articles.length === 0 && warnings.length === 0) warnings.push({ file, reason: 'no records: the file is empty' });
  return { articles, warnings };
}

/** A JSON file: one record, or an array of records (ids `<basename>#<index>` when they have none). */
export function parseJson(file: string, content: string): ParseResult {
  if (!content.trim()) return { articles: [], warnings: [{ file, reason: 'empty file' }] };
  let value: unknown;
  try {
    value = JSON.parse(normaliseNewlines(content));
  } catch (err) {
    return { articles: [], warnings: [{ file, reason: `invalid JSON: ${firstLine(err)}` }] };
  }
  const articles: Article[] = [];
  const warnings: CorpusWarning[] = [];
  const base = baseId(file);
  if (!Array.isArray(value)) {
    const article = fromRecord(value, file, base, undefined, warnings);
    return { articles: article ? [article] : [], warnings };
  }
  if (value.length === 0) return { articles: [], warnings: [{ file, reason: 'empty array: no articles' }] };
  value.forEach((item, index) => {
    const article = fromRecord(item, file, `${base}#${index}`, undefined, warnings, `item ${index}: `);
    if (article) articles.push(article);
  });
  return { articles, warnings };
}
