/**
 * Adding one article to the corpus, from an uploaded file or a web page. The content is parsed
 * before anything is written (nothing is written when it holds no article), and files are written
 * atomically under a new, safe name (the corpus watcher never sees half a file, and nothing in the
 * corpus is ever overwritten or shadowed).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ARTICLE_EXTENSIONS, isArticleFile } from '../core/article.js';
import { baseId, extensionOf } from '../core/parsers/common.js';
import type { Article, CorpusWarning, ParseResult } from '../core/types.js';
import { isSkipped } from '../corpus.js';
import { safeFetch, type FetchOptions } from './fetch.js';
import { yaml } from '../yaml.js';
import { parseSandboxed, type ParseJob, type ParseOutcome } from '../workers/parseSandbox.js';

/** Where articles added from Discord go, inside the corpus. */
export const ADDED_DIR = 'added';
/** File types an upload may have (lower case, no dot): whatever the corpus loaders read. */
export const UPLOAD_EXTENSIONS: readonly string[] = ARTICLE_EXTENSIONS;
/** The largest upload accepted, in bytes (UTF-8). */
export const MAX_UPLOAD_BYTES = 2_000_000;

/** An article that can't be added: the message is short and safe to show; nothing was written. */
export class AddRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddRefused';
  }
}

export interface AddedArticle {
  /** Path of the new file, relative to the corpus, `/`-separated. */
  file: string;
  articles: Array<{ id: string; title: string }>;
  warnings: CorpusWarning[];
}

/**
 * Adds an uploaded file: parsed first (nothing is written when it holds no article), then written
 * under corpus/added/ with a safe, new name, atomically.
 */
export async function addArticleFile(
  corpusDir: string,
  upload: { name: string; content: string },
  options: AddOptions = {},
): Promise<AddedArticle> {
  const ext = checkUploadName(upload.name);
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  if (Buffer.byteLength(upload.content, 'utf8') > maxBytes)
    throw new AddRefused(`the file is larger than ${formatBytes(maxBytes)}`);
  if (upload.content.trim() === '') throw new AddRefused('the file is empty');
  const stem = safeStem(upload.name.slice(0, upload.name.length - ext.length - 1));
  return writeChecked(corpusDir, stem, ext, upload.content, options);
}

/** An upload's extension when Newsdesk reads that type; refuses any other name before anything is fetched or written. */
export function checkUploadName(name: string): string {
  const ext = extensionOf(name);
  if (!UPLOAD_EXTENSIONS.includes(ext))
    throw new AddRefused(
      `“${basename(name.replace(/\\/g, '/')).slice(0, 80)}” is not a file Newsdesk reads: send ${UPLOAD_EXTENSIONS.join(', ')}`,
    );
  return ext;
}

/** How an addition is checked besides its content. */
export interface AddOptions {
  maxBytes?: number;
  /**
   * Ids (lower case) the archive the article joins already has, wherever they come from (the shared
   * corpus, the server's own articles): an upload naming one is refused, and a file name giving one is not used.
   */
  existingIds?: ReadonlySet<string>;
  /** Parses the content: in the parse sandbox, within its time and memory budget, unless given. */
  parse?: (job: ParseJob) => Promise<ParseOutcome>;
}

/** An upload or page the sandbox gave up on: refused, saying why (“took longer than 5 s to parse”). */
async function parseChecked(parse: (job: ParseJob) => Promise<ParseOutcome>, job: ParseJob): Promise<ParseResult> {
  const outcome = await parse(job);
  if ('refused' in outcome) throw new AddRefused(`it ${outcome.refused} (the limit for one file)`);
  return outcome;
}

/** Adds a web page: fetched safely, the article extracted (Readability), kept as Markdown with its url. */
export async function addArticleUrl(
  corpusDir: string,
  url: string,
  fetchOptions: FetchOptions,
  options: AddOptions = {},
): Promise<AddedArticle> {
  const page = await safeFetch(url, fetchOptions);
  if (!/html|xml/i.test(page.contentType) && !/^\s*</.test(page.body))
    throw new AddRefused('that link is not a web page');
  const article = await extractArticle(page.body, page.url, options.parse);
  return writeChecked(
    corpusDir,
    safeStem(article.title || new URL(page.url).pathname),
    'md',
    articleToMarkdown(article),
    options,
  );
}

/** The article of a fetched page (Readability, in the parse sandbox), with the page's final url; refused when there is none. */
export async function extractArticle(
  html: string,
  url: string,
  parse: (job: ParseJob) => Promise<ParseOutcome> = parseSandboxed,
): Promise<Article> {
  const parsed = await parseChecked(parse, { file: 'page.html', content: html, kind: 'page' });
  const article = parsed.articles[0];
  if (!article) throw new AddRefused('no article found on that page');
  article.url = url;
  return article;
}

/**
 * An article as Markdown with YAML front matter (title, url, published, source, author,
 * standfirst, tags): what Newsdesk's Markdown loader reads back unchanged. The id is not kept: it
 * comes from the file name.
 */
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
  // Double-quoted scalars: the loader's YAML (core schema with timestamps) reads "2030-01-05", "yes" or "1_000" back as the same strings.
  return `---\n${yaml().stringify(meta, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })}---\n\n${body.join('\n\n')}\n`;
}

