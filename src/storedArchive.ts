/**
 * The live archive on the sqlite backend (SEARCH_BACKEND=sqlite): the corpus kept in an SQLite
 * file (src/search/sqlite.ts) and kept current file by file. A change (an upload, a feed poll, a
 * file edited on disk, /admin reindex) is the changed files' old articles removed and their new
 * ones inserted, one transaction a file: milliseconds however large the archive, and questions
 * meanwhile see the file before or after, never half. There is no full rebuild to wait for: the
 * file records each corpus file's stamp, so a restart takes in only what changed while it was
 * down (everything, only when the aliases, the boilerplate patterns or the format changed).
 *
 * Parsing runs in the parse sandbox (a thread, with a budget per file), as for the memory
 * backend; the inserts run here, a file at a time, the event loop served between files.
 *
 * A server's own additions (see guildArchives.ts for the tenancy) go into a small SQLite file
 * of the server's, laid over the shared archive (core/layeredStore.ts): nothing is copied, and no
 * other server's answers move.
 *
 * Each file has one writer on a machine. A sharded bot's shards open the files for reading (WAL:
 * they never block the writer, and see its commits at their next question) and ask the shard
 * manager, the writer, to take a change in (an ArchiveWriter): two processes inserting into one
 * file would each number articles from totals the other is changing.
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FSWatcher } from 'chokidar';
import { reportReindex, watchCorpus } from './corpusWatch.js';
import { parseAliases, readAliasText } from './aliasFile.js';
import type { ReindexReport } from './archive.js';
import type { AliasTable } from './core/aliases.js';
import { LayeredStore } from './core/layeredStore.js';
import type { RankingOptions } from './core/search.js';
import { warmDates } from './core/dates.js';
import { sliced } from './core/slices.js';
import { warmUpAnswers } from './core/warmup.js';
import { warmLanguage } from './language.js';
import { StoredIndex } from './core/storedIndex.js';
import type { Article, CorpusWarning } from './core/types.js';
import { nameAdded, readListedFile, statCorpusFile, statCorpusFiles, type ListedFile } from './corpus.js';
import { corpusHash, findAliases } from './engine.js';
import { guildIdPrefix, ServerFolders } from './guildArchives.js';
import { SQLITE_FORMAT_VERSION, SqliteArchive, openArchiveFile } from './search/sqlite.js';
import { parseSandbox, ParseSandbox } from './workers/parseSandbox.js';

/** Parses one corpus file: its articles and warnings (the sandbox in a bot; here in the terminal and eval). */
export type ParseOne = (file: { path: string; content: string }) => Promise<{
  articles: Article[];
  warnings: CorpusWarning[];
}>;

/** Parses in `sandbox`: a refused file is a warning naming why, and no articles. */
async function parseIn(sandbox: ParseSandbox, file: { path: string; content: string }): ReturnType<ParseOne> {
  const outcome = await sandbox.parse({ file: file.path, content: file.content });
  return 'refused' in outcome
    ? { articles: [], warnings: [{ file: file.path, reason: outcome.refused }] }
    : { articles: outcome.articles, warnings: outcome.warnings };
}

/** A change for the archive's writer to take in: corpus files (`paths`; all when none), or a server's folder (`guildId`). */
export interface WriteRequest {
  guildId?: string;
  paths?: string[];
}

/**
 * The one writer of this machine's archive files, as a process that only reads them reaches it
 * (a shard asks its manager): resolves, once the change is committed, with the number of files changed.
 */
export type ArchiveWriter = (request: WriteRequest) => Promise<number>;

/** What a sync took in: how many files changed, and the warnings of the files it read. */
interface Synced {
  changed: number;
  warnings: Map<string, CorpusWarning[]>;
}

/**
 * The ids a sync may not give: those the archive holds (looked up one at a time: reading every id
 * of a 100x archive stalled the loop), less the replaced file's own, plus those given meanwhile.
 */
class TakenIds {
  private readonly added = new Set<string>();
  private readonly freed = new Set<string>();
  constructor(private readonly held: (id: string) => boolean) {}
  has(id: string): boolean {
    return this.added.has(id) || (!this.freed.has(id) && this.held(id));
  }
  add(id: string): void {
    this.added.add(id);
  }
  delete(id: string): void {
    this.added.delete(id);
    this.freed.add(id);
  }
}

