/**
 * Measuring part of `npm run bench`: load the benchmark files, build each
 * system and time it, measure cold start, run every query with per-query
 * latency, score the run with the article-level protocol, and measure RSS —
 * one system per child process so that systems do not pollute each other's
 * memory figures.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedupeArticles, scoreRun, type EvalReport, type Metrics } from '../src/eval/metrics.js';
import type { BenchArticle, PeerFactory, PeerSystem } from './peers/types.js';
import { isNewsdesk } from './peers/index.js';
import type { ServeFigures } from './serve.js';

// ───────────────────────────── data ─────────────────────────────

/** One JSON value per non-blank line. */
export function readJsonl<T = unknown>(path: string): T[] {
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() !== '') out.push(JSON.parse(line) as T);
  }
  return out;
}

export interface BenchQuery {
  id: string;
  question: string;
  type: string;
  gold: string[];
}

interface CorpusRow {
  id: string;
  title?: string | null;
  body?: string | null;
  source?: string | null;
  published_at?: string | null;
}

/** corpus.jsonl → articles (`published_at` → `published`). */
export function loadCorpus(path: string): BenchArticle[] {
  return readJsonl<CorpusRow>(path).map((r) => {
    const a: BenchArticle = { id: r.id, title: r.title ?? '', body: r.body ?? '' };
    if (r.source) a.source = r.source;
    if (r.published_at) a.published = r.published_at;
    return a;
  });
}

/** queries.jsonl → the fields the bench needs. */
export function loadQueries(path: string): BenchQuery[] {
  return readJsonl<BenchQuery>(path).map(({ id, question, type, gold }) => ({ id, question, type, gold }));
}

/**
 * The corpus `factor` times over: the originals plus copies with ids
 * `${id}~${n}` (n = 1 … factor-1). Query gold stays as it is, so only
 * latency and memory are meaningful at scale.
 */
export function replicateCorpus(articles: readonly BenchArticle[], factor: number): BenchArticle[] {
  const out: BenchArticle[] = [...articles];
  for (let n = 1; n < factor; n++) {
    for (const a of articles) out.push({ ...a, id: `${a.id}~${n}` });
  }
  return out;
}

// ─────────────────────────── measuring ───────────────────────────

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.min(sortedAsc.length, Math.max(1, rank)) - 1]!;
}

/** Full GC if the process runs with --expose-gc (a no-op otherwise). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  gc();
}

/**
 * RSS once memory has settled: a full GC, then a pause, because V8 sweeps freed pages on
 * background threads after the collection returns (read at once, RSS still counts them).
 */
export async function settledRssMB(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return rssMB();
}

export const rssMB = (): number => process.memoryUsage().rss / 2 ** 20;
/** Peak RSS of this process so far, MB. */
export const peakRssMB = (): number => process.resourceUsage().maxRSS / 1024;

export async function timeBuild(
  factory: PeerFactory,
  articles: BenchArticle[],
): Promise<{ system: PeerSystem; buildMs: number }> {
  const system = factory();
  const t0 = performance.now();
  await system.build(articles);
  return { system, buildMs: performance.now() - t0 };
}

export interface ColdStart {
  serializeMs: number;
  serializedMB: number;
  /** load() into a fresh instance plus the first query answered. */
  coldStartMs: number;
}

/**
 * serialize → fresh instance → load → first query answered. The serialized
 * form is held in memory (no disk read is timed, except where a peer's
 * load() itself writes/opens a file, as sqlite-fts5 does). Returns null if
 * the system cannot serialize. Closes the fresh instance.
 */
export async function measureColdStart(
  built: PeerSystem,
  factory: PeerFactory,
  firstQuestion: string,
  k: number,
): Promise<ColdStart | null> {
  if (!built.serialize || !built.load) return null;
  let t0 = performance.now();
  let data: string | Buffer | null = built.serialize();
  const serializeMs = performance.now() - t0;
  const serializedMB = (typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length) / 2 ** 20;
  const fresh = factory();
  t0 = performance.now();
  await fresh.load!(data);
  fresh.search(firstQuestion, k);
  const coldStartMs = performance.now() - t0;
  data = null;
  fresh.close?.();
  return { serializeMs, serializedMB, coldStartMs };
}

