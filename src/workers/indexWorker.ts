/**
 * The index worker's thread (see indexWorkerClient.ts): lists, reads, hashes and parses the corpus,
 * builds the index and saves it. Each file is parsed in this thread's own parse sandbox, within
 * the budget the job carries; a file over it is skipped with a warning naming it and why, and is
 * remembered (by its path and content), so later rebuilds skip it without spending the budget again.
 */
import { createHash } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ParseResult } from '../core/types.js';
import { parseCorpusFiles, type CorpusFile } from '../corpus.js';
import { prepareIndex, type ParseFiles } from '../engine.js';
import { prepareGuildIndex } from '../guildArchives.js';
import { ParseSandbox, type ParseBudget, type ParseJob } from './parseSandbox.js';
import type { IndexReply, IndexRequest } from './indexWorkerClient.js';

let sandbox: ParseSandbox | null = null;
/** Files found over budget: key (path and content hash) → the warning's reason. */
const overBudget = new Map<string, string>();

/** A batch of files sent to the sandbox at once: small enough that the batch never weighs on its memory cap. */
const BATCH_FILES = 200;
const BATCH_CHARS = 4_000_000;

function sandboxFor(budget: ParseBudget): ParseSandbox {
  if (!sandbox || sandbox.budget.timeoutMs !== budget.timeoutMs || sandbox.budget.memoryMb !== budget.memoryMb) {
    void sandbox?.close();
    sandbox = new ParseSandbox(budget, 30_000);
  }
  return sandbox;
}

const keyOf = (f: CorpusFile) => createHash('sha256').update(`${f.path}\0${f.content}`).digest('hex');

/** Parses corpus files in the sandbox, batch by batch; a file over budget becomes a skipped file. */
function sandboxedParse(budget: ParseBudget): ParseFiles {
  const box = sandboxFor(budget);
  return async (files) => {
    const marked = files.map((f): CorpusFile => {
      const reason = f.error === undefined && f.skipped === undefined ? overBudget.get(keyOf(f)) : undefined;
      return reason ? { path: f.path, content: '', skipped: reason } : f;
    });
    const parsed: Array<ParseResult | undefined> = [];
    const todo = [...marked.keys()].filter((i) => marked[i]!.error === undefined && marked[i]!.skipped === undefined);
    for (let start = 0; start < todo.length;) {
      let end = start;
      let chars = 0;
      while (
        end < todo.length &&
        end - start < BATCH_FILES &&
        (end === start || chars + marked[todo[end]!]!.content.length <= BATCH_CHARS)
      )
        chars += marked[todo[end++]!]!.content.length;
      const batch = todo.slice(start, end);
      const jobs: ParseJob[] = batch.map((i) => ({ file: marked[i]!.path, content: marked[i]!.content }));
      const outcomes = await box.parseMany(jobs);
      for (const [j, i] of batch.entries()) {
        const outcome = outcomes[j]!;
        if ('refused' in outcome) {
          const reason = `${outcome.refused}; skipped`;
          overBudget.set(keyOf(marked[i]!), reason);
          marked[i] = { path: marked[i]!.path, content: '', skipped: reason };
        } else parsed[i] = outcome;
      }
      start = end;
    }
    return parseCorpusFiles(marked, parsed);
  };
}

/** The index bytes handed over without a copy (a Buffer may share its memory with others: then copied). */
function transferable(bytes: Uint8Array | undefined): ArrayBuffer[] {
  if (!bytes) return [];
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer as ArrayBuffer] : [];
}

const port = parentPort!;
/** The nice value this thread was set to (see yieldIndexWorker). */
let niced: number | undefined;

port.on('message', (request: IndexRequest) => {
  const { id, job, budget } = request;
  if (request.nice !== undefined && request.nice !== niced) {
    niced = request.nice;
    try {
      // pid 0: this thread only (Linux sets nice per thread); a thread started from it inherits it.
      setPriority(0, request.nice);
      // The parse thread started before it: started again, at this thread's priority.
      void sandbox?.close();
      sandbox = null;
    } catch {
      // Not allowed here: the worker runs at the process's priority, as before.
    }
  }
  const parse = sandboxedParse(budget);
  const work = job.kind === 'shared' ? prepareIndex(job.options, parse, job.force) : prepareGuildIndex(job, parse);
  work.then(
    (result) => {
      // A Buffer sharing memory is copied into one of its own, which can then be moved rather than copied.
      if (result.bytes && transferable(result.bytes).length === 0) result.bytes = new Uint8Array(result.bytes);
      port.postMessage({ id, result } satisfies IndexReply, transferable(result.bytes));
    },
    (err: unknown) =>
      port.postMessage({
        id,
        error: err instanceof Error ? err.message.split('\n')[0]! : String(err),
      } satisfies IndexReply),
  );
});