/** Markdown syntax in plain text escaped, so the loader reads the text as written. */
function escapeMarkdown(text: string): string {
  return (
    text
      .replace(/([\\`*_[\]()<>|~!#])/g, '\\$1')
      // `&amp;` would be read as an entity: its `&` is written as one.
      .replace(/&(?=#x[0-9a-f]+;|#\d+;|[a-z]+;)/gi, '&amp;')
      .replace(/^([+-])/, '\\$1')
      .replace(/^(\d+)([.)])/, '$1\\$2')
  );
}

/** A file name stem from user text: letters, digits, dots and dashes, never a path, never hidden. */
function safeStem(name: string): string {
  const stem = basename(name.replace(/\\/g, '/'))
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .toLowerCase()
    .slice(0, 60)
    .replace(/[._-]+$/, '');
  return stem || 'article';
}

function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${Math.round(n / 100_000) / 10} MB` : `${Math.round(n / 1000)} kB`;
}

/** Lower-cased base names of the corpus's article files: the ids their articles get when they name none. */
async function takenIds(corpusDir: string): Promise<Set<string>> {
  const taken = new Set<string>();
  const entries = await readdir(corpusDir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const rel = relative(corpusDir, join(e.parentPath, e.name)).split(sep).join('/');
    if (!e.isDirectory() && !isSkipped(rel) && isArticleFile(rel)) taken.add(baseId(rel).toLowerCase());
  }
  return taken;
}

const MAX_NAME_TRIES = 1000;

/**
 * Writes `content` into `dir` atomically under the first name `nameAt(1)`, `nameAt(2)`… that is
 * free and not `taken`; never overwrites a file. Returns the name used.
 */
export async function writeNewFile(
  dir: string,
  content: string,
  nameAt: (n: number) => string,
  taken: (name: string) => boolean = () => false,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  // Hidden, so the corpus never reads it: the watcher sees the file only once it is whole.
  const temp = join(dir, `.write-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, content, { flag: 'wx' });
  try {
    for (let n = 1; n <= MAX_NAME_TRIES; n++) {
      const name = nameAt(n);
      if (!taken(name) && (await placeWithoutOverwriting(temp, join(dir, name)))) return name;
    }
    throw new AddRefused('too many files of that name already');
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Gives the written temp file its name (atomically), unless that name exists: false then. */
async function placeWithoutOverwriting(temp: string, target: string): Promise<boolean> {
  try {
    // link() never replaces an existing file, so two adds racing for one name can't clobber each other.
    await link(temp, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  // A file system without hard links: check, then rename (atomic too, but a race between the two can lose).
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return false;
  await copyFile(temp, `${temp}.2`);
  await rename(`${temp}.2`, target);
  return true;
}

/** Ids a server's own articles get (`g<server id>/…`): no upload may name one. */
const RESERVED_ID = /^g\d{17,20}\//i;

async function writeChecked(
  corpusDir: string,
  stem: string,
  ext: string,
  content: string,
  options: AddOptions,
): Promise<AddedArticle> {
  const existing = options.existingIds ?? new Set<string>();
  const parse = options.parse ?? parseSandboxed;
  const info = await stat(corpusDir).catch(() => undefined);
  if (info && !info.isDirectory())
    throw new AddRefused('this archive is a single file: articles can be added only to a corpus directory');
  const taken = await takenIds(corpusDir);
  for (const id of existing) taken.add(id);
  const nameAt = (n: number) => (n === 1 ? `${stem}.${ext}` : `${stem}-${n}.${ext}`);
  const isTaken = (name: string) => taken.has(baseId(name).toLowerCase());
  // Parsed under the first free name: the verdict (and any id the content names) does not depend on the name.
  let first = 1;
  while (isTaken(nameAt(first))) first++;
  const guess = `${ADDED_DIR}/${nameAt(first)}`;
  const parsed = await parseChecked(parse, { file: guess, content });
  if (parsed.articles.length === 0) {
    const why = parsed.warnings[0];
    throw new AddRefused(why ? `${why.line ? `line ${why.line}: ` : ''}${why.reason}` : 'no article found in it');
  }
  // An id the content names itself (not one derived from the file name) must be new to the archive.
  const derived = baseId(guess).toLowerCase();
  const clash = parsed.articles.find(
    (a) => a.id.toLowerCase().split(/[#:]/)[0] !== derived && taken.has(a.id.toLowerCase()),
  );
  if (clash) throw new AddRefused(`the archive already has an article with the id "${clash.id}"`);
  const reserved = parsed.articles.find((a) => RESERVED_ID.test(a.id));
  if (reserved) throw new AddRefused(`ids like "${reserved.id.slice(0, 40)}" (g, a server id, a slash) are reserved`);

  const name = await writeNewFile(join(corpusDir, ADDED_DIR), content, (n) => nameAt(first + n - 1), isTaken);
  const file = `${ADDED_DIR}/${name}`;
  const result = file === guess ? parsed : await parseChecked(parse, { file, content });
  return { file, articles: result.articles.map((a) => ({ id: a.id, title: a.title })), warnings: result.warnings };
}