/** The middle value (the lower middle of an even count). */
export const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/**
 * p50 and p99 over several timed passes of the same questions: the median of the passes'
 * figures, so one pass disturbed by the machine does not decide them.
 */
export function passPercentiles(passes: ReadonlyArray<readonly number[]>): { p50ms: number; p99ms: number } {
  const sorted = passes.map((times) => [...times].sort((a, b) => a - b));
  return { p50ms: median(sorted.map((s) => percentile(s, 50))), p99ms: median(sorted.map((s) => percentile(s, 99))) };
}

export interface QueryRun {
  run: Map<string, string[]>;
  /** Per-query latency in ms, in query order. */
  latencies: number[];
}

/** Every query once, timed with performance.now(); lists deduplicated to k. */
export function runQueries(system: PeerSystem, queries: readonly BenchQuery[], k: number): QueryRun {
  const run = new Map<string, string[]>();
  const latencies: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const ids = system.search(q.question, k);
    latencies.push(performance.now() - t0);
    run.set(q.id, dedupeArticles(ids, k));
  }
  return { run, latencies };
}

export interface SystemFigures {
  name: string;
  articles: number;
  queries: number;
  'nDCG@10': number | null;
  'R@10': number | null;
  buildMs: number;
  coldStartMs: number | null;
  /** Latency in the serving process (see bench/serve.ts); where a system cannot persist, in the building process. */
  p50ms: number;
  p99ms: number;
  /**
   * RSS of a fresh plain-node process serving every question from the persisted index, after GC
   * (see bench/serve.ts); where a system cannot persist, RSS of the building process.
   */
  rssMB: number;
  /** RSS of the building process after build and all queries, after GC, with the built index alive. */
  buildRssMB: number;
  /** In the building process: load() from the in-memory serialized form plus the first question. */
  memoryColdStartMs: number | null;
  /** Latency in the building process, over the index as built (p50ms and p99ms are the serving process's when it ran). */
  builtP50ms: number;
  builtP99ms: number;
  /** RSS of the serving process before it read the index. */
  serveBaseRssMB: number | null;
  // extras
  'R@5': number | null;
  'MRR@10': number | null;
  'Hit@10': number | null;
  'All@10': number | null;
  meanMs: number;
  serializeMs: number | null;
  serializedMB: number | null;
  /** RSS before building (runtime + corpus + queries), after GC. */
  baseRssMB: number;
  peakRssMB: number;
  /** Full report (overall and per type), when scored. */
  report?: EvalReport;
  error?: string;
}

export interface MeasureOptions {
  k?: number;
  /** Score the run (off for the scale variant, where gold is meaningless). */
  score?: boolean;
  /** Measure cold start (default true). */
  coldStart?: boolean;
  /** Queries run before timing starts, results discarded (default 5). */
  warmup?: number;
  /**
   * Timed passes over every question, and fresh serving processes for cold start (default 3):
   * p50, p99 and cold start are the median of the passes', so one disturbed pass does not decide.
   */
  passes?: number;
  /** Serve the persisted index from a fresh process (bench/serve.ts compiled) for cold start and RSS. */
  serve?: { script: string; queriesFile: string; limit?: number };
  log?: (msg: string) => void;
}

/**
 * All phases for one system in this process: build (timed) → warm-up →
 * every query (timed) → GC → RSS → serialize → cold start → score.
 * Run it in a child process (`runSystemInChild`) for clean RSS figures.
 */