/**
 * Takes a folder's changes into an archive: the files named (relative to the folder; all when
 * none are named) whose stamps differ from those recorded are read, parsed and replaced, and
 * recorded files no longer there are removed. New ids never take one `taken` holds (a shared id,
 * for a server's archive) and carry `prefix`.
 */
async function syncFolder(
  archive: SqliteArchive,
  dir: string,
  options: { paths?: readonly string[]; prefix?: string; taken?: (id: string) => boolean; parse: ParseOne },
): Promise<Synced> {
  const known = archive.files();
  const changes = new Map<string, ListedFile | null>();
  const same = (f: ListedFile) => f.stamp !== null && known.get(f.path) === f.stamp;
  let named = options.paths !== undefined && existsSync(dir);
  if (named) {
    for (const path of options.paths!) {
      const f = await statCorpusFile(dir, path);
      // Only a walk of the folder can tell (a symbolic link): every file is looked at.
      if (f === undefined) {
        named = false;
        break;
      }
      if (f === null) {
        if (known.has(path)) changes.set(path, null);
      } else if (!same(f)) changes.set(path, f);
    }
  }
  if (!named) {
    changes.clear();
    const listed = existsSync(dir) ? await statCorpusFiles(dir) : [];
    for (const f of listed) if (!same(f)) changes.set(f.path, f);
    const present = new Set(listed.map((f) => f.path));
    for (const path of known.keys()) if (!present.has(path)) changes.set(path, null);
  }
  const warnings = new Map<string, CorpusWarning[]>();
  if (changes.size === 0) return { changed: 0, warnings };
  const taken = new TakenIds((id) => archive.articleNumber(id) !== undefined || options.taken?.(id) === true);
  for (const [path, f] of changes) {
    if (!f) {
      archive.replaceFile(path, undefined, []);
      warnings.set(path, []);
      continue;
    }
    const file = await readListedFile(f);
    const own: CorpusWarning[] = [];
    let articles: Article[] = [];
    if (file.error !== undefined) own.push({ file: path, reason: `could not be read (${file.error})` });
    else if (file.skipped !== undefined) own.push({ file: path, reason: file.skipped });
    else {
      const parsed = await options.parse({ path, content: file.content });
      articles = parsed.articles;
      own.push(...parsed.warnings);
    }
    // The file's own ids are free again: its new version may keep them.
    for (const id of archive.fileIds(path)) taken.delete(id);
    archive.replaceFile(path, f.stamp, nameAdded(articles, taken, options.prefix));
    warnings.set(path, own);
    // One file a turn: questions are answered between files.
    await yieldToLoop();
  }
  return { changed: changes.size, warnings };
}

/** The stamp of what an archive's articles are made with besides the files: aliases, boilerplate patterns, formats. */
const baseStamp = (aliasText: string) => `sqlite:${SQLITE_FORMAT_VERSION}:${corpusHash([], aliasText)}`;

export interface StoredArchiveOptions {
  corpus: string;
  /** The archive file (':memory:' keeps it in this process). */
  path: string;
  aliasesPath?: string;
  ranking?: Partial<RankingOptions>;
  /** How files are parsed: the parse sandbox unless given. */
  parse?: ParseOne;
  /**
   * Opens the file for reading only, another process writing it: changes are asked of `writer`
   * (the file is current already: nothing is taken in on opening).
   */
  writer?: ArchiveWriter;
}

/** The shared archive on the sqlite backend; see the note at the top. */
export class StoredArchive {
  readonly index: StoredIndex;
  private readonly fileWarnings: Map<string, CorpusWarning[]>;
  private running: Promise<Synced> = Promise.resolve({ changed: 0, warnings: new Map() });
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | undefined;
  /**
   * The writer's own parse sandbox once it starts parsing (see startParsing), kept ready: the
   * process's stops after a minute idle, and the first change after it waited for a thread to
   * start (a shard manager's write of one article at 10x: 845 ms after five quiet minutes, 62 ms warm).
   */
  private sandbox: ParseSandbox | null = null;

