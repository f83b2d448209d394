import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLED_CORPUS, loadAliases, parseAliases, readAliasText } from './aliasFile.js';
import { boilerplateText } from './boilerplateFile.js';
import { LANGUAGE } from './language.js';
import { GENERAL_ALIASES } from './generalAliases.js';
import { INDEX_TERMS_VERSION, NewsIndex, readsIndexFormat } from './core/search.js';
import { loadIndexFile, loadIndexFileAsync, readIndexSummary } from './indexFile.js';
import type { AliasTable } from './core/aliases.js';
import type { Article, CorpusWarning } from './core/types.js';
import { listCorpusFiles, parseCorpusFiles, type CorpusFile } from './corpus.js';

export { BUNDLED_CORPUS, loadAliases };

export interface EngineOptions {
  /** A corpus directory or a single article file. */
  corpus: string;
  /** Where the built index is kept between runs; null keeps it in memory only. */
  indexPath: string | null;
  /** The alias data file; defaults to aliases.yaml in the corpus directory (none when it has none). */
  aliasesPath?: string;
}

export interface Engine {
  index: NewsIndex;
  warnings: CorpusWarning[];
  files: string[];
  /** Each file's stamp when it was read for the index (see CorpusFile.stamp; null: none). */
  stamps: Array<string | null>;
  /** How the index came to be: loaded from the cache, or built (and why). */
  origin: 'cache' | 'built';
  rebuildReason?: string;
  ms: number;
}

/** A saved index answers with the aliases it was built with, and the English word list (not saved with it). */
export const LOAD_OPTIONS = { language: LANGUAGE } as const;

/** What the engine keeps beside the index in its cache file. */
interface CacheExtra {
  /** The alias file's warnings first, then the corpus files'. */
  warnings: CorpusWarning[];
  files: string[];
  stamps: Array<string | null>;
}

/**
 * Aliases live with the corpus they describe: aliases.yaml in the corpus folder (or beside a
 * single article file). The bundled corpus's Syria aliases never reach another corpus, where
 * they would silently widen its searches.
 */
export function findAliases(corpus: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const dir = existsSync(corpus) && statSync(corpus).isDirectory() ? corpus : dirname(corpus);
  const candidate = join(dir, 'aliases.yaml');
  return existsSync(candidate) ? candidate : undefined;
}

/** Hash of all the index depends on: the files, alias data (general and the archive's), boilerplate patterns and INDEX_TERMS_VERSION. */
export function corpusHash(files: CorpusFile[], aliasText: string): string {
  const h = createHash('sha256');
  h.update(
    `format:${INDEX_TERMS_VERSION}\0aliases:${JSON.stringify(GENERAL_ALIASES)}${aliasText}\0boilerplate:${boilerplateText()}\0`,
  );
  for (const f of files) h.update(`${f.path}\0${f.content.length}\0${f.content}\0`);
  return h.digest('hex');
}

/** Parses read corpus files: here (the default), or in a sandbox with a budget per file (the index worker). */
export type ParseFiles = (files: CorpusFile[]) => Promise<{ articles: Article[]; warnings: CorpusWarning[] }>;

const parseHere: ParseFiles = (files) => Promise.resolve(parseCorpusFiles(files));

/** What preparing the index left behind: the saved index (its bytes when none is saved), and how it came to be. */
export interface PreparedIndex {
  origin: Engine['origin'];
  hash: string;
  rebuildReason?: string;
  /** The built index, when there is no index file to load it from. */
  bytes?: Uint8Array;
}

/** The corpus as it is now, and why the saved index does not match it (null: it does). */
async function readState(options: EngineOptions) {
  const aliasWarnings: CorpusWarning[] = [];
  const aliasPath = findAliases(options.corpus, options.aliasesPath);
  // Only the text, for the hash: a saved index that matches it carries the parsed aliases.
  const aliasText = readAliasText(aliasPath, aliasWarnings);
  const files = await listCorpusFiles(options.corpus);
  const hash = corpusHash(files, aliasText);
  let rebuildReason: string | null = 'no saved index';
  if (options.indexPath && existsSync(options.indexPath)) {
    try {
      const stamp = NewsIndex.peek(readHead(options.indexPath));
      if (!stamp) rebuildReason = 'saved index is not an index file';
      else if (!readsIndexFormat(stamp.formatVersion)) rebuildReason = 'saved index has another format version';
      else if (stamp.hash !== hash) rebuildReason = 'corpus or aliases changed';
      else rebuildReason = null;
    } catch (err) {
      rebuildReason = `saved index unreadable (${(err as Error).message.split('\n')[0]})`;
    }
  }
  return { aliasWarnings, aliasPath, aliasText, files, hash, rebuildReason };
}

