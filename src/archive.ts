import { watch, type FSWatcher } from 'chokidar';
import type { NewsIndex } from './core/search.js';
import type { CorpusWarning } from './core/types.js';
import { openEngine, savedIndexIfCurrent, type Engine, type EngineOptions, type PrepareIndex } from './engine.js';
import { prepareInWorker } from './workers/indexWorkerClient.js';

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
    return this.engine.index;
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

  private async rebuild(): Promise<ReindexReport> {
    const started = performance.now();
    const next = await openEngine(this.options, this.prepare);
    this.engine = this.holding ? next : { ...next, index: null };
    return { articles: next.index.articles.length, passages: next.index.passages.length, warnings: next.warnings, ms: performance.now() - started, rebuilt: next.origin === 'built' };
  }

  /** Watches the corpus and reindexes after changes settle for `debounceMs`. */
  watch(onReindex: (report: ReindexReport | Error) => void, debounceMs = 500): void {
    if (this.watcher) return;
    const schedule = () => {
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
    await this.watcher?.close();
    this.watcher = null;
  }
}

/** An engine whose index was let go (see `release`). */
type Released = Omit<Engine, 'index'> & { index: null };
