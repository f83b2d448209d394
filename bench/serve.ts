/**
 * The serving half of `npm run bench`: a fresh process that does what a deployed bot does after
 * a restart — read one system's persisted index from disk, answer every question — and reports
 * its cold start and its RSS. The bench compiles this file (with esbuild) and runs it with plain
 * `node`, as production runs compiled JavaScript, and it imports only the one system it serves,
 * so the RSS is that system's and not the bench harness's.
 *
 *   node --expose-gc .bench-build/serve.js SYSTEM INDEX_FILE QUERIES_FILE K [LIMIT|all] [PASSES]
 *
 * Figures go back over IPC when forked, else to stdout as JSON.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadQueries, passPercentiles, settledRssMB } from './harness.js';
import { loadSystem } from './peers/index.js';
import { tuneRuntime } from '../src/runtime.js';
import type { PeerFactory } from './peers/types.js';

export interface ServeFigures {
  /** Read the file, load it, answer the first question. */
  coldStartMs: number;
  /** RSS after loading and answering every question, after GC. */
  rssMB: number;
  /** RSS of the same process before reading the index (runtime, library, questions). */
  baseRssMB: number;
  /** Latency over every question, the median of the passes' p50 and p99. */
  p50ms: number;
  p99ms: number;
}

/**
 * Hands the saved index to the system: its path, for a system that serves from its file, else
 * its bytes. In a function of its own so the file's bytes are garbage once loaded, as in a bot
 * that loaded its cache, and not counted in the RSS.
 */
async function loadFile(peer: ReturnType<PeerFactory>, indexFile: string): Promise<void> {
  if (peer.loadFile) return peer.loadFile(indexFile);
  const bytes = readFileSync(indexFile);
  // String serializations are handed back as strings, as they were produced.
  await peer.load!(indexFile.endsWith('.txt') ? bytes.toString('utf8') : bytes);
}

export async function serve(
  system: string,
  indexFile: string,
  queriesFile: string,
  k: number,
  limit?: number,
  passes = 1,
): Promise<ServeFigures> {
  // The runtime the bot runs under, for every system alike; Newsdesk's sqlite backend as a bot on it sets it.
  tuneRuntime();
  const factory = await loadSystem(system);
  const questions = loadQueries(queriesFile)
    .slice(0, limit)
    .map((q) => q.question);
  const baseRssMB = await settledRssMB();
  const t0 = performance.now();
  const peer = factory();
  await loadFile(peer, indexFile);
  peer.search(questions[0] ?? 'news', k);
  const coldStartMs = performance.now() - t0;
  // As a restarted bot warms up while it connects, before its first user's question.
  await peer.warm?.();
  const timed: number[][] = [];
  for (let pass = 0; pass < passes; pass++) {
    const latencies: number[] = [];
    for (const q of questions) {
      const t = performance.now();
      peer.search(q, k);
      latencies.push(performance.now() - t);
    }
    timed.push(latencies);
  }
  const out: ServeFigures = { coldStartMs, rssMB: await settledRssMB(), baseRssMB, ...passPercentiles(timed) };
  peer.close?.();
  return out;
}

const [system, indexFile, queriesFile, k, limit, passes] = process.argv.slice(2);
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && system && indexFile && queriesFile && k) {
  serve(
    system,
    indexFile,
    queriesFile,
    Number(k),
    limit && limit !== 'all' ? Number(limit) : undefined,
    passes ? Number(passes) : 1,
  ).then(
    (figures) => {
      if (process.send) process.send(figures, () => process.disconnect?.());
      else process.stdout.write(`${JSON.stringify(figures)}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`serve: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
