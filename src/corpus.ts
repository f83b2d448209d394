/**
 * Reading the corpus from disk: a directory (recursively, in sorted order) or a single file,
 * parsed with `parseArticleFile`. Problems (unreadable or unsupported files, bad records,
 * duplicate ids) are warnings; only a corpus path that does not exist is an error.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { boilerplate } from './boilerplateFile.js';
import { isArticleFile, parseArticleFile } from './core/article.js';
import { baseId } from './core/parsers/common.js';
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
  /** The file's size and modification time when it was read (see fileStamp): how a later change is told. */
  stamp?: string;
}

/** A file's size and modification time, as one string: it differs once the file is written again. */
const fileStamp = (info: { size: number; mtimeMs: number }): string => `${info.size}:${info.mtimeMs}`;

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
    // The size is checked before reading, so a huge file costs nothing; stamped before it is
    // read, so a write in between shows as a change later rather than going unnoticed.
    const info = await stat(full);
    const stamp = fileStamp(info);
    if (info.size > maxFileBytes)
      return {
        path,
        content: '',
        skipped: `file too large (over the ${formatSize(maxFileBytes)} limit); skipped`,
        stamp,
      };
    const decoded = decodeBytes(await readFile(full));
    if ('error' in decoded) return { path, content: '', skipped: `${decoded.error}; skipped`, stamp };
    return decoded.note
      ? { path, content: decoded.text, note: decoded.note, stamp }
      : { path, content: decoded.text, stamp };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { path, content: '', error: e.code ?? e.message.split('\n')[0] ?? 'read error' };
  }
}

/** A file to read: `path` relative to the corpus, `/`-separated; `from` the real path it is read from. */
interface Listed {
  path: string;
  from: string;
  /** Why it is listed but not read (a symbolic link refused). */
  skipped?: string;
}

const byPath = (a: Listed, b: Listed) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Lists the corpus files under a directory (sorted by relative path). Symbolic links are followed
 * only when their target resolves inside the corpus directory: a link elsewhere on the host (to a
 * file or a folder) is listed with a reason and never read, so it can't put `/etc/passwd` or a
 * `.env` in the archive. A link to a folder that contains it (a loop), to a folder already read or
 * to a file already listed is skipped with a reason too; each real folder is walked once, so
 * nothing can make the walk loop. Real paths win over links: a file is listed under its own name.
 */
