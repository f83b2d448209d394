import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildAliasTable, NO_ALIASES, type AliasTable } from './core/aliases.js';
import { INDEX_FORMAT_VERSION, NewsIndex, type SerializedIndex } from './core/search.js';
import type { CorpusWarning } from './core/types.js';
import { listCorpusFiles, parseCorpusFiles, type CorpusFile } from './corpus.js';

/** The bundled corpus, wherever the process was started from. */
export const BUNDLED_CORPUS = resolve(dirname(new URL(import.meta.url).pathname), '..', 'corpus');

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

interface CacheFile {
  warnings: CorpusWarning[];
  files: string[];
  index: SerializedIndex;
}

function findAliases(corpus: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const dir = existsSync(corpus) && statSync(corpus).isDirectory() ? corpus : dirname(corpus);
  for (const candidate of [join(dir, 'aliases.yaml'), join(BUNDLED_CORPUS, 'aliases.yaml')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** Reads and validates the alias file; a broken one is reported and the engine runs without aliases. */
export function loadAliases(path: string | undefined, warnings: CorpusWarning[]): { table: AliasTable; text: string } {
  if (!path) return { table: NO_ALIASES, text: '' };
  try {
    const text = readFileSync(path, 'utf8');
    return { table: buildAliasTable(parseYaml(text)), text };
  } catch (err) {
    warnings.push({ file: path, reason: `alias file ignored: ${(err as Error).message.split('\n')[0]}` });
    return { table: NO_ALIASES, text: '' };
  }
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
  const aliases = loadAliases(findAliases(options.corpus, options.aliasesPath), aliasWarnings);
  const files = await listCorpusFiles(options.corpus);
  const hash = corpusHash(files, aliases.text);
  let rebuildReason = 'no saved index';
  if (options.indexPath && existsSync(options.indexPath)) {
    try {
      const cached = JSON.parse(readFileSync(options.indexPath, 'utf8')) as CacheFile;
      if (cached.index?.formatVersion !== INDEX_FORMAT_VERSION) rebuildReason = 'saved index has another format version';
      else if (cached.index.hash !== hash) rebuildReason = 'corpus or aliases changed';
      else {
        const index = NewsIndex.fromJSON(cached.index, { aliases: aliases.table });
        return { index, warnings: [...aliasWarnings, ...cached.warnings], files: cached.files, origin: 'cache', ms: performance.now() - started };
      }
    } catch (err) {
      rebuildReason = `saved index unreadable (${(err as Error).message.split('\n')[0]})`;
    }
  }
  const parsed = parseCorpusFiles(files);
  const index = NewsIndex.build(parsed.articles, { aliases: aliases.table, hash });
  const warnings = [...aliasWarnings, ...parsed.warnings];
  const fileNames = files.map((f) => f.path);
  if (options.indexPath) saveIndex(options.indexPath, { warnings: parsed.warnings, files: fileNames, index: index.toJSON() });
  return { index, warnings, files: fileNames, origin: 'built', rebuildReason, ms: performance.now() - started };
}

function saveIndex(path: string, data: CacheFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data));
  renameSync(tmp, path);
}
