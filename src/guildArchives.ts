/**
 * Every server is a tenant: what a server adds (/article add, its feeds) is kept in a folder of its
 * own and answered from in that server only. A server with additions gets an index of its own,
 * built over the shared corpus plus its articles, so its additions never touch what any other
 * server is answered from — not even the term statistics that rank the shared articles. Servers
 * without additions (and DMs, the terminal, the CLI) use the shared index.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ReindexReport } from './archive.js';
import { isArticleFile } from './core/article.js';
import { applyDeltaSliced, type ServedIndex } from './core/delta.js';
import type { ArchiveIndex } from './core/answerIndex.js';
import { NewsIndex } from './core/search.js';
import { loadIndexFileAsync } from './indexFile.js';
import type { Article, CorpusWarning } from './core/types.js';
import {
  listCorpusFiles,
  parseCorpusFiles,
  nameAdded,
  readListedFile,
  statCorpusFiles,
  type CorpusFile,
} from './corpus.js';
import { corpusHash, LOAD_OPTIONS, readCorpus, saveIndex, type ParseFiles } from './engine.js';
import { prepareInWorker, type PrepareJob } from './workers/indexWorkerClient.js';
import { parseSandbox } from './workers/parseSandbox.js';

/** A Discord id: the only thing ever used as a folder or file name part here. */
const SNOWFLAKE = /^\d{17,20}$/;

/** The prefix of the ids of a server's own articles: they can never equal a shared id, nor another server's. */
export const guildIdPrefix = (guildId: string): string => `g${guildId}/`;

/** Where a server's index is saved: beside the shared index file, named by the server's id (index.guild-<id>.bin). */
export function guildIndexPath(indexPath: string, guildId: string): string {
  const ext = extname(indexPath);
  return join(dirname(indexPath), `${basename(indexPath, ext)}.guild-${guildId}${ext}`);
}

/**
 * The ids (lower case) an upload in a server must not take: every id of the index the server is
 * answered from — shared ones as they are, the server's own without their prefix (as the upload names them).
 */
export function existingIds(index: Pick<ArchiveIndex, 'listArticles'>, guildId: string | null): Set<string> {
  const prefix = guildId ? guildIdPrefix(guildId) : null;
  const out = new Set<string>();
  for (const { meta: a } of index.listArticles())
    out.add((prefix && a.id.startsWith(prefix) ? a.id.slice(prefix.length) : a.id).toLowerCase());
  return out;
}

export interface GuildArchivesOptions {
  /** The folder holding one folder per server (GUILD_ARCHIVE_DIR). */
  root: string;
  /** The shared corpus directory (CORPUS_DIR). */
  corpus: string;
  /** The shared index as it is now. */
  shared: () => ServedIndex;
  /** The shared index file: each server's index is saved beside it; null keeps them in memory only. */
  indexPath: string | null;
  /** Servers whose additions go into the shared corpus instead of a folder of their own. */
  curators: readonly string[];
  /** At most this many servers' indexes are held in memory (least recently used go first). */
  capacity: number;
  /** Called when a server's index was loaded or built (to record its articles as seen). */
  onLoaded?: (guildId: string, index: ServedIndex) => void;
  /** Where a server's index is built: the index worker by default (tests may pass another). */
  prepare?: (job: PrepareJob & { kind: 'guild' }) => Promise<PreparedGuildIndex>;
  /** A refresh running in the background failed: the server keeps its previous index meanwhile. */
  onError?: (guildId: string, err: unknown) => void;
  /**
   * Parses one changed file of a server for its delta, off this thread (none when refused): the
   * process's parse sandbox by default; the bot passes the archive's, kept ready.
   */
  parse?: (file: { path: string; content: string }) => Promise<Article[]>;
  /** A change made here (see reindex) is answerable: the other processes may take the same delta now. */
  onDelta?: (guildId: string) => void;
}

interface Entry {
  /** What the server is answered from: `built`, with the server's changes since beside it (see update). */
  index: ServedIndex;
  /** The index as built (or the shared one, before the server's first build): what a delta lies beside. */
  built: ServedIndex;
  /** The server's files `built` holds, path to stamp: a file whose stamp differs has changed since. */
  builtFiles: ReadonlyMap<string, string | null>;
  /** Hash of the server's files and the shared corpus the index was built over. */
  stamp: string;
  /** The shared index's hash when this entry was last checked: a new shared index makes it stale. */
  sharedHash: string;
  stale: boolean;
  warnings: CorpusWarning[];
  /** No background refresh before this time (after one failed). */
  retryAt: number;
}

/** How long a server keeps its previous index after a background refresh failed, before trying again. */
const RETRY_MS = 30_000;

