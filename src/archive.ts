import { watch, type FSWatcher } from 'chokidar';
import { mergeDeltaAsync } from './core/delta.js';
import type { NewsIndex } from './core/search.js';
import type { Article, CorpusWarning } from './core/types.js';
import { pathIdOf, readListedFile, statCorpusFiles } from './corpus.js';
import { openEngine, savedIndexIfCurrent, type Engine, type EngineOptions, type PrepareIndex } from './engine.js';
import { prepareInWorker } from './workers/indexWorkerClient.js';
import { parseSandbox, ParseSandbox } from './workers/parseSandbox.js';

/** Reading, parsing and indexing run in the index worker: this thread only loads the file it saved. */
const inWorker: PrepareIndex = (options, force) => prepareInWorker(force === undefined ? { kind: 'shared', options } : { kind: 'shared', options, force });

/**
 * A saved index that matches the corpus is loaded without starting the worker; anything to build
 * goes to the worker. Used at the start, before anything is answered (a restart, every shard), and
 * by shards for every reload: the manager has built and saved the index, so a shard only checks
 * (lists and hashes the corpus, parses nothing) and loads it.
 */
export const preferSaved: PrepareIndex = async (options, force) => (force === undefined ? await savedIndexIfCurrent(options) : null) ?? inWorker(options, force);

export interface ReindexReport {
  articles: number;
  passages: number;
  warnings: CorpusWarning[];
  ms: number;
  /** False when the corpus was unchanged and the saved index was reused. */
  rebuilt: boolean;
}

/**
 * The live archive: the current index, swapped for a new one only when a rebuild succeeds, so
 * questions are always answered from a whole index (never a half-built one).
 */
export class Archive {
  /** The index is null once released: the archive then builds and saves it but holds none. */
  private engine: Engine | Released;
  private holding = true;
  private running: Promise<ReindexReport> | null = null;
  /** A run asked for while one was running: it starts when that one ends, so no change it missed is lost. */
  private queued: Promise<ReindexReport> | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | undefined;
  private updateDebounce: NodeJS.Timeout | undefined;
  /** The main index with the corpus's changes since it was built merged in (see update); null: none. */
  private live: NewsIndex | null = null;
  private updating: Promise<void> | null = null;
  /**
   * The delta's own parse sandbox, kept ready: a change is answered within a second only if its
   * file need not wait for a thread to start (seconds through tsx, on a busy machine 6 s).
   */
  private sandbox: ParseSandbox | null = null;
  private updateQueued: Promise<void> | null = null;

  private constructor(
    engine: Engine,
    private readonly options: EngineOptions,
    private readonly prepare: PrepareIndex,
  ) {
    this.engine = engine;
  }

  /** Opens the archive; `prepare` says where the index is built (the index worker unless given). */
  static async open(options: EngineOptions, prepare?: PrepareIndex): Promise<Archive> {
    return new Archive(await openEngine(options, prepare ?? preferSaved), options, prepare ?? inWorker);
  }

  get index(): NewsIndex {
    if (!this.engine.index) throw new Error('this archive was released: it saves the index for other processes and holds none');
    return this.live ?? this.engine.index;
  }

  get warnings(): CorpusWarning[] {
    return this.engine.warnings;
  }

  get files(): string[] {
    return this.engine.files;
  }

  /** How the current index came to be: loaded from the saved cache, or built from the corpus. */
  get origin(): Engine['origin'] {
    return this.engine.origin;
  }

  /**
   * Drops the index, now and after every reindex, keeping what the report needs: for a process
   * that only keeps the saved index current for others (the shard manager).
   */
  release(): void {
    this.holding = false;
    this.engine = { ...this.engine, index: null };
  }

  /**
   * Rebuilds from the corpus; on failure the current index stays and the error is thrown. A call
   * while a rebuild runs gets the next one, which starts when the running one ends (it may have
   * read the corpus before the change that prompted the call); calls meanwhile share that next run.
   */
  reindex(): Promise<ReindexReport> {
    // The change is answered from within a second (the delta); the full rebuild follows.
    this.update().catch(() => {
      /* the rebuild that follows reports the failure */
    });
    if (this.running) {
      this.queued ??= this.running.then(
        () => this.startNext(),
        () => this.startNext(),
      );
      return this.queued;
    }
    this.running = this.rebuild().finally(() => (this.running = null));
    return this.running;
  }

  private startNext(): Promise<ReindexReport> {
    this.queued = null;
    return this.reindex();
  }

  /**
   * Takes the corpus as it is on disk into the index answered from, within about a second: the
   * files changed, added or removed since the main index was built are parsed (in the parse
   * sandbox) and merged with it into a new index (see core/delta.ts), swapped in whole. Calls
   * while one runs share the next run, which starts when it ends.
   */
  update(): Promise<void> {
    if (this.updating) {
      this.updateQueued ??= this.updating.then(
        () => this.nextUpdate(),
        () => this.nextUpdate(),
      );
      return this.updateQueued;
    }
    this.updating = this.runUpdate().finally(() => (this.updating = null));
    return this.updating;
  }

  private nextUpdate(): Promise<void> {
    this.updateQueued = null;
    return this.update();
  }