/** The start of a saved index that `NewsIndex.peek` reads (its preamble and header), not the whole file. */
function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const read = (length: number) => {
      const buf = Buffer.alloc(length);
      let got = 0;
      for (let n = 1; got < length && n > 0; got += n) n = readSync(fd, buf, got, length - got, got);
      return buf.subarray(0, got);
    };
    const start = read(NewsIndex.PEEK_MIN);
    const length = NewsIndex.peekLength(start);
    return length > start.length ? read(length) : start;
  } finally {
    closeSync(fd);
  }
}

/**
 * The saved index when it matches the corpus, else null; reads and hashes the corpus files but
 * parses nothing: what a starting process (not yet answering) checks before handing a build to the worker.
 */
export async function savedIndexIfCurrent(options: EngineOptions): Promise<PreparedIndex | null> {
  // No saved file: nothing to check, and no reason to read and hash the corpus here.
  if (!options.indexPath || !existsSync(options.indexPath)) return null;
  const state = await readState(options);
  return state.rebuildReason === null ? { origin: 'cache', hash: state.hash } : null;
}

/**
 * Makes sure a current index exists: keeps the saved one when it matches the corpus, else parses
 * the corpus, builds the index and saves it (atomically). All the heavy work of opening an
 * archive; the index worker runs it off the serving thread. `force` (why) rebuilds whatever is saved.
 */
export async function prepareIndex(
  options: EngineOptions,
  parse: ParseFiles = parseHere,
  force?: string,
): Promise<PreparedIndex> {
  const { aliasWarnings, aliasPath, aliasText, files, hash, rebuildReason: staleBecause } = await readState(options);
  if (force === undefined && staleBecause === null) return { origin: 'cache', hash };
  const rebuildReason = force ?? staleBecause!;
  const aliases = parseAliases(aliasPath, aliasText, aliasWarnings);
  const parsed = await parse(files);
  const built = NewsIndex.build(parsed.articles, { aliases, hash });
  const warnings = [...aliasWarnings, ...parsed.warnings];
  const bytes = built.toBuffer({
    warnings,
    files: files.map((f) => f.path),
    stamps: files.map((f) => f.stamp ?? null),
  } satisfies CacheExtra);
  if (!options.indexPath) return { origin: 'built', hash, rebuildReason, bytes };
  saveIndex(options.indexPath, bytes);
  return { origin: 'built', hash, rebuildReason };
}

/**
 * The engine over a prepared index, loaded as a restart would load it (from the saved file, its
 * passage text left there). `slices`: in slices of a few milliseconds, the event loop served in
 * between, as a serving process takes up a rebuilt index while it goes on answering from the one
 * it has. Throws when the file is not the prepared one (replaced meanwhile, or damaged).
 */
export async function loadPrepared(
  options: EngineOptions,
  prepared: PreparedIndex,
  slices = false,
  started = performance.now(),
): Promise<Engine> {
  let loaded: { index: NewsIndex; extra: unknown } | null;
  if (prepared.bytes)
    loaded = slices
      ? await NewsIndex.fromBufferAsync(prepared.bytes, LOAD_OPTIONS)
      : NewsIndex.fromBuffer(prepared.bytes, LOAD_OPTIONS);
  else if (!options.indexPath) throw new Error('nothing to load: no index file and no index');
  else {
    const accept = (data: Buffer) => NewsIndex.peek(data)?.hash === prepared.hash;
    loaded = slices
      ? await loadIndexFileAsync(options.indexPath, LOAD_OPTIONS, accept)
      : loadIndexFile(options.indexPath, LOAD_OPTIONS, accept);
  }
  if (!loaded) throw new Error('the saved index changed while it was being loaded');
  return engineOf(loaded, prepared, started);
}

function engineOf(loaded: { index: NewsIndex; extra: unknown }, prepared: PreparedIndex, started: number): Engine {
  return { index: loaded.index, ...describedBy(loaded.extra, prepared, started) };
}

/** An engine but its index, from what was saved beside the index. */
function describedBy(saved: unknown, prepared: PreparedIndex, started: number): Omit<Engine, 'index'> {
  const extra = saved as CacheExtra;
  const engine: Omit<Engine, 'index'> = {
    warnings: extra.warnings,
    files: extra.files,
    stamps: extra.stamps ?? [],
    origin: prepared.origin,
    ms: performance.now() - started,
  };
  if (prepared.rebuildReason !== undefined && prepared.origin === 'built')
    engine.rebuildReason = prepared.rebuildReason;
  return engine;
}

