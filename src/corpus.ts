/**
 * Reading the corpus from disk: a directory (recursively, in sorted order) or a single file,
 * parsed with `parseArticleFile`. Problems (unreadable or unsupported files, bad records,
 * duplicate ids) are warnings; only a corpus path that does not exist is an error.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isArticleFile, parseArticleFile } from './core/article.js';
import { decodeBytes } from './core/parsers/encoding.js';
import type { Article, CorpusWarning, ParseResult } from './core/types.js';

/** A corpus file as read from disk; `path` is relative to the corpus root (or the file name). */
export interface CorpusFile {
  path: string;
  /** The text; empty when the file was not read (see `error`) or is of a type that is not parsed. */
  content: string;
  /** Why the file could not be read (an fs error code). */
  error?: string;
  /** Why the file was read but not parsed (too large, not text): the warning's reason as it is. */
  skipped?: string;
  /** Something to warn about in a file that still loads (read in a legacy encoding). */
  note?: string;
}

export interface ListOptions {
  /** Files larger than this many bytes are skipped with a warning (default 20 MB). */
  maxFileBytes?: number;
}

/** No news article comes near this; a file that does is a data dump or a mistake, and would stall the start. */
export const DEFAULT_MAX_FILE_BYTES = 20_000_000;

/** "20 MB", "1.5 kB", "300 bytes". */
function formatSize(bytes: number): string {
  if (bytes >= 1e6) return `${+(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${+(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/** Data files that live in the corpus directory but are not articles. */
const NOT_ARTICLES = new Set(['aliases.yaml', 'aliases.yml']);

/** Hidden (`.x`) and private (`_x`) files and folders are not part of the corpus, nor is the alias data. */
export function isSkipped(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  return parts.some((p) => p.startsWith('.') || p.startsWith('_')) || NOT_ARTICLES.has(parts[parts.length - 1]!);
}

/** How many files are read at once. */
const READ_CONCURRENCY = 32;

async function readOne(full: string, path: string, maxFileBytes: number): Promise<CorpusFile> {
  // A file of a type we do not parse is listed (it gets a warning) but not read.
  if (!isArticleFile(path)) return { path, content: '' };
  try {
    // The size is checked before reading, so a huge file costs nothing.
    if ((await stat(full)).size > maxFileBytes) return { path, content: '', skipped: `file too large (over the ${formatSize(maxFileBytes)} limit); skipped` };
    const decoded = decodeBytes(await readFile(full));
    if ('error' in decoded) return { path, content: '', skipped: `${decoded.error}; skipped` };
    return decoded.note ? { path, content: decoded.text, note: decoded.note } : { path, content: decoded.text };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { path, content: '', error: e.code ?? e.message.split('\n')[0] ?? 'read error' };
  }
}

/** Lists (relative, sorted, `/`-separated) the corpus files under a directory. */
async function listDirectory(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const full = join(e.parentPath, e.name);
    const rel = relative(root, full).split(sep).join('/');
    if (isSkipped(rel)) continue;
    if (e.isFile()) out.push(rel);
    else if (e.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      if (target?.isFile()) out.push(rel);
    }
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads every corpus file under a directory (recursively, sorted), or the one file given (its
 * path is then its base name), decoding UTF-8, UTF-16 with a byte-order mark and legacy 8-bit
 * text; files over `maxFileBytes` or not text are listed but skipped. Throws only when `path`
 * does not exist.
 */
export async function listCorpusFiles(path: string, options: ListOptions = {}): Promise<CorpusFile[]> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`corpus not found: ${path}`);
  if (!info.isDirectory()) return [await readOne(path, basename(path), maxFileBytes)];
  const names = await listDirectory(path);
  const files: CorpusFile[] = new Array<CorpusFile>(names.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < names.length; i = next++) files[i] = await readOne(join(path, names[i]!), names[i]!, maxFileBytes);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, names.length) }, worker));
  return files;
}

/**
 * Folders of the corpus that Newsdesk writes itself (curator servers' uploads and feeds). Their
 * articles never displace the operator's: on a repeated id the operator's file wins, whatever the sort order.
 */
export const INGESTED_DIRS: readonly string[] = ['added', 'feeds'];

const isIngested = (path: string) => INGESTED_DIRS.some((d) => path.startsWith(`${d}/`));

/**
 * Parses read files into articles; a repeated article id keeps one (the operator's file over an
 * ingested one, else the first) and warns naming both files.
 */
export function parseCorpusFiles(files: CorpusFile[], parsedAlready: ReadonlyArray<ParseResult | undefined> = []): { articles: Article[]; warnings: CorpusWarning[] } {
  // `parsedAlready[i]`: file i as parsed elsewhere (the parse sandbox), so it is not parsed again here.
  const parsed = files.map((f, i) => (f.error === undefined && f.skipped === undefined ? (parsedAlready[i] ?? parseArticleFile(f.path, f.content)) : null));
  // Who keeps each id: the operator's files are claimed first, then the ingested ones, each in file order.
  const owner = new Map<string, Article>();
  const order = [...files.keys()].sort((a, b) => Number(isIngested(files[a]!.path)) - Number(isIngested(files[b]!.path)) || a - b);
  for (const i of order) for (const a of parsed[i]?.articles ?? []) if (!owner.has(a.id)) owner.set(a.id, a);
  const articles: Article[] = [];
  const warnings: CorpusWarning[] = [];
  const emitted = new Set<Article>();
  for (const [i, f] of files.entries()) {
    if (f.error !== undefined) {
      warnings.push({ file: f.path, reason: `could not read the file: ${f.error}` });
      continue;
    }
    if (f.skipped !== undefined) {
      warnings.push({ file: f.path, reason: f.skipped });
      continue;
    }
    const result = parsed[i]!;
    const fileWarnings: CorpusWarning[] = f.note !== undefined ? [{ file: f.path, reason: f.note }, ...result.warnings] : [...result.warnings];
    for (const a of result.articles) {
      const kept = owner.get(a.id)!;
      if (kept !== a) {
        const where = kept.line !== undefined ? `${kept.file}:${kept.line}` : kept.file;
        const w: CorpusWarning = { file: a.file, reason: `duplicate article id "${a.id}" (${emitted.has(kept) ? 'first in' : 'kept from'} ${where}); skipped` };
        if (a.line !== undefined) w.line = a.line;
        fileWarnings.push(w);
        continue;
      }
      emitted.add(a);
      articles.push(a);
    }
    // A file's warnings in line order (stable: same-line warnings keep their order).
    warnings.push(...fileWarnings.sort((x, y) => (x.line ?? 0) - (y.line ?? 0)));
  }
  return { articles, warnings };
}

/**
 * Loads a corpus directory or file: the articles in file order, the warnings, and the files
 * considered (relative paths).
 */
export async function loadCorpus(path: string, options: ListOptions = {}): Promise<{ articles: Article[]; warnings: CorpusWarning[]; files: string[] }> {
  const files = await listCorpusFiles(path, options);
  return { ...parseCorpusFiles(files), files: files.map((f) => f.path) };
}