  /** The delta's sandbox, with the process's parse budget; started ready (see `sandbox`). */
  private parser(): ParseSandbox {
    const { budget } = parseSandbox();
    if (this.sandbox && (this.sandbox.budget.timeoutMs !== budget.timeoutMs || this.sandbox.budget.memoryMb !== budget.memoryMb)) void this.sandbox.close();
    else if (this.sandbox) return this.sandbox;
    this.sandbox = new ParseSandbox(budget, Number.POSITIVE_INFINITY);
    return this.sandbox;
  }

  /**
   * Starts the delta's parse sandbox now, so that the first change is not kept waiting for it:
   * what a serving process does (watch does it too). Its thread then stays until close().
   */
  warm(): Promise<void> {
    if (!this.holding) return Promise.resolve();
    return this.parser()
      .parse({ file: 'warm-up.txt', content: '' })
      .then(
        () => {},
        () => {},
      );
  }

  private async runUpdate(): Promise<void> {
    for (;;) {
      const engine = this.engine;
      if (!engine.index) return;
      const live = await this.withChanges(engine as Engine);
      // A rebuild swapped in meanwhile: the delta is worked out again against the new index.
      if (this.engine !== engine) continue;
      this.live = live;
      return;
    }
  }

  /** The engine's index with the corpus's changes since it was built merged in; null when nothing changed. */
  private async withChanges(engine: Engine): Promise<NewsIndex | null> {
    const known = new Map(engine.files.map((f, i) => [f, engine.stamps[i] ?? null]));
    const listed = await statCorpusFiles(this.options.corpus);
    const hiddenFiles = new Set<string>();
    const changed = listed.filter((f) => !(known.has(f.path) && f.stamp !== null && known.get(f.path) === f.stamp));
    for (const f of changed) if (known.has(f.path)) hiddenFiles.add(f.path);
    const present = new Set(listed.map((f) => f.path));
    for (const f of engine.files) if (!present.has(f) && known.get(f) !== null) hiddenFiles.add(f);
    if (changed.length === 0 && hiddenFiles.size === 0) return null;
    // An added article may not take an id the index keeps answering with (the full rebuild settles who keeps it).
    const ids = new Set(engine.index.articles.filter((a) => !hiddenFiles.has(a.file)).map((a) => a.id));
    const added: Article[] = [];
    for (const f of changed) {
      const file = await readListedFile(f);
      if (file.error !== undefined || file.skipped !== undefined) continue;
      const outcome = await this.parser().parse({ file: file.path, content: file.content });
      if ('refused' in outcome) continue;
      for (const a of outcome.articles) {
        // As a full build names them (see pathIdOf): a same-named file in a sub-folder takes its path.
        if (ids.has(a.id)) {
          const pathId = pathIdOf(a);
          if (pathId === null || ids.has(pathId)) continue;
          a.id = pathId;
        }
        ids.add(a.id);
        added.push(a);
      }
    }
    return mergeDeltaAsync(engine.index, { hiddenFiles, added });
  }

  private async rebuild(): Promise<ReindexReport> {
    const started = performance.now();
    // The delta first: it is what makes the change answerable soon, and the two would share the cores.
    await this.updating?.catch(() => {});
    // Loaded in slices: the index being replaced goes on answering until the new one is whole.
    const next = await openEngine(this.options, this.prepare, true);
    // Changes the rebuild did not see (made while it read the corpus) stay answered: the delta
    // over the new index is worked out before it is swapped in, and both are swapped at once.
    const live = this.holding ? await this.withChanges(next).catch(() => null) : null;
    this.engine = this.holding ? next : { ...next, index: null };
    this.live = live;
    return { articles: next.index.articles.length, passages: next.index.passages.length, warnings: next.warnings, ms: performance.now() - started, rebuilt: next.origin === 'built' };
  }

  /**
   * Watches the corpus: a change is answered from within a second (see update), and the full
   * reindex runs after changes settle for `debounceMs`.
   */
  watch(onReindex: (report: ReindexReport | Error) => void, debounceMs = 500): void {
    if (this.watcher) return;
    void this.warm();
    const schedule = () => {
      clearTimeout(this.updateDebounce);
      this.updateDebounce = setTimeout(() => {
        // A failed delta only delays the change until the full reindex, which reports its own failures.
        if (this.holding) this.update().catch(() => {});
      }, UPDATE_DEBOUNCE_MS);
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        const watcher = this.watcher;
        // A rebuild that ends after close() is not reported: whoever listened (the bot, its database) may be gone.
        const report = (r: ReindexReport | Error) => {
          if (this.watcher === watcher) onReindex(r);
        };
        this.reindex().then(report, (err: unknown) => report(err instanceof Error ? err : new Error(String(err))));
      }, debounceMs);
    };
    this.watcher = watch(this.options.corpus, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
    this.watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  }

  async close(): Promise<void> {
    clearTimeout(this.debounce);
    clearTimeout(this.updateDebounce);
    await this.sandbox?.close();
    this.sandbox = null;
    await this.watcher?.close();
    this.watcher = null;
  }
}

/** How long the watcher lets a burst of changes settle before taking them in as a delta. */
const UPDATE_DEBOUNCE_MS = 50;

/** An engine whose index was let go (see `release`). */
type Released = Omit<Engine, 'index'> & { index: null };