/** The stamp of a server's index: its id, the shared corpus's hash and its own files. */
function guildStamp(guildId: string, sharedHash: string, files: CorpusFile[]): string {
  return createHash('sha256')
    .update(`newsdesk-guild\0${guildId}\0${sharedHash}\0${corpusHash(files, '')}`)
    .digest('hex');
}

/**
 * Where each server's additions live: its own folder under the root, or the shared corpus for a
 * curator server. Both backends' server archives (this file's GuildArchives, and the sqlite
 * backend's in storedArchive.ts) are kept over these folders.
 */
export class ServerFolders {
  private readonly curators: ReadonlySet<string>;

  constructor(
    private readonly root: string,
    private readonly sharedCorpus: string,
    curators: readonly string[],
  ) {
    this.curators = new Set(curators);
  }

  /** A curator server's additions go into the shared corpus. */
  isCurator(guildId: string): boolean {
    return this.curators.has(guildId);
  }

  /** Where additions made in a server are written: the shared corpus for a curator, else the server's own folder. */
  dirFor(guildId: string): string {
    if (this.isCurator(guildId)) return this.sharedCorpus;
    if (!SNOWFLAKE.test(guildId)) throw new Error('not a server id');
    return join(this.root, guildId);
  }

  /** Whether a server has a folder of its own (additions that only it is answered from). */
  has(guildId: string): boolean {
    return this.ownDir(guildId) !== null;
  }

  /** The server's own folder, when it has one. */
  protected ownDir(guildId: string | null): string | null {
    if (guildId === null || !SNOWFLAKE.test(guildId)) return null;
    const dir = join(this.root, guildId);
    return existsSync(dir) ? dir : null;
  }
}

/** The servers' own archives and their indexes, built lazily and kept (least recently used dropped first). */
export class GuildArchives extends ServerFolders {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<Entry | null>>();
  private readonly updating = new Map<string, Promise<void>>();
  /** Changes announced per server (see update): a build that read the folder before one is not swapped in. */
  private readonly changes = new Map<string, number>();

  constructor(private readonly options: GuildArchivesOptions) {
    super(options.root, options.corpus, options.curators);
  }

  /** Where a server's index is saved (null: kept in memory only). */
  cachePath(guildId: string): string | null {
    return this.options.indexPath ? guildIndexPath(this.options.indexPath, guildId) : null;
  }

  /**
   * The index a server is answered from: the shared one, or (when the server has additions) its
   * own. A stale index is served while its refresh runs in the background, as the shared archive
   * keeps answering during a rebuild; only a server with no index in memory waits for one.
   */
  async index(guildId: string | null): Promise<ServedIndex> {
    if (guildId === null || !this.ownDir(guildId)) return this.options.shared();
    const entry = this.entries.get(guildId);
    if (!entry) return (await this.refresh(guildId))?.index ?? this.options.shared();
    // Most recently used last: the first entry is the one to drop.
    this.entries.delete(guildId);
    this.entries.set(guildId, entry);
    if ((entry.stale || entry.sharedHash !== this.options.shared().hash) && Date.now() >= entry.retryAt) {
      this.refresh(guildId).catch((err: unknown) => {
        entry.retryAt = Date.now() + RETRY_MS;
        this.options.onError?.(guildId, err);
      });
    }
    return entry.index;
  }

  /**
   * Re-reads a server's folder now (after an addition) and rebuilds its index when anything
   * changed; `onAnswerable` is called once the change is answered from (its delta taken in).
   */
  async reindex(guildId: string, onAnswerable?: () => void): Promise<ReindexReport> {
    const started = performance.now();
    // Answerable within about a second through the delta; a failed one only waits for the rebuild below.
    await this.update(guildId).then(
      () => {
        onAnswerable?.();
        this.options.onDelta?.(guildId);
      },
      (err: unknown) => this.options.onError?.(guildId, err),
    );
    // A refresh already running may have listed the folder before the change: wait for it, then look again.
    await this.running.get(guildId)?.catch(() => {});
    const before = this.entries.get(guildId)?.stamp;
    const entry = await this.refresh(guildId);
    const index = entry?.index ?? this.options.shared();
    return {
      ...index.held(),
      warnings: entry?.warnings ?? [],
      ms: performance.now() - started,
      rebuilt: entry !== null && entry.stamp !== before,
    };
  }

  /**
   * Takes a server's folder as it is now into the index it is answered from, within about a
   * second: its files changed, added or removed since its index was built are parsed (off this
   * thread) and indexed beside that index (see core/delta.ts: milliseconds), swapped in whole. A
   * server without an index yet gets the shared one with its articles beside it. The full rebuild
   * (reindex, or the next question) later replaces it. One at a time per server.
   */
  update(guildId: string): Promise<void> {
    this.changes.set(guildId, (this.changes.get(guildId) ?? 0) + 1);
    const run = (this.updating.get(guildId) ?? Promise.resolve()).catch(() => {}).then(() => this.applyDelta(guildId));
    const settled = run.finally(() => {
      if (this.updating.get(guildId) === settled) this.updating.delete(guildId);
    });
    this.updating.set(guildId, settled);
    return settled;
  }

