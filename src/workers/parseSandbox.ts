/**
 * Parsing untrusted files off the serving thread, each within a time and memory budget. A file
 * whose parser runs past the time budget, or past the thread's memory cap, costs that thread: it
 * is terminated and a fresh one goes on with the next file. The file gets a refusal naming why.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CorpusWarning, ParseResult } from '../core/types.js';
import { startWorker } from './thread.js';

/** How long one file may take to parse, and how much heap its parser may use. */
export interface ParseBudget {
  timeoutMs: number;
  memoryMb: number;
}

/**
 * No article needs more: the 609 MultiHop-RAG articles parse in about 1 s together, the slowest
 * one in a few ms; the hostile uploads of issue 15 need 20 s and more.
 */
export const DEFAULT_PARSE_BUDGET: ParseBudget = { timeoutMs: 5_000, memoryMb: 512 };

/** One file to parse: a corpus or uploaded file by its extension, or a fetched web page (`page`). */
export interface ParseJob {
  file: string;
  content: string;
  kind?: 'file' | 'page';
}

/** The file's parse, or why it was not parsed (a reason that reads after the file's name). */
export type ParseOutcome = ParseResult | { refused: string };

/** @internal Messages to and from the thread. */
export interface SandboxRequest {
  batch: number;
  jobs: ParseJob[];
}
/** @internal */
export type SandboxReply =
  { ready: true } | { batch: number; begun: true } | { batch: number; i: number; result: ParseResult };

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

/** The parse sandbox: one thread at a time, started when first needed and stopped after it idles. */
export class ParseSandbox {
  private worker: Worker | null = null;
  private ready: Promise<Worker> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private batches = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly budget: ParseBudget = DEFAULT_PARSE_BUDGET,
    /** A thread left idle this long is stopped (its memory returned); the next file starts another. Infinity: never. */
    private readonly idleMs = 60_000,
  ) {}

  /** Parses one file. */
  async parse(job: ParseJob): Promise<ParseOutcome> {
    return (await this.parseMany([job]))[0]!;
  }

  /** Parses files in order, each within the budget; one batch at a time. */
  parseMany(jobs: ParseJob[]): Promise<ParseOutcome[]> {
    const run = this.queue.then(() => this.runBatch(jobs));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Stops the thread (a later parse starts another). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    await worker?.terminate();
  }

  private thread(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker('parseWorker', { maxOldGenerationSizeMb: this.budget.memoryMb });
      this.worker = worker;
      // Its errors are handled by the batch running on it; one between batches must not become the process's.
      worker.on('error', () => {});
      // A thread that ended (terminated, or crashed between batches) is never handed another batch.
      worker.once('exit', () => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.ready = null;
      });
      const onExit = (code: number) => reject(new Error(`the parse thread stopped while starting (code ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', () => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(worker);
      });
    });
    const started = this.ready;
    // A thread that failed to start is not kept: the next call tries again.
    started.catch(() => {
      if (this.ready === started) {
        this.ready = null;
        this.worker = null;
      }
    });
    return started;
  }

  private async runBatch(jobs: ParseJob[]): Promise<ParseOutcome[]> {
    clearTimeout(this.idleTimer);
    const out: ParseOutcome[] = [];
    try {
      while (out.length < jobs.length) {
        const worker = await this.thread();
        worker.ref();
        const next = await this.runOn(worker, jobs.slice(out.length));
        out.push(...next.results);
        if (next.failed) {
          out.push({ refused: next.failed });
          await this.close();
        }
      }
    } finally {
      if (this.worker) {
        this.worker.unref();
        // Infinity: kept ready (a thread started through tsx takes seconds).
        if (Number.isFinite(this.idleMs)) this.idleTimer = setTimeout(() => void this.close(), this.idleMs).unref();
      }
    }
    return out;
  }

  /** Runs jobs on the thread until they are done or one breaks the budget (`failed`: why; the thread is then spent). */
  private runOn(worker: Worker, jobs: ParseJob[]): Promise<{ results: ParseResult[]; failed?: string }> {
    const batch = ++this.batches;
    const results: ParseResult[] = [];
    const { timeoutMs, memoryMb } = this.budget;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (failed?: string) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(failed === undefined ? { results } : { results, failed });
      };
      // Each file's clock starts when the thread begins it: when the batch arrives, then as the previous file is answered.
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(`took longer than ${seconds(timeoutMs)} to parse`), timeoutMs);
      };
      const onMessage = (m: SandboxReply) => {
        if (!('batch' in m) || m.batch !== batch) return;
        if ('begun' in m) return arm();
        results.push(m.result);
        if (results.length === jobs.length) finish();
        else arm();
      };
      const onError = (err: Error & { code?: string }) =>
        finish(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `needed more than ${memoryMb} MB to parse`
            : 'could not be parsed (the parser failed)',
        );
      const onExit = () => finish('could not be parsed (the parser stopped)');
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ batch, jobs } satisfies SandboxRequest);
    });
  }
}

let shared: ParseSandbox | null = null;

/** This process's sandbox (or thread's: the index worker has its own), with the budget set by `configureParseBudget`. */
export function parseSandbox(): ParseSandbox {
  shared ??= new ParseSandbox();
  return shared;
}

/** Sets the budget of this process's sandbox (from the configuration, before the first parse). */
export function configureParseBudget(budget: ParseBudget): void {
  if (shared && shared.budget.timeoutMs === budget.timeoutMs && shared.budget.memoryMb === budget.memoryMb) return;
  void shared?.close();
  shared = new ParseSandbox(budget);
}

/** Parses one file in this process's sandbox: the default parser of uploads and feed items. */
export const parseSandboxed = (job: ParseJob): Promise<ParseOutcome> => parseSandbox().parse(job);

/** Whether a corpus warning is a file skipped for breaking the parse budget. */
export const isOverBudget = (w: CorpusWarning): boolean =>
  /^(took longer than|needed more than \d+ MB|could not be parsed \(the parser)/.test(w.reason);

/** Logs each file a rebuild skipped for breaking the parse budget, by name: an operator should look at it. */
export function logOverBudget(logger: Logger, warnings: readonly CorpusWarning[]): void {
  for (const w of warnings.filter(isOverBudget))
    logger.warn({ file: w.file, reason: w.reason }, 'corpus file over the parse budget; skipped');
}
