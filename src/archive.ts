import { watch, type FSWatcher } from 'chokidar';
import type { NewsIndex } from './core/search.js';
import type { CorpusWarning } from './core/types.js';
import { openEngine, type Engine, type EngineOptions } from './engine.js';

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
  private watcher: FSWatcher | null = null;

  private constructor(
    engine: Engine,
    private readonly options: EngineOptions,
  ) {
    this.engine = engine;
  }

  static async open(options: EngineOptions): Promise<Archive> {
    return new Archive(await openEngine(options), options);
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

  /** Rebuilds from the corpus; on failure the current index stays and the error is thrown. Concurrent calls share one run. */
  reindex(): Promise<ReindexReport> {
    this.running ??= (async () => {
      try {
        const started = performance.now();
        const next = await openEngine(this.options);
        this.engine = this.holding ? next : { ...next, index: null };
        return { articles: next.index.articles.length, passages: next.index.passages.length, warnings: next.warnings, ms: performance.now() - started, rebuilt: next.origin === 'built' };
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Watches the corpus and reindexes after changes settle for `debounceMs`. */
  watch(onReindex: (report: ReindexReport | Error) => void, debounceMs = 500): void {
    if (this.watcher) return;
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.reindex().then(onReindex, (err: unknown) => onReindex(err instanceof Error ? err : new Error(String(err))));
      }, debounceMs);
    };
    this.watcher = watch(this.options.corpus, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
    this.watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
  }
}

/** An engine whose index was let go (see `release`). */
type Released = Omit<Engine, 'index'> & { index: null };