async function listDirectory(root: string): Promise<Listed[]> {
  const rootReal = await realpath(root);
  const inside = (real: string) =>
    real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
  const out: Listed[] = [];
  const files = new Map<string, string>(); // real path → relative path listed
  const dirs = new Map<string, string>(); // real folder → relative path walked
  const links: Array<{ full: string; rel: string; ancestors: readonly string[] }> = [];
  const skip = (rel: string, why: string) => out.push({ path: rel, from: '', skipped: `${why}; skipped` });

  const walk = async (full: string, rel: string, real: string, ancestors: readonly string[]) => {
    dirs.set(real, rel);
    let entries;
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (err) {
      if (!rel) throw err;
      skip(rel, `could not read the folder: ${(err as NodeJS.ErrnoException).code ?? 'read error'}`);
      return;
    }
    const within = [...ancestors, real];
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (isSkipped(childRel)) continue;
      const childFull = join(full, e.name);
      if (e.isDirectory()) await walk(childFull, childRel, join(real, e.name), within);
      else if (e.isFile()) {
        files.set(join(real, e.name), childRel);
        out.push({ path: childRel, from: childFull });
      } else if (e.isSymbolicLink()) links.push({ full: childFull, rel: childRel, ancestors: within });
    }
  };
  await walk(root, '', rootReal, []);

  // Links last, in path order, so that every real file and folder has claimed its own name first.
  const byRel = (a: { rel: string }, b: { rel: string }) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
  links.sort(byRel);
  for (let i = 0; i < links.length; i++) {
    const { full, rel, ancestors } = links[i]!;
    let real: string;
    try {
      real = await realpath(full);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skip(
        rel,
        code === 'ELOOP'
          ? 'symbolic link loop (the link leads back to itself)'
          : 'broken symbolic link (its target does not exist)',
      );
      continue;
    }
    if (!inside(real)) {
      skip(rel, 'symbolic link to a place outside the corpus directory: not read');
      continue;
    }
    const info = await stat(real).catch(() => undefined);
    if (info?.isDirectory()) {
      if (ancestors.includes(real)) skip(rel, 'symbolic link loop (the link points to a folder that contains it)');
      else if (dirs.has(real)) skip(rel, `symbolic link to a folder already read ("${dirs.get(real) || '.'}")`);
      else {
        const before = links.length;
        // Walked at its real path: a link swapped after this check can't redirect the reads.
        await walk(real, rel, real, ancestors);
        links.push(...links.splice(before).sort(byRel));
      }
    } else if (info?.isFile()) {
      const first = files.get(real);
      if (first !== undefined) skip(rel, `symbolic link to a file already read ("${first}")`);
      else {
        files.set(real, rel);
        // Read from the path checked, not through the link: a link swapped after the check can't redirect the read.
        out.push({ path: rel, from: real });
      }
    }
  }
  return out.sort(byPath);
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
  const listed = await listDirectory(path);
  const files: CorpusFile[] = new Array<CorpusFile>(listed.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < listed.length; i = next++) {
      const l = listed[i]!;
      files[i] =
        l.skipped !== undefined
          ? { path: l.path, content: '', skipped: l.skipped }
          : await readOne(l.from, l.path, maxFileBytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, listed.length) }, worker));
  return files;
}

/** A corpus file as listed, not read: its path, where it is read from, and its stamp (null when it can't be read). */
export interface ListedFile {
  path: string;
  from: string;
  stamp: string | null;
}

/**
 * The corpus's article files as listCorpusFiles finds them, with their stamps, none of them read:
 * what a delta compares with the stamps an index was built with, to find what changed.
 */
export async function statCorpusFiles(path: string): Promise<ListedFile[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`corpus not found: ${path}`);
  const listed: Listed[] = info.isDirectory() ? await listDirectory(path) : [{ path: basename(path), from: path }];
  const out = listed
    .filter((l) => l.skipped === undefined && isArticleFile(l.path))
    .map((l): ListedFile => ({ path: l.path, from: l.from, stamp: null }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < out.length; i = next++)
      out[i]!.stamp = await stat(out[i]!.from).then(fileStamp, () => null);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, out.length) }, worker));
  return out;
}

/**
 * One corpus file by its path relative to the corpus directory, as statCorpusFiles would list it:
 * null when it is not there (or not an article file, or hidden); undefined when only a walk of
 * the corpus can tell (a symbolic link, whose target the walk checks).
 */
export async function statCorpusFile(root: string, path: string): Promise<ListedFile | null | undefined> {
  if (!path || path.startsWith('../') || path === '..' || isSkipped(path) || !isArticleFile(path)) return null;
  const from = join(root, ...path.split('/'));
  const info = await lstat(from).catch(() => undefined);
  if (!info) return null;
  if (info.isSymbolicLink()) return undefined;
  return info.isFile() ? { path, from, stamp: fileStamp(info) } : null;
}

/** Reads one listed file as listCorpusFiles would. */
export const readListedFile = (file: ListedFile, options: ListOptions = {}): Promise<CorpusFile> =>
  readOne(file.from, file.path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);

/**
 * Folders of the corpus that Newsdesk writes itself (curator servers' uploads and feeds). Their
 * articles never displace the operator's: on a repeated id the operator's file wins, whatever the sort order.
 */
export const INGESTED_DIRS: readonly string[] = ['added', 'feeds'];

const isIngested = (path: string) => INGESTED_DIRS.some((d) => path.startsWith(`${d}/`));