export async function measureSystem(
  name: string,
  factory: PeerFactory,
  articles: BenchArticle[],
  queries: readonly BenchQuery[],
  opts: MeasureOptions = {},
): Promise<SystemFigures> {
  const k = opts.k ?? 10;
  const log = opts.log ?? (() => {});
  const baseRssMB = await settledRssMB();
  log(`${name}: building over ${articles.length} articles`);
  const { system, buildMs } = await timeBuild(factory, articles);
  log(`${name}: built in ${buildMs.toFixed(0)} ms; ${queries.length} queries`);
  for (const q of queries.slice(0, opts.warmup ?? 5)) system.search(q.question, k);
  const passes = Math.max(1, opts.passes ?? 3);
  const { run, latencies } = runQueries(system, queries, k);
  const timed = [latencies];
  for (let i = 1; i < passes; i++) timed.push(runQueries(system, queries, k).latencies);
  const built = passPercentiles(timed);
  const rss = await settledRssMB();
  let cold: ColdStart | null = null;
  let error: string | undefined;
  if (opts.coldStart ?? true) {
    log(`${name}: cold start`);
    collectGarbage();
    try {
      cold = await measureColdStart(system, factory, queries[0]?.question ?? 'news', k);
    } catch (e) {
      error = `cold start failed: ${e instanceof Error ? e.message : String(e)}`;
      log(`${name}: ${error}`);
    }
  }
  let served: ServeFigures | null = null;
  if (opts.serve && !error) {
    log(`${name}: serving from the persisted index in a fresh process`);
    try {
      served = await measureServing(
        system,
        name,
        opts.serve.script,
        opts.serve.queriesFile,
        k,
        opts.serve.limit,
        passes,
      );
    } catch (e) {
      error = `serving failed: ${e instanceof Error ? e.message : String(e)}`;
      log(`${name}: ${error}`);
    }
  }
  system.close?.();
  const report = (opts.score ?? true) ? scoreRun(queries, run) : undefined;
  const m = (key: keyof Metrics): number | null => (report ? report.overall[key] : null);
  const figures: SystemFigures = {
    name,
    articles: articles.length,
    queries: queries.length,
    'nDCG@10': m('nDCG@10'),
    'R@10': m('R@10'),
    buildMs,
    coldStartMs: served?.coldStartMs ?? cold?.coldStartMs ?? null,
    p50ms: served?.p50ms ?? built.p50ms,
    p99ms: served?.p99ms ?? built.p99ms,
    builtP50ms: built.p50ms,
    builtP99ms: built.p99ms,
    rssMB: served?.rssMB ?? rss,
    buildRssMB: rss,
    memoryColdStartMs: cold?.coldStartMs ?? null,
    serveBaseRssMB: served?.baseRssMB ?? null,
    'R@5': m('R@5'),
    'MRR@10': m('MRR@10'),
    'Hit@10': m('Hit@10'),
    'All@10': m('All@10'),
    meanMs: latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length),
    serializeMs: cold?.serializeMs ?? null,
    serializedMB: cold?.serializedMB ?? null,
    baseRssMB,
    peakRssMB: peakRssMB(),
  };
  if (report) figures.report = report;
  if (error) figures.error = error;
  return figures;
}

// ───────────────────────── child processes ─────────────────────────

/** Where the compiled serving script goes: one level below the project root, like src/. */
const SERVE_BUILD_DIR = fileURLToPath(new URL('../.bench-build/', import.meta.url));

/**
 * Compiles bench/serve.ts to plain JavaScript (esbuild, one chunk per system) so the serving
 * figures come from `node` without a TypeScript loader, as in production. Returns the script path.
 */
export async function buildServeScript(): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [fileURLToPath(new URL('./serve.ts', import.meta.url))],
    outdir: SERVE_BUILD_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return join(SERVE_BUILD_DIR, 'serve.mjs');
}

/**
 * Writes a built system's persisted index to a file once and has `passes` fresh plain-node
 * processes serve it (bench/serve.ts), each answering every question once: cold start, p50 and
 * p99 are the median of theirs, RSS the first one's. Null when the system cannot persist.
 */
