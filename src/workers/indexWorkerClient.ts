/**
 * The index worker, seen from the serving thread: reading, parsing and indexing the corpus (the
 * shared one, a server's own) run there, so the thread answering questions only ever loads a
 * finished index file. One worker thread per process, one job at a time, started when first
 * needed and stopped when idle (a build's memory goes with it).
 */
import type { Worker } from 'node:worker_threads';
import type { CorpusFile } from '../corpus.js';
import type { EngineOptions, PreparedIndex } from '../engine.js';
import type { PreparedGuildIndex } from '../guildArchives.js';
import { configureParseBudget, DEFAULT_PARSE_BUDGET, type ParseBudget } from './parseSandbox.js';
import { startWorker } from './thread.js';

/** Work for the index worker: the shared index (see prepareIndex) or a server's own (see prepareGuildIndex). */
export type PrepareJob =
  | { kind: 'shared'; options: EngineOptions; force?: string }
  | { kind: 'guild'; guildId: string; corpus: string; files: CorpusFile[]; path: string | null };

type ResultOf<J extends PrepareJob> = J extends { kind: 'shared' } ? PreparedIndex : PreparedGuildIndex;

/** @internal Messages to and from the thread. */
export interface IndexRequest {
  id: number;
  job: PrepareJob;
  budget: ParseBudget;
  /** The nice value the worker's threads run at (see yieldIndexWorker); none: the process's own. */
  nice?: number;
}
/** @internal */
export type IndexReply = { id: number; result: PreparedIndex | PreparedGuildIndex } | { id: number; error: string };

export class IndexWorker {
  private worker: Worker | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private jobs = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    /** The budget of each file the worker parses. */
    readonly budget: ParseBudget = DEFAULT_PARSE_BUDGET,
    /** A worker idle this long is stopped; the next job starts another. */
    private readonly idleMs = 60_000,
  ) {}

  /** Runs a job in the worker (after the jobs before it). */
  run<J extends PrepareJob>(job: J): Promise<ResultOf<J>> {
    const run = this.queue.then(() => this.runNow(job));
    this.queue = run.catch(() => {});
    return run as Promise<ResultOf<J>>;
  }

  /** Stops the worker (a running job fails; a later one starts another). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker('indexWorker');
    // Errors are handled by the job running on it.
    worker.on('error', () => {});
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null;
    });
    this.worker = worker;
    return worker;
  }

  private runNow(job: PrepareJob): Promise<PreparedIndex | PreparedGuildIndex> {
    clearTimeout(this.idleTimer);
    const worker = this.thread();
    worker.ref();
    const id = ++this.jobs;
    return new Promise<PreparedIndex | PreparedGuildIndex>((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
        if (this.worker === worker) this.idleTimer = setTimeout(() => void this.close(), this.idleMs).unref();
      };
      const onMessage = (m: IndexReply) => {
        if (m.id !== id) return;
        done();
        if ('error' in m) reject(new Error(m.error));
        else resolve(m.result);
      };
      const onError = (err: Error & { code?: string }) => {
        done();
        reject(
          new Error(
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? 'the index worker ran out of memory'
              : `the index worker failed: ${err.message.split('\n')[0]}`,
          ),
        );
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the index worker stopped (code ${code})`));
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({
        id,
        job,
        budget: this.budget,
        ...(workerNice === undefined ? {} : { nice: workerNice }),
      } satisfies IndexRequest);
    });
  }
}

let shared: IndexWorker | null = null;
let workerNice: number | undefined;

/**
 * Runs this process's index worker (and the parse thread it starts) at nice 19 from its next job
 * on: for the shard manager, whose full rebuild (a core for 40 s and more at 10x) would otherwise
 * take the cores from the shards answering meanwhile. Linux and macOS set it per thread; where it
 * cannot be set the worker runs as before.
 */
export function yieldIndexWorker(): void {
  workerNice = 19;
}

/** This process's index worker. */
export function indexWorker(): IndexWorker {
  shared ??= new IndexWorker();
  return shared;
}

/** Sets the per-file parse budget of this process's index worker (from the configuration). */
export function configureIndexWorker(budget: ParseBudget): void {
  if (shared && shared.budget.timeoutMs === budget.timeoutMs && shared.budget.memoryMb === budget.memoryMb) return;
  void shared?.close();
  shared = new IndexWorker(budget);
}

/** Runs a job in this process's index worker. */
export function prepareInWorker<J extends PrepareJob>(job: J): Promise<ResultOf<J>> {
  return indexWorker().run(job);
}

/** Sets the parse budget of this process (its sandbox and its index worker's) from the configuration. */
export function configureParsing(config: { PARSE_TIMEOUT_SECONDS: number; PARSE_MEMORY_MB: number }): void {
  const budget = { timeoutMs: config.PARSE_TIMEOUT_SECONDS * 1000, memoryMb: config.PARSE_MEMORY_MB };
  configureParseBudget(budget);
  configureIndexWorker(budget);
}