/**
 * The id an article of a file in a sub-folder takes when the id its file name gives it is taken
 * by another file's article: the same id with the file's folders in front (`2024/harbour` for
 * `2024/harbour.md`, `2024/x#3` for line 3 of `2024/x.jsonl`). Null for an id the article names
 * itself, and for a file at the top of the corpus. Ids of files whose names are unique (every
 * top-level file, as before) never change.
 */
export function pathIdOf(article: Pick<Article, 'id' | 'file'>): string | null {
  const slash = article.file.lastIndexOf('/');
  if (slash < 0) return null;
  const base = baseId(article.file);
  const derived = article.id === base || article.id.startsWith(`${base}#`);
  return derived ? `${article.file.slice(0, slash)}/${article.id}` : null;
}

/**
 * Ids for articles a delta adds, as a full build names them: `prefix` (a server's namespace) in
 * front, a same-named file in a sub-folder under its path (see pathIdOf), and never an id in
 * `taken`, which the index keeps answering with (an article that can take none is left out; the
 * full rebuild settles who keeps it). `taken` gains the ids given.
 */
export function nameAdded(
  parsed: readonly Article[],
  taken: { has(id: string): boolean; add(id: string): unknown },
  prefix = '',
): Article[] {
  const named: Article[] = [];
  for (const article of parsed) {
    let id = `${prefix}${article.id}`;
    if (taken.has(id)) {
      const pathId = pathIdOf(article);
      if (pathId === null || taken.has(`${prefix}${pathId}`)) continue;
      id = `${prefix}${pathId}`;
    }
    taken.add(id);
    named.push({ ...article, id });
  }
  return named;
}

/**
 * Parses read files into articles. Two files of the same name in different folders both load
 * (see pathIdOf); any other repeated article id keeps one (the operator's file over an ingested
 * one, else the first) and warns naming both files.
 */
export function parseCorpusFiles(
  files: CorpusFile[],
  parsedAlready: ReadonlyArray<ParseResult | undefined> = [],
): { articles: Article[]; warnings: CorpusWarning[] } {
  // `parsedAlready[i]`: file i as parsed elsewhere (the parse sandbox), so it is not parsed again here.
  const parsed = files.map((f, i) =>
    f.error === undefined && f.skipped === undefined
      ? (parsedAlready[i] ?? parseArticleFile(f.path, f.content, boilerplate()))
      : null,
  );
  // Who keeps each id: the operator's files are claimed first, then the ingested ones, each in file order.
  const owner = new Map<string, Article>();
  // Then files nearer the top first: a top-level file keeps its id over a same-named file in a sub-folder.
  const depth = (i: number) => files[i]!.path.split('/').length;
  const order = [...files.keys()].sort(
    (a, b) => Number(isIngested(files[a]!.path)) - Number(isIngested(files[b]!.path)) || depth(a) - depth(b) || a - b,
  );
  for (const i of order) {
    for (const a of parsed[i]?.articles ?? []) {
      const other = owner.get(a.id);
      if (other === undefined) owner.set(a.id, a);
      else if (other.file !== a.file) {
        const pathId = pathIdOf(a);
        if (pathId !== null && !owner.has(pathId)) owner.set((a.id = pathId), a);
      }
    }
  }
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
    const fileWarnings: CorpusWarning[] =
      f.note !== undefined ? [{ file: f.path, reason: f.note }, ...result.warnings] : [...result.warnings];
    for (const a of result.articles) {
      const kept = owner.get(a.id)!;
      if (kept !== a) {
        const where = kept.line !== undefined ? `${kept.file}:${kept.line}` : kept.file;
        const w: CorpusWarning = {
          file: a.file,
          reason: `duplicate article id "${a.id}" (${emitted.has(kept) ? 'first in' : 'kept from'} ${where}); skipped`,
        };
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
export async function loadCorpus(
  path: string,
  options: ListOptions = {},
): Promise<{ articles: Article[]; warnings: CorpusWarning[]; files: string[] }> {
  const files = await listCorpusFiles(path, options);
  return { ...parseCorpusFiles(files), files: files.map((f) => f.path) };
}