  private constructor(
    readonly store: SqliteArchive,
    private readonly options: StoredArchiveOptions,
    readonly origin: 'cache' | 'built' = 'cache',
  ) {
    this.index = store.index(options.ranking ?? {});
    this.fileWarnings = new Map(Object.entries(JSON.parse(store.getInfo('warnings') ?? '{}') as object));
  }

  /**
   * Opens the archive file and takes in what changed in the corpus since it was last current
   * (the whole corpus, for a new file or one made with other aliases, patterns or format).
   */
  static async open(options: StoredArchiveOptions): Promise<StoredArchive> {
    const warnings: CorpusWarning[] = [];
    const aliasPath = findAliases(options.corpus, options.aliasesPath);
    const aliasText = readAliasText(aliasPath, warnings);
    const aliases = parseAliases(aliasPath, aliasText, warnings);
    if (options.writer) {
      // The writer opened (and brought current) the file before this process started.
      const ranking = options.ranking ? { ranking: options.ranking } : {};
      const reader = new StoredArchive(
        new SqliteArchive(options.path, { aliases, ...ranking, readonly: true }),
        options,
      );
      reader.aliasWarnings = warnings;
      return reader;
    }
    const base = baseStamp(aliasText);
    let store = openArchiveFile(options.path, { aliases, ...(options.ranking ? { ranking: options.ranking } : {}) });
    if (store.getInfo('base') !== base && store.stats().articles + store.files().size > 0) {
      store.close();
      removeArchiveFile(options.path);
      store = openArchiveFile(options.path, { aliases, ...(options.ranking ? { ranking: options.ranking } : {}) });
    }
    store.setInfo('base', base);
    const archive = new StoredArchive(store, options, 'cache');
    const synced = await archive.sync();
    if (synced.changed > 0) {
      // A build from many files made its first files' key-term profiles over a part of the archive.
      store.refreshProfiles();
      store.checkpoint();
    }
    const opened = synced.changed > 0 ? new StoredArchive(store, options, 'built') : archive;
    opened.aliasWarnings = warnings;
    return opened;
  }

  private aliasWarnings: CorpusWarning[] = [];

  get aliases(): AliasTable {
    return this.index.aliases;
  }

  /** The alias file's warnings, then the corpus files'. */
  get warnings(): CorpusWarning[] {
    // A reader's are the writer's, as it last recorded them.
    const files = this.options.writer
      ? Object.values(JSON.parse(this.store.getInfo('warnings') ?? '{}') as Record<string, CorpusWarning[]>)
      : [...this.fileWarnings.values()];
    return [...this.aliasWarnings, ...files.flat()];
  }

  /** The process that writes the file, when this one only reads it. */
  get writer(): ArchiveWriter | undefined {
    return this.options.writer;
  }

  /** The articles numbered `from` or later (ids and files), and the number past the last of them. */
  articlesFrom(from: number): { articles: Array<{ id: string; file: string }>; next: number } {
    return this.store.articlesFrom(from);
  }

  get files(): string[] {
    return [...this.store.files().keys()];
  }

  /** One sync at a time; a call while one runs waits for it, then looks again. */
  private sync(paths?: readonly string[]): Promise<Synced> {
    const writer = this.options.writer;
    const run = this.running
      .catch(() => undefined)
      .then(async (): Promise<Synced> => {
        if (!writer)
          return syncFolder(this.store, this.options.corpus, {
            ...(paths ? { paths } : {}),
            parse: this.parse,
          });
        const changed = await writer(paths ? { paths: [...paths] } : {});
        // Committed: the totals are read again now (a reply's counts), not only at the next question.
        this.store.sync();
        return { changed, warnings: new Map() };
      });
    this.running = run;
    return run.then((synced) => {
      for (const [path, w] of synced.warnings) {
        if (w.length > 0) this.fileWarnings.set(path, w);
        else this.fileWarnings.delete(path);
      }
      if (synced.warnings.size > 0)
        this.store.setInfo('warnings', JSON.stringify(Object.fromEntries(this.fileWarnings)));
      return synced;
    });
  }

  /**
   * Takes in the files named (relative to the corpus; every file's stamp checked when none are),
   * as a delta does; resolves with the number of files changed.
   */
  async update(paths?: readonly string[]): Promise<number> {
    return (await this.sync(paths)).changed;
  }

