import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLED_CORPUS, loadAliases, parseAliases, readAliasText } from './aliasFile.js';
import { INDEX_FORMAT_VERSION, NewsIndex } from './core/search.js';
import type { AliasTable } from './core/aliases.js';
import type { Article, CorpusWarning } from './core/types.js';
import { listCorpusFiles, parseCorpusFiles, type CorpusFile } from './corpus.js';

export { BUNDLED_CORPUS, loadAliases };

export interface EngineOptions {
  /** A corpus directory or a single article file. */
  corpus: string;
  /** Where the built index is kept between runs; null keeps it in memory only. */
  indexPath: string | null;
  /** The alias data file; defaults to aliases.yaml in the corpus directory, else the bundled one. */
  aliasesPath?: string;
}

export interface Engine {
  index: NewsIndex;
  warnings: CorpusWarning[];
  files: string[];
  /** How the index came to be: loaded from the cache, or built (and why). */
  origin: 'cache' | 'built';
  rebuildReason?: string;
  ms: number;
}

/** What the engine keeps beside the index in its cache file. */
interface CacheExtra {
  /** The alias file's warnings first, then the corpus files'. */
  warnings: CorpusWarning[];
  files: string[];
}

function findAliases(corpus: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const dir = existsSync(corpus) && statSync(corpus).isDirectory() ? corpus : dirname(corpus);
  for (const candidate of [join(dir, 'aliases.yaml'), join(BUNDLED_CORPUS, 'aliases.yaml')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** Hash of everything the index depends on: the files, the alias data and the index format. */
export function corpusHash(files: CorpusFile[], aliasText: string): string {
  const h = createHash('sha256');
  h.update(`format:${INDEX_FORMAT_VERSION}\0aliases:${aliasText}\0`);
  for (const f of files) h.update(`${f.path}\0${f.content.length}\0${f.content}\0`);
  return h.digest('hex');
}

/**
 * Opens the archive: loads the persisted index when it matches the corpus, else parses the
 * corpus, builds the index and saves it (atomically) for the next start.
 */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  const started = performance.now();
  const aliasWarnings: CorpusWarning[] = [];
  const aliasPath = findAliases(options.corpus, options.aliasesPath);
  // Only the text, for the hash: a saved index that matches it carries the parsed aliases.
  const aliasText = readAliasText(aliasPath, aliasWarnings);
  const files = await listCorpusFiles(options.corpus);
  const hash = corpusHash(files, aliasText);
  let rebuildReason = 'no saved index';
  if (options.indexPath && existsSync(options.indexPath)) {
    try {
      const loaded = NewsIndex.fromFile(options.indexPath, {}, (data) => {
        const stamp = NewsIndex.peek(data);
        if (!stamp) rebuildReason = 'saved index is not an index file';
        else if (stamp.formatVersion !== INDEX_FORMAT_VERSION) rebuildReason = 'saved index has another format version';
        else if (stamp.hash !== hash) rebuildReason = 'corpus or aliases changed';
        else return true;
        return false;
      });
      if (loaded) {
        const cached = loaded.extra as CacheExtra;
        return { index: loaded.index, warnings: cached.warnings, files: cached.files, origin: 'cache', ms: performance.now() - started };
      }
    } catch (err) {
      rebuildReason = `saved index unreadable (${(err as Error).message.split('\n')[0]})`;
    }
  }
  const aliases = parseAliases(aliasPath, aliasText, aliasWarnings);
  const parsed = parseCorpusFiles(files);
  const built = NewsIndex.build(parsed.articles, { aliases, hash });
  const warnings = [...aliasWarnings, ...parsed.warnings];
  const fileNames = files.map((f) => f.path);
  let index = built;
  if (options.indexPath) {
    saveIndex(options.indexPath, built.toBuffer({ warnings, files: fileNames } satisfies CacheExtra));
    index = reloadSaved(options.indexPath, hash) ?? built;
  }
  return { index, warnings, files: fileNames, origin: 'built', rebuildReason, ms: performance.now() - started };
}

/**
 * The corpus parsed as `openEngine` would build it, with its alias table and hash: what an index
 * over the corpus plus more articles (a server's own) is built from.
 */
export async function readCorpus(options: Pick<EngineOptions, 'corpus' | 'aliasesPath'>): Promise<{ articles: Article[]; warnings: CorpusWarning[]; aliases: AliasTable; hash: string }> {
  const aliasWarnings: CorpusWarning[] = [];
  const aliasPath = findAliases(options.corpus, options.aliasesPath);
  const aliasText = readAliasText(aliasPath, aliasWarnings);
  const files = await listCorpusFiles(options.corpus);
  const hash = corpusHash(files, aliasText);
  const aliases = parseAliases(aliasPath, aliasText, aliasWarnings);
  const parsed = parseCorpusFiles(files);
  return { articles: parsed.articles, warnings: [...aliasWarnings, ...parsed.warnings], aliases, hash };
}

/**
 * The index just saved, loaded back as a restart would load it: half the heap of the index as
 * built (whose passages are objects holding their text) and the passage text left in the file,
 * so a bot that reindexes as its corpus grows holds what a restarted one holds. Null if another
 * process replaced the file meanwhile or it cannot be read; the caller keeps the built index.
 */
export function reloadSaved(path: string, hash: string): NewsIndex | null {
  try {
    return NewsIndex.fromFile(path, {}, (data) => NewsIndex.peek(data)?.hash === hash)?.index ?? null;
  } catch {
    return null;
  }
}

/**
 * Writes the cache so a crash at any moment leaves either the old file or the new one whole:
 * the data is fsynced before the rename, and the directory after it where the platform allows.
 */
export function saveIndex(path: string, data: Buffer): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  removeStaleTmp(path);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* directories cannot be opened or fsynced on every platform (Windows) */ }
}

/** Deletes `<cache>.<pid>.tmp` files left by processes killed mid-write; never read as the cache. */
function removeStaleTmp(path: string): void {
  const dir = dirname(path);
  const prefix = `${path.slice(dir.length + 1)}.`;
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -4)) : NaN;
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try { unlinkSync(join(dir, name)); } catch { /* another process got there first */ }
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