  private async applyDelta(guildId: string): Promise<void> {
    const dir = this.ownDir(guildId);
    if (!dir) return;
    const entry = this.entries.get(guildId);
    const base = entry?.built ?? this.options.shared();
    const known = entry?.builtFiles ?? new Map<string, string | null>();
    const listed = await statCorpusFiles(dir);
    const present = new Set(listed.map((f) => f.path));
    const changed = listed.filter((f) => f.stamp === null || known.get(f.path) !== f.stamp);
    const hiddenFiles = new Set([
      ...changed.filter((f) => known.has(f.path)).map((f) => f.path),
      ...[...known.keys()].filter((p) => !present.has(p)),
    ]);
    if (changed.length === 0 && hiddenFiles.size === 0) {
      if (entry) entry.index = entry.built;
      return;
    }
    const prefix = guildIdPrefix(guildId);
    const mine = (a: { id: string }) => a.id.startsWith(prefix);
    // As a build names them: namespaced, never taking an id the index keeps (a shared one wins).
    const ids = new Set(base.articles.filter((a) => !(mine(a) && hiddenFiles.has(a.file))).map((a) => a.id));
    const parse = this.options.parse ?? defaultParse;
    const added: Article[] = [];
    for (const f of changed) {
      const file = await readListedFile(f);
      if (file.error === undefined && file.skipped === undefined)
        added.push(...nameAdded(await parse(file), ids, prefix));
    }
    // In slices: a server's upload of hundreds of articles would otherwise hold the loop for its whole build.
    const index = await applyDeltaSliced(base, { hiddenFiles, hiddenPrefix: prefix, added });
    const now = this.entries.get(guildId);
    if (entry) {
      // A rebuild swapped in meanwhile: it holds the folder as it listed it (a later change reindexes again).
      if (now === entry && entry.built === base) entry.index = index;
    } else if (!now) {
      // Not stale: the reindex that follows builds the server's own index (in the process that made
      // the change; the others are told when it is saved, see forwardGuildChange).
      this.entries.set(guildId, {
        index,
        built: base,
        builtFiles: known,
        stamp: '',
        sharedHash: base.hash,
        stale: false,
        warnings: [],
        retryAt: 0,
      });
    } else return;
    this.options.onLoaded?.(guildId, index);
  }

  /** Marks a server's index (every server's, without an id) to be checked again on its next question. */
  invalidate(guildId?: string): void {
    for (const [id, entry] of this.entries) {
      if (guildId === undefined || id === guildId) {
        entry.stale = true;
        entry.retryAt = 0;
      }
    }
  }

  /** How many servers' indexes are in memory now. */
  get held(): number {
    return this.entries.size;
  }

  /** One refresh per server at a time: concurrent callers share it. */
  private refresh(guildId: string): Promise<Entry | null> {
    let run = this.running.get(guildId);
    if (!run) {
      run = this.load(guildId).finally(() => this.running.delete(guildId));
      this.running.set(guildId, run);
    }
    return run;
  }