export async function measureServing(
  system: PeerSystem,
  name: string,
  script: string,
  queriesFile: string,
  k: number,
  limit?: number,
  passes = 1,
): Promise<ServeFigures | null> {
  if (!system.serialize) return null;
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-serve-'));
  try {
    const data = system.serialize();
    const file = join(dir, typeof data === 'string' ? 'index.txt' : 'index.bin');
    writeFileSync(file, data);
    const serveOnce = (questions: string, times: number) =>
      new Promise<ServeFigures>((resolve, reject) => {
        const child = fork(script, [name, file, queriesFile, String(k), questions, String(times)], {
          execArgv: ['--expose-gc'],
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        child.stdout?.pipe(process.stderr);
        child.stderr?.pipe(process.stderr);
        let result: ServeFigures | null = null;
        child.on('message', (msg) => (result = msg as ServeFigures));
        child.on('error', reject);
        child.on('exit', (code) =>
          result ? resolve(result) : reject(new Error(`serving process for ${name} exited with ${code}`)),
        );
      });
    // Each pass in a process of its own: a pass in the same process would meet the answers, pools
    // and spellings the first one left in a system's caches, and time them instead of new questions.
    const runs: ServeFigures[] = [];
    for (let i = 0; i < passes; i++) runs.push(await serveOnce(limit ? String(limit) : 'all', 1));
    const mid = (f: (r: ServeFigures) => number) => median(runs.map(f));
    return {
      ...runs[0]!,
      coldStartMs: mid((r) => r.coldStartMs),
      p50ms: mid((r) => r.p50ms),
      p99ms: mid((r) => r.p99ms),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI that serves `--child NAME` requests. */
export const BENCH_SCRIPT = fileURLToPath(new URL('./bench.ts', import.meta.url));

/**
 * Runs one system in a fresh child process (`bench.ts --child NAME ...args`,
 * with --expose-gc and the tsx loader) and returns the figures it sends back
 * over IPC. The child's stdout and stderr are forwarded to this process's
 * stderr. Rejects if the child exits without sending figures.
 */
export function runSystemInChild(name: string, args: readonly string[], script = BENCH_SCRIPT): Promise<SystemFigures> {
  const execArgv = process.execArgv.filter((a) => a !== '--expose-gc');
  if (!execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  execArgv.push('--expose-gc');
  return new Promise((resolve, reject) => {
    const child = fork(script, ['--child', name, ...args], {
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(process.stderr);
    child.stderr?.pipe(process.stderr);
    let result: SystemFigures | null = null;
    child.on('message', (msg) => {
      result = msg as SystemFigures;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`bench child for ${name} exited (code ${code}, signal ${signal}) without figures`));
    });
  });
}

// ───────────────────────────── output ─────────────────────────────

export interface ScaleResult {
  factor: number;
  articles: number;
  queries: number;
  /** The same figures as the main run, without the quality metrics (gold is meaningless at scale). */
  systems: Array<
    Pick<SystemFigures, 'name' | 'buildMs' | 'coldStartMs' | 'p50ms' | 'p99ms' | 'rssMB'> & Partial<SystemFigures>
  >;
}

export interface BenchJson {
  systems: Array<
    Pick<SystemFigures, 'name' | 'nDCG@10' | 'R@10' | 'buildMs' | 'coldStartMs' | 'p50ms' | 'p99ms' | 'rssMB'> &
      Partial<SystemFigures>
  >;
  scale: ScaleResult | null;
  comparison: ComparisonRow[];
}

/** One of Newsdesk's figures beside the best peer's from the same run, and its goal. */
export interface ComparisonRow {
  figure: string;
  newsdesk: number | null;
  /** The best peer on this figure: highest for quality, lowest for time and memory. */
  best: { name: string; value: number } | null;
  /** Newsdesk's value over the best peer's. */
  ratio: number | null;
  goal: string;
  /** Null when a figure is missing. */
  met: boolean | null;
}

type Figures = Partial<SystemFigures> & { name: string };

interface Goal {
  figure: string;
  value: (f: Figures) => number | null | undefined;
  higherIsBetter: boolean;
  /** The absolute bound. */
  bound: number;
  /** At most this many times the best peer (time); for quality, above every peer. */
  timesBest?: number;
  decimals: number;
}

/** Newsdesk's goals, as the benchmark issue sets them. */
const GOALS: Goal[] = [
  { figure: 'nDCG@10', value: (f) => f['nDCG@10'], higherIsBetter: true, bound: 0.76, decimals: 4 },
  { figure: 'R@10', value: (f) => f['R@10'], higherIsBetter: true, bound: 0.86, decimals: 4 },
  { figure: 'All@10', value: (f) => f['All@10'], higherIsBetter: true, bound: 0.66, decimals: 4 },
  { figure: 'p99 ms', value: (f) => f.p99ms, higherIsBetter: false, bound: 5, timesBest: 2, decimals: 2 },
  { figure: 'cold start ms', value: (f) => f.coldStartMs, higherIsBetter: false, bound: 300, decimals: 0 },
  { figure: 'RSS MB', value: (f) => f.rssMB, higherIsBetter: false, bound: 150, decimals: 0 },
];
const SCALE_GOAL: Goal = {
  figure: 'p99 ms',
  value: (f) => f.p99ms,
  higherIsBetter: false,
  bound: 25,
  timesBest: 2,
  decimals: 2,
};

const present = (x: number | null | undefined): x is number => x != null && !Number.isNaN(x);

function compareOne(goal: Goal, systems: Figures[], label: string): ComparisonRow {
  const own = systems.find((f) => f.name === 'newsdesk');
  const mine = own && !own.error ? goal.value(own) : null;
  let best: ComparisonRow['best'] = null;
  for (const f of systems) {
    const v = goal.value(f);
    if (isNewsdesk(f.name) || f.error || !present(v)) continue;
    if (!best || (goal.higherIsBetter ? v > best.value : v < best.value)) best = { name: f.name, value: v };
  }
  const ratio = present(mine) && best && best.value !== 0 ? mine / best.value : null;
  const cmp = goal.higherIsBetter ? '≥' : '≤';
  const goalText = goal.higherIsBetter
    ? `${cmp} ${goal.bound} and above every peer`
    : `${cmp} ${goal.bound}${goal.timesBest ? ` and ≤ ${goal.timesBest}× the best peer` : ''}`;
  let met: boolean | null = null;
  if (present(mine)) {
    met = goal.higherIsBetter ? mine >= goal.bound && (!best || mine > best.value) : mine <= goal.bound;
    if (met && goal.timesBest && ratio !== null) met = ratio <= goal.timesBest;
  }
  return {
    figure: label,
    newsdesk: present(mine) ? r2(mine, goal.decimals) : null,
    best: best && { name: best.name, value: r2(best.value, goal.decimals)! },
    ratio: ratio === null ? null : r2(ratio, 2),
    goal: goalText,
    met,
  };
}

/** Newsdesk against the best peer on each goal of the benchmark issue, from this run's figures. */
export function compareWithPeers(main: Figures[], scale: ScaleResult | null): ComparisonRow[] {
  const rows = GOALS.map((g) => compareOne(g, main, g.figure));
  if (scale) rows.push(compareOne(SCALE_GOAL, scale.systems, `${SCALE_GOAL.figure} at ×${scale.factor}`));
  return rows;
}

const r2 = (x: number | null | undefined, d: number): number | null =>
  x == null || Number.isNaN(x) ? null : Number(x.toFixed(d));

/** One system's figures rounded for JSON (metrics 4 d.p., times 0.01 ms or 0.1 ms, MB 0.1). */
export function roundFigures(f: SystemFigures): BenchJson['systems'][number] {
  const o: BenchJson['systems'][number] = {
    name: f.name,
    'nDCG@10': r2(f['nDCG@10'], 4),
    'R@10': r2(f['R@10'], 4),
    buildMs: r2(f.buildMs, 1) ?? Number.NaN,
    coldStartMs: r2(f.coldStartMs, 1),
    p50ms: r2(f.p50ms, 2) ?? Number.NaN,
    p99ms: r2(f.p99ms, 2) ?? Number.NaN,
    rssMB: r2(f.rssMB, 1) ?? Number.NaN,
    'R@5': r2(f['R@5'], 4),
    'MRR@10': r2(f['MRR@10'], 4),
    'Hit@10': r2(f['Hit@10'], 4),
    'All@10': r2(f['All@10'], 4),
    meanMs: r2(f.meanMs, 2) ?? Number.NaN,
    serializedMB: r2(f.serializedMB, 1),
    memoryColdStartMs: r2(f.memoryColdStartMs, 1),
    builtP50ms: r2(f.builtP50ms, 2) ?? Number.NaN,
    builtP99ms: r2(f.builtP99ms, 2) ?? Number.NaN,
    serveBaseRssMB: r2(f.serveBaseRssMB, 1),
    buildRssMB: r2(f.buildRssMB, 1) ?? Number.NaN,
    baseRssMB: r2(f.baseRssMB, 1) ?? Number.NaN,
    peakRssMB: r2(f.peakRssMB, 1) ?? Number.NaN,
    articles: f.articles,
    queries: f.queries,
  };
  if (f.error) o.error = f.error;
  return o;
}

/** The JSON object of a bench run. */
export function benchJson(main: SystemFigures[], scale: ScaleResult | null): BenchJson {
  return { systems: main.map(roundFigures), scale, comparison: compareWithPeers(main, scale) };
}

const cell = (x: number | null | undefined, d: number): string => (x == null || Number.isNaN(x) ? '–' : x.toFixed(d));

/** Markdown tables for people. */
export function formatBenchTables(main: SystemFigures[], scale: ScaleResult | null): string {
  const out: string[] = [];
  const n = main[0];
  out.push(`## Quality and speed (${n?.articles ?? 0} articles, ${n?.queries ?? 0} questions, k = 10)`, '');
  out.push(
    '| system | nDCG@10 | R@10 | R@5 | MRR@10 | All@10 | build ms | cold start ms | index MB | p50 ms | p99 ms | p99 ms as built | RSS MB | serving base MB | build RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const f of main) {
    out.push(
      `| ${f.name}${f.error ? ` (error: ${f.error})` : ''} | ${cell(f['nDCG@10'], 4)} | ${cell(f['R@10'], 4)} | ${cell(f['R@5'], 4)} | ${cell(f['MRR@10'], 4)} | ${cell(f['All@10'], 4)} | ${cell(f.buildMs, 0)} | ${cell(f.coldStartMs, 0)} | ${cell(f.serializedMB, 1)} | ${cell(f.p50ms, 2)} | ${cell(f.p99ms, 2)} | ${cell(f.builtP99ms, 2)} | ${cell(f.rssMB, 0)} | ${cell(f.serveBaseRssMB, 0)} | ${cell(f.buildRssMB, 0)} |`,
    );
  }
  out.push(
    '',
    "Serving: a fresh plain-node process (bench/serve.ts, compiled) reads the persisted index from disk and answers the first question (cold start), then every question once; three such processes (--passes): cold start, p50 and p99 are the median of theirs (no pass meets an earlier pass's caches); RSS after GC, the first's. That is a restarted bot. p99 as built: the same three passes, after 5 warm-up questions, in the process that built the index. Serving base: the serving process before reading the index (runtime, library, questions). Build RSS: the building process after all questions. Index MB: size of the persisted form. A system that cannot persist is timed where it was built.",
  );
  if (scale) {
    out.push(
      '',
      `## Scale: corpus ×${scale.factor} (${scale.articles} articles, ${scale.queries} questions; latency and memory only)`,
      '',
    );
    out.push(
      '| system | build ms | cold start ms | index MB | p50 ms | p99 ms | p99 ms as built | RSS MB | serving base MB | build RSS MB |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const f of scale.systems) {
      out.push(
        `| ${f.name}${f.error ? ` (error: ${f.error})` : ''} | ${cell(f.buildMs, 0)} | ${cell(f.coldStartMs, 0)} | ${cell(f.serializedMB, 1)} | ${cell(f.p50ms, 2)} | ${cell(f.p99ms, 2)} | ${cell(f.builtP99ms, 2)} | ${cell(f.rssMB, 0)} | ${cell(f.serveBaseRssMB, 0)} | ${cell(f.buildRssMB, 0)} |`,
      );
    }
  }
  const rows = compareWithPeers(main, scale);
  if (rows.some((r) => r.best)) {
    out.push(
      '',
      '## Newsdesk against the best peer (this run)',
      '',
      '| figure | newsdesk | best peer | ratio | goal | met |',
      '|---|---|---|---|---|---|',
    );
    for (const r of rows) {
      const met = r.met === null ? '–' : r.met ? 'yes' : 'no';
      out.push(
        `| ${r.figure} | ${r.newsdesk ?? '–'} | ${r.best ? `${r.best.value} (${r.best.name})` : '–'} | ${r.ratio === null ? '–' : `${r.ratio}×`} | ${r.goal} | ${met} |`,
      );
    }
  }
  return out.join('\n') + '\n';
}