/** An engine that holds no index: what its index holds, told from the saved file (see summarizePrepared). */
export type EngineSummary = Omit<Engine, 'index'> & { index: null; articles: number; passages: number; hash: string };

/**
 * What loadPrepared would load, told without loading it: the counts and what was saved beside the
 * index, from the file's header and one small section (see readIndexSummary). For a process that
 * keeps the index current for others and holds none (the shard manager: see Archive.release).
 * Throws when the file is not the prepared one, as loadPrepared does.
 */
export async function summarizePrepared(
  options: EngineOptions,
  prepared: PreparedIndex,
  started = performance.now(),
): Promise<EngineSummary> {
  if (prepared.bytes || !options.indexPath) {
    // No file to read it from: the built bytes are loaded (a process without an index path).
    const { index, ...rest } = await loadPrepared(options, prepared, true, started);
    return { ...rest, index: null, articles: index.articles.length, passages: index.passages.length, hash: index.hash };
  }
  const summary = await readIndexSummary(options.indexPath, (data) => NewsIndex.peek(data)?.hash === prepared.hash);
  if (!summary) throw new Error('the saved index changed while it was being loaded');
  const { articles, passages, hash } = summary;
  return { ...describedBy(summary.extra, prepared, started), index: null, articles, passages, hash };
}

/** openEngine for a process that holds no index: prepares it as openEngine does, and summarizes it (see summarizePrepared). */
export function openSummary(options: EngineOptions, prepare: PrepareIndex): Promise<EngineSummary> {
  const started = performance.now();
  return preparedThen(options, prepare, (p) => summarizePrepared(options, p, started));
}

/** Prepares an index: in this thread by default; `isolated.ts` passes the index worker. */
export type PrepareIndex = (options: EngineOptions, force?: string) => Promise<PreparedIndex>;

/**
 * Opens the archive: loads the persisted index when it matches the corpus, else parses the
 * corpus, builds the index and saves it (atomically) for the next start. `prepare` says where
 * that work runs (here by default: the terminal and the benchmarks; the bot passes its worker).
 */
export async function openEngine(
  options: EngineOptions,
  prepare: PrepareIndex = (o, force) => prepareIndex(o, parseHere, force),
  /** Load in slices, serving the event loop between them (see loadPrepared): a process that answers meanwhile. */
  slices = false,
): Promise<Engine> {
  const started = performance.now();
  return preparedThen(options, prepare, (p) => loadPrepared(options, p, slices, started));
}

/** Prepares the index and reads it with `read` (a load, or a summary of the saved file). */
async function preparedThen<T>(
  options: EngineOptions,
  prepare: PrepareIndex,
  read: (prepared: PreparedIndex) => Promise<T>,
): Promise<T> {
  const prepared = await prepare(options);
  try {
    return await read(prepared);
  } catch (err) {
    // A saved index that passed the quick check but will not load (damaged, or replaced by
    // another process meanwhile) is built again, once.
    if (prepared.bytes) throw err;
    return await read(await prepare(options, `saved index unreadable (${(err as Error).message.split('\n')[0]})`));
  }
}

/**
 * The corpus parsed as `openEngine` would build it, with its alias table and hash: what an index
 * over the corpus plus more articles (a server's own) is built from.
 */
export async function readCorpus(
  options: Pick<EngineOptions, 'corpus' | 'aliasesPath'>,
  parse: ParseFiles = parseHere,
): Promise<{ articles: Article[]; warnings: CorpusWarning[]; aliases: AliasTable; hash: string }> {
  const aliasWarnings: CorpusWarning[] = [];
  const aliasPath = findAliases(options.corpus, options.aliasesPath);
  const aliasText = readAliasText(aliasPath, aliasWarnings);
  const files = await listCorpusFiles(options.corpus);
  const hash = corpusHash(files, aliasText);
  const aliases = parseAliases(aliasPath, aliasText, aliasWarnings);
  const parsed = await parse(files);
  return { articles: parsed.articles, warnings: [...aliasWarnings, ...parsed.warnings], aliases, hash };
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
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directories cannot be opened or fsynced on every platform (Windows) */
  }
}

/** Deletes `<cache>.<pid>.tmp` files left by processes killed mid-write; never read as the cache. */
function removeStaleTmp(path: string): void {
  const dir = dirname(path);
  const prefix = `${path.slice(dir.length + 1)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length, -4)) : NaN;
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      /* another process got there first */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