  /** The server's index: the one in memory if still current, else the saved one if current, else built. */
  private async load(guildId: string): Promise<Entry | null> {
    const { shared: sharedNow, onLoaded } = this.options;
    const sharedHash = sharedNow().hash;
    const dir = this.ownDir(guildId);
    const changes = this.changes.get(guildId) ?? 0;
    // The folder changed while it was read: the delta taken in since is newer than what was read.
    const overtaken = () => (this.changes.get(guildId) ?? 0) !== changes && this.entries.has(guildId);
    const files = dir ? await listCorpusFiles(dir) : [];
    if (overtaken()) return this.markStale(guildId);
    if (!files.some((f) => isArticleFile(f.path))) {
      // Nothing of its own (any more): the server is answered from the shared index.
      this.entries.delete(guildId);
      return null;
    }
    const stamp = guildStamp(guildId, sharedHash, files);
    const current = this.entries.get(guildId);
    if (current && current.stamp === stamp) {
      Object.assign(current, { index: current.built, stale: false, sharedHash, retryAt: 0 });
      return current;
    }
    const builtFiles = new Map(files.map((f) => [f.path, f.stamp ?? null]));
    const path = this.cachePath(guildId);
    let entry: Entry | null = null;
    if (path && existsSync(path)) {
      try {
        const loaded = await loadIndexFileAsync(path, LOAD_OPTIONS, (data) => NewsIndex.peek(data)?.hash === stamp);
        void loaded?.index.warmUp();
        if (loaded)
          entry = {
            index: loaded.index,
            built: loaded.index,
            builtFiles,
            stamp,
            sharedHash,
            stale: false,
            warnings: (loaded.extra as { warnings?: CorpusWarning[] } | null)?.warnings ?? [],
            retryAt: 0,
          };
      } catch {
        // Unreadable: built again below.
      }
    }
    entry ??= { ...(await this.build(guildId, files, sharedHash, path)), builtFiles };
    if (overtaken()) return this.markStale(guildId);
    this.entries.delete(guildId);
    this.entries.set(guildId, entry);
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.options.capacity) break;
      if (id !== guildId) this.entries.delete(id);
    }
    onLoaded?.(guildId, entry.index);
    return entry;
  }

  /** The server's entry, kept answering (its delta is newer than a build just finished) and looked at again on its next question. */
  private markStale(guildId: string): Entry | null {
    const entry = this.entries.get(guildId) ?? null;
    if (entry) Object.assign(entry, { stale: true, retryAt: 0 });
    return entry;
  }

  /** Builds the server's index in the index worker (never on this thread) and loads what it saved. */
  private async build(
    guildId: string,
    files: CorpusFile[],
    sharedHash: string,
    path: string | null,
  ): Promise<Omit<Entry, 'builtFiles'>> {
    const built = await (this.options.prepare ?? prepareInWorker)({
      kind: 'guild',
      guildId,
      corpus: this.options.corpus,
      files,
      path,
    });
    // In slices (see fromBufferAsync): the other servers are being answered meanwhile.
    const loaded = built.bytes
      ? await NewsIndex.fromBufferAsync(built.bytes, LOAD_OPTIONS)
      : await loadIndexFileAsync(path!, LOAD_OPTIONS, (data) => NewsIndex.peek(data)?.hash === built.stamp);
    if (!loaded) throw new Error('the server index changed while it was being loaded');
    void loaded.index.warmUp();
    return {
      index: loaded.index,
      built: loaded.index,
      stamp: built.stamp,
      sharedHash,
      stale: false,
      warnings: built.warnings,
      retryAt: 0,
    };
  }
}

/** A server's changed file parsed in the process's parse sandbox (none when refused). */
async function defaultParse(file: { path: string; content: string }): Promise<Article[]> {
  const outcome = await parseSandbox().parse({ file: file.path, content: file.content });
  return 'refused' in outcome ? [] : outcome.articles;
}

/** What building a server's index left: its stamp and warnings, and its bytes when it is not saved. */
export interface PreparedGuildIndex {
  stamp: string;
  warnings: CorpusWarning[];
  bytes?: Uint8Array;
}

/**
 * Builds shared + the server's articles (theirs namespaced, the shared ones winning any id) and
 * saves it at `path` (or returns its bytes): the heavy part, run in the index worker.
 */
export async function prepareGuildIndex(
  job: { guildId: string; corpus: string; files: CorpusFile[]; path: string | null },
  parse?: ParseFiles,
): Promise<PreparedGuildIndex> {
  const { guildId, files, path } = job;
  const shared = await readCorpus({ corpus: job.corpus }, parse);
  const own = parse ? await parse(files) : parseCorpusFiles(files);
  const prefix = guildIdPrefix(guildId);
  const sharedIds = new Set(shared.articles.map((a) => a.id));
  const warnings: CorpusWarning[] = [...shared.warnings];
  const mine: Article[] = [];
  for (const a of own.articles) {
    const article = { ...a, id: `${prefix}${a.id}` };
    if (sharedIds.has(article.id))
      warnings.push({ file: a.file, reason: `the shared corpus has an article with the id "${article.id}"; skipped` });
    else mine.push(article);
  }
  warnings.push(...own.warnings);
  // Stamped with the shared corpus as read now (which a rebuild in progress may not have indexed yet).
  const stamp = guildStamp(guildId, shared.hash, files);
  const index = NewsIndex.build([...shared.articles, ...mine], { aliases: shared.aliases, hash: stamp });
  const bytes = index.toBuffer({ warnings, files: files.map((f) => f.path) });
  if (!path) return { stamp, warnings, bytes };
  saveIndex(path, bytes);
  return { stamp, warnings };
}

/** The folder additions go in, inside a server's folder (or the shared corpus, for a curator). */
const ADDED = 'added';

/** The files added from Discord into `dir` (a server's folder, or the shared corpus for a curator), by name. */
export async function addedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, ADDED), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile() && isArticleFile(e.name))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Removes one added file from `dir` by its name; false when there is no such file. Only a plain
 * name listed by `addedFiles` is accepted, so nothing outside the additions can be named.
 */
export async function removeAdded(dir: string, name: string): Promise<boolean> {
  if (!(await addedFiles(dir)).includes(name)) return false;
  await rm(join(dir, ADDED, name));
  return true;
}