  /** Takes in every change of the corpus (the sqlite backend's "rebuild": changed files only). */
  async reindex(changed?: readonly string[]): Promise<ReindexReport> {
    const started = performance.now();
    const synced = await this.sync(changed && changed.length > 0 ? changed : undefined);
    const held = this.index.held();
    return { ...held, warnings: this.warnings, ms: performance.now() - started, rebuilt: synced.changed > 0 };
  }

  /** Not used by this backend: a delta never fails apart from its file (kept for the bot's wiring). */
  onDeltaError: ((err: unknown) => void) | undefined;

  /** One file's articles, parsed as this archive parses (none when refused). */
  async parseFile(file: { path: string; content: string }): Promise<Article[]> {
    return (await this.parse(file)).articles;
  }

  /** Parses in the kept sandbox when there is one (see `sandbox`), else in the process's. */
  private readonly parseKept: ParseOne = (file) => parseIn(this.sandbox ?? parseSandbox(), file);

  /** How this archive parses a file: the parser it was given (the terminal, eval), else a sandbox (parseKept). */
  private get parse(): ParseOne {
    return this.options.parse ?? this.parseKept;
  }

  /**
   * Starts the parse sandbox's thread now, so that the first change is not kept waiting for it
   * (3 s and a 0.5 s stall at 10x on a busy machine, against 0.1 s warm): what the archive's
   * writer needs, which answers nobody (a shard manager).
   */
  startParsing(): Promise<void> {
    // With the process's budget, never stopped for idling (closed with the archive).
    if (!this.options.parse && !this.sandbox)
      this.sandbox = new ParseSandbox(parseSandbox().budget, Number.POSITIVE_INFINITY);
    return this.parseFile({ path: 'warm-up.txt', content: '' }).then(
      () => {},
      () => {},
    );
  }

  /**
   * Warms what answers questions, in slices (the process answers meanwhile): loads the language
   * data (the English word list, the word vectors), makes chrono's parsers (see warmDates), and
   * runs the answer path on questions made from the archive's headlines (see warmUpAnswers).
   * Every process that answers runs it, a shard reading another's file too; resolves with the
   * questions answered.
   */
  async warmUp(): Promise<number> {
    warmLanguage();
    warmDates();
    // A question that throws (a file being changed under it) ends the warm-up, never the process.
    return sliced(warmUpAnswers(this.index)).catch(() => 0);
  }

  /** Both of the above: what a process that answers and writes (a bot without shards) does as it starts. */
  warm(): Promise<void> {
    return Promise.all([this.startParsing(), this.warmUp()]).then(() => {});
  }

  /** Watches the corpus: changed files are taken in once a burst of changes settles for `debounceMs`. */
  watch(onReindex: (report: ReindexReport | Error) => void, debounceMs = 50): void {
    // A reader's writer watches.
    if (this.watcher || this.options.writer) return;
    // The answer path is warmed by whoever answers (see runBot).
    void this.startParsing();
    let paths: string[] = [];
    this.watcher = watchCorpus(this.options.corpus, (path) => {
      paths.push(path);
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        const named = paths.includes('') ? undefined : paths;
        paths = [];
        const watcher = this.watcher;
        reportReindex(this.reindex(named), () => this.watcher === watcher, onReindex);
      }, debounceMs);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.debounce);
    await this.watcher?.close();
    this.watcher = null;
    await this.running.catch(() => undefined);
    await this.sandbox?.close();
    this.sandbox = null;
    this.store.close();
  }
}

