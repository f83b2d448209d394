/**
 * Corpus file → articles. `parseArticleFile` picks the parser by extension and validates every
 * article it returns against `ArticleSchema`; problems come back as warnings, never as throws.
 * Pure: no fs, no environment, no logging.
 */
import { z } from 'zod';
import type { Article, CorpusWarning, ParseResult } from './types.js';
import { NO_BOILERPLATE, type Boilerplate } from './boilerplate.js';
import { normaliseUrl } from './links.js';
import { extensionOf, firstLine, ISO_8601 } from './parsers/common.js';
import { parseHtml } from './parsers/html.js';
import { parseJson, parseJsonLines } from './parsers/json.js';
import { parseMarkdown } from './parsers/markdown.js';
import { parseText } from './parsers/text.js';

const text = (what: string) =>
  z
    .string()
    .min(1, `empty ${what}`)
    .refine((s) => s.trim() === s && !/\s{2,}|[\n\r\t]/.test(s), `${what} has untidy whitespace`);

/** What every parsed article must look like before it reaches the index. */
export const ArticleSchema = z.object({
  id: z.string().trim().min(1, 'missing id'),
  title: z.string().trim().min(1, 'missing title'),
  url: z
    .string()
    .refine((u) => normaliseUrl(u) === u, 'url is not a normalised absolute http(s) URL')
    .optional(),
  published: z.string().regex(ISO_8601, 'published is not an ISO 8601 date').optional(),
  source: text('source').optional(),
  author: text('author').optional(),
  tags: z.array(text('tag')),
  standfirst: text('standfirst').optional(),
  photoCredits: text('photo credits').optional(),
  sections: z
    .array(z.object({ heading: text('heading').optional(), paragraphs: z.array(text('paragraph')) }))
    .refine((sections) => sections.some((s) => s.paragraphs.length > 0), 'no article text'),
  file: z.string().min(1, 'missing file'),
  line: z.number().int().positive().optional(),
}) satisfies z.ZodType<Article>;

/** Checks one parsed article; a failure is a warning naming the file (and line) and the first problem. */
export function validateArticle(candidate: Article): { article: Article } | { warning: CorpusWarning } {
  const result = ArticleSchema.safeParse(candidate);
  if (result.success) return { article: candidate };
  const issue = result.error.issues[0]!;
  // Our own messages say what is wrong; zod's generic ones need the field's path.
  const custom = issue.code === 'custom' || issue.code === 'too_small' || issue.code === 'invalid_format';
  const path = issue.path.join('.');
  const warning: CorpusWarning = {
    file: candidate.file,
    reason: custom || !path ? issue.message : `${path}: ${issue.message}`,
  };
  if (candidate.line !== undefined) warning.line = candidate.line;
  return { warning };
}

type Parser = (file: string, content: string, boilerplate: Boilerplate) => ParseResult;

const PARSERS: Record<string, Parser> = {
  txt: parseText,
  text: parseText,
  md: parseMarkdown,
  markdown: parseMarkdown,
  html: parseHtml,
  htm: parseHtml,
  json: parseJson,
  jsonl: parseJsonLines,
  ndjson: parseJsonLines,
};

/** Extensions (lower case, no dot) that `parseArticleFile` reads. */
export const ARTICLE_EXTENSIONS: readonly string[] = Object.keys(PARSERS);

/** Whether `parseArticleFile` has a parser for this file name. */
export function isArticleFile(file: string): boolean {
  return Object.hasOwn(PARSERS, extensionOf(file));
}

/**
 * Parses one corpus file by its extension: .txt (scraped text), .md/.markdown (front matter),
 * .html/.htm (Readability), .json (object or array), .jsonl/.ndjson (one record a line).
 * `file` is used as given in articles and warnings. `boilerplate` (patterns/boilerplate.yaml, loaded
 * outside the core) names the page furniture to drop from HTML and scraped text. Never throws.
 */
export function parseArticleFile(
  file: string,
  content: string,
  boilerplate: Boilerplate = NO_BOILERPLATE,
): ParseResult {
  const ext = extensionOf(file);
  const parser = Object.hasOwn(PARSERS, ext) ? PARSERS[ext] : undefined;
  if (!parser)
    return {
      articles: [],
      warnings: [{ file, reason: ext ? `unsupported file type ".${ext}"` : 'unsupported file type (no extension)' }],
    };
  let parsed: ParseResult;
  try {
    parsed = parser(file, content, boilerplate);
  } catch (err) {
    return { articles: [], warnings: [{ file, reason: `could not parse: ${firstLine(err)}` }] };
  }
  const articles: Article[] = [];
  const warnings: CorpusWarning[] = [...parsed.warnings];
  for (const candidate of parsed.articles) {
    const checked = validateArticle(candidate);
    if ('article' in checked) articles.push(checked.article);
    else warnings.push(checked.warning);
  }
  return { articles, warnings };
}
