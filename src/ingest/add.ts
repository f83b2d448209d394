import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { ARTICLE_EXTENSIONS, parseArticleFile } from '../core/article.js';
import { parseHtml } from '../core/parsers/html.js';
import { extensionOf } from '../core/parsers/common.js';
import type { Article, CorpusWarning } from '../core/types.js';
import { safeFetch, type FetchOptions } from './fetch.js';

/** Where articles added from Discord go, inside the corpus. */
export const ADDED_DIR = 'added';

/** An article that can't be added: the message is short and safe to show; nothing was written. */
export class AddRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddRefused';
  }
}

export interface AddedArticle {
  /** Path of the new file, relative to the corpus. */
  file: string;
  articles: Array<{ id: string; title: string }>;
  warnings: CorpusWarning[];
}

/**
 * Adds an uploaded file: parsed first (nothing is written when it holds no article), then written
 * under corpus/added/ with a safe, new name, atomically (the watcher never sees half a file).
 */
export async function addArticleFile(corpusDir: string, upload: { name: string; content: string }): Promise<AddedArticle> {
  const ext = extensionOf(upload.name);
  if (!ARTICLE_EXTENSIONS.includes(ext)) throw new AddRefused(`“${basename(upload.name).slice(0, 80)}” is not a file Newsdesk reads: send ${ARTICLE_EXTENSIONS.join(', ')}`);
  const stem = safeStem(upload.name.slice(0, upload.name.length - ext.length - 1));
  return writeChecked(corpusDir, stem, ext, upload.content);
}

/** Adds a web page: fetched safely, the article extracted (Readability), kept as Markdown with its url. */
export async function addArticleUrl(corpusDir: string, url: string, fetchOptions: FetchOptions): Promise<AddedArticle> {
  const page = await safeFetch(url, fetchOptions);
  if (!/html|xml/i.test(page.contentType) && !/^\s*</.test(page.body)) throw new AddRefused('that link is not a web page');
  const parsed = parseHtml('page.html', page.body);
  const article = parsed.articles[0];
  if (!article) throw new AddRefused(`no article found on that page${parsed.warnings[0] ? ` (${parsed.warnings[0].reason})` : ''}`);
  article.url = page.url;
  return writeChecked(corpusDir, safeStem(article.title || new URL(page.url).pathname), 'md', articleToMarkdown(article));
}

/** An article as Markdown with YAML front matter: what Newsdesk's Markdown loader reads back unchanged. */
export function articleToMarkdown(article: Article): string {
  const meta: Record<string, unknown> = { title: article.title };
  if (article.url) meta.url = article.url;
  if (article.published) meta.published = article.published;
  if (article.source) meta.source = article.source;
  if (article.author) meta.author = article.author;
  if (article.standfirst) meta.standfirst = article.standfirst;
  if (article.tags.length) meta.tags = article.tags;
  const body: string[] = [];
  for (const section of article.sections) {
    if (section.heading) body.push(`## ${escapeMarkdown(section.heading)}`);
    for (const p of section.paragraphs) body.push(escapeMarkdown(p));
  }
  return `---\n${stringify(meta, { lineWidth: 0 })}---\n\n${body.join('\n\n')}\n`;
}

/** Markdown syntax in plain text escaped, so the loader reads the text as written. */
function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*_[\]<>|~])/g, '\\$1')
    .replace(/^(\s*)([#+-])(\s)/, '$1\\$2$3')
    .replace(/^(\s*)(\d+)\.(\s)/, '$1$2\\.$3');
}

/** A file name stem from user text: letters, digits and dashes, never a path. */
function safeStem(name: string): string {
  const stem = basename(name.replace(/\\/g, '/'))
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .toLowerCase()
    .slice(0, 60);
  return stem || 'article';
}

async function writeChecked(corpusDir: string, stem: string, ext: string, content: string): Promise<AddedArticle> {
  if (existsSync(corpusDir) && !statSync(corpusDir).isDirectory()) throw new AddRefused('this archive is a single file: articles can be added only to a corpus directory');
  const dir = join(corpusDir, ADDED_DIR);
  let name = `${stem}.${ext}`;
  for (let n = 2; existsSync(join(dir, name)); n++) name = `${stem}-${n}.${ext}`;
  const file = `${ADDED_DIR}/${name}`;
  const parsed = parseArticleFile(file, content);
  if (parsed.articles.length === 0) {
    const why = parsed.warnings[0];
    throw new AddRefused(why ? `${why.line ? `line ${why.line}: ` : ''}${why.reason}` : 'no article found in it');
  }
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, join(dir, name));
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  return { file, articles: parsed.articles.map((a) => ({ id: a.id, title: a.title })), warnings: parsed.warnings };
}