/** Removes an archive file with its WAL and shared-memory files. */
function removeArchiveFile(path: string): void {
  if (path === ':memory:') return;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** Where a server's own archive is kept: beside the shared one, named by the server's id. */
export function guildArchivePath(sharedPath: string, guildId: string): string {
  const ext = extname(sharedPath);
  return join(dirname(sharedPath), `${basename(sharedPath, ext)}.guild-${guildId}${ext}`);
}

interface GuildEntry {
  store: SqliteArchive;
  index: StoredIndex;
  /** Checked against the folder on the next question (another process changed it). */
  stale: boolean;
}

export interface StoredGuildArchivesOptions {
  root: string;
  corpus: string;
  shared: StoredArchive;
  curators: readonly string[];
  /** Called when a server's archive took in changes (to record its articles as seen). */
  onLoaded?: (guildId: string, index: StoredIndex) => void;
  onError?: (guildId: string, err: unknown) => void;
  /** A change made here is answerable: the other processes may look at the server's folder now. */
  onDelta?: (guildId: string) => void;
  parse?: ParseOne;
}

/** The servers' own archives on the sqlite backend: a small file each, laid over the shared archive. */
export class StoredGuildArchives extends ServerFolders {
  private readonly entries = new Map<string, GuildEntry>();
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly options: StoredGuildArchivesOptions) {
    super(options.root, options.corpus, options.curators);
  }

  private entry(guildId: string): GuildEntry {
    let entry = this.entries.get(guildId);
    if (!entry) {
      const shared = this.options.shared;
      const path = shared.store.path === ':memory:' ? ':memory:' : guildArchivePath(shared.store.path, guildId);
      // A reader opens the file its writer made (see update).
      const store = shared.writer
        ? new SqliteArchive(path, { aliases: shared.aliases, readonly: true })
        : openArchiveFile(path, { aliases: shared.aliases });
      entry = { store, index: new StoredIndex(new LayeredStore(shared.store, store), shared.aliases), stale: true };
      this.entries.set(guildId, entry);
    }
    return entry;
  }

  /**
   * Takes the server's folder as it is now into its archive (a reader asks the writer to); one
   * run per server at a time. Resolves with the number of files changed.
   */
  update(guildId: string): Promise<number> {
    const before = this.running.get(guildId) ?? Promise.resolve();
    const writer = this.options.shared.writer;
    const run = before
      .catch(() => undefined)
      .then(async () => {
        let changed: number;
        let entry: GuildEntry;
        if (writer) {
          // The writer makes the server's file on its first change: it exists once this resolves.
          changed = await writer({ guildId });
          entry = this.entry(guildId);
          entry.stale = false;
          entry.store.sync();
        } else {
          const dir = this.ownDir(guildId);
          entry = this.entry(guildId);
          entry.stale = false;
          const synced = await syncFolder(entry.store, dir ?? join(this.options.root, guildId), {
            prefix: guildIdPrefix(guildId),
            taken: (id) => this.options.shared.store.articleNumber(id) !== undefined,
            parse: this.options.parse ?? ((file) => parseIn(parseSandbox(), file)),
          });
          changed = synced.changed;
        }
        if (changed > 0) this.options.onLoaded?.(guildId, entry.index);
        return changed;
      });
    this.running.set(guildId, run);
    return run;
  }

  /** The index a server is answered from: the shared one, or its own laid over it. */
  async index(guildId: string | null): Promise<StoredIndex> {
    if (guildId === null || !this.ownDir(guildId)) return this.options.shared.index;
    const entry = this.entries.get(guildId);
    if (!entry || entry.stale) await this.update(guildId);
    return this.entry(guildId).index;
  }

  /** Takes a change in the server's folder in; `onAnswerable` once it is. */
  async reindex(guildId: string, onAnswerable?: () => void): Promise<ReindexReport> {
    const started = performance.now();
    const before = this.entries.get(guildId)?.store.stats();
    const changed = await this.update(guildId);
    onAnswerable?.();
    this.options.onDelta?.(guildId);
    const entry = this.entries.get(guildId);
    const index = entry?.index ?? this.options.shared.index;
    return {
      ...index.held(),
      warnings: [],
      ms: performance.now() - started,
      // A run started meanwhile (a question) may have taken the change in: the totals then moved.
      rebuilt: changed > 0 || (entry !== undefined && entry.store.stats() !== before),
    };
  }

  /** Marks a server's archive (every server's, without an id) to be checked against its folder on its next question. */
  invalidate(guildId?: string): void {
    for (const [id, entry] of this.entries) if (guildId === undefined || id === guildId) entry.stale = true;
  }

  get held(): number {
    return this.entries.size;
  }

  close(): void {
    for (const entry of this.entries.values()) entry.store.close();
    this.entries.clear();
  }
}
