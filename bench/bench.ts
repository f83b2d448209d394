/**
 * `npm run bench -- --corpus FILE --queries FILE [--json] [--systems a,b]
 *                   [--limit N] [--no-scale] [--scale-factor N]
 *                   [--scale-queries N] [--k N] [--passes N] [--in-process]
 *                   [--discord-questions N] [--no-discord]
 *                   [--live-scales 1,10] [--no-live]`
 *
 * Runs each system in its own child process (build, cold start, all queries,
 * scoring, RSS), then the same at 10× corpus size for latency and memory, then
 * the bot on the local Discord double: INTERACTION_CREATE → first response, and the live
 * archive (an article added while /ask traffic runs; see live.ts).
 * Prints Markdown tables, or with --json one JSON object on stdout
 * (progress always goes to stderr).
 */
import { UsageError, callerPath, parseFlags, runCommand } from '../src/commandLine.js';
import { pathToFileURL } from 'node:url';
import {
  benchJson,
  buildServeScript,
  roundFigures,
  formatBenchTables,
  loadCorpus,
  loadQueries,
  measureSystem,
  replicateCorpus,
  runSystemInChild,
  type ScaleResult,
  type SystemFigures,
} from './harness.js';
import { DEFAULT_SYSTEMS, loadSystem, SYSTEMS } from './peers/index.js';
import { tuneRuntime } from '../src/runtime.js';
import {
  formatDiscordLatency,
  measureInteractionLatency,
  roundLatency,
  type InteractionLatency,
} from './discord-latency.js';
import { formatLive, measureLive, readRecords, type LiveFigures } from './live.js';
import { measureShardedLive } from './liveShards.js';

/** /ask questions sent through the Discord double for the interaction latency. */
const DEFAULT_DISCORD_QUESTIONS = 300;

/** Questions timed at 10× scale (keeps the whole bench under ~5 min). */
const DEFAULT_SCALE_QUERIES = 100;

const USAGE = `usage: npm run bench -- --corpus FILE --queries FILE [options]
  --corpus FILE        corpus.jsonl (one article per line: id, title, body, ...)
  --queries FILE       queries.jsonl (id, question, type, gold)
  --json               print one JSON object on stdout instead of tables
  --systems a,b        systems to run (default: ${DEFAULT_SYSTEMS.join(',')};
                       also: ${Object.keys(SYSTEMS)
                         .filter((n) => !DEFAULT_SYSTEMS.includes(n))
                         .join(',')})
  --limit N            only the first N questions
  --no-scale           skip the 10x-corpus run
  --scale-factor N     corpus replication factor for the scale run (default 10)
  --scale-queries N    questions timed in the scale run (default ${DEFAULT_SCALE_QUERIES})
  --k N                articles per question (default 10)
  --passes N           timed passes over the questions and fresh processes for cold start;
                       p50, p99 and cold start are the median of them (default 3)
  --in-process         run all systems in this process (RSS figures polluted)
  --discord-questions N  /ask questions sent through the Discord double (default ${DEFAULT_DISCORD_QUESTIONS})
  --no-discord         skip the Discord latency run
  --live-scales 1,10   corpus factors of the live-archive run (an article added during /ask traffic)
  --no-live            skip the live-archive run
  -h, --help           this help
`;

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

function parse(argv: string[]) {
  return parseFlags({
    args: argv,
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      json: { type: 'boolean', default: false },
      systems: { type: 'string' },
      limit: { type: 'string' },
      'no-scale': { type: 'boolean', default: false },
      'no-discord': { type: 'boolean', default: false },
      'live-scales': { type: 'string' },
      'no-live': { type: 'boolean', default: false },
      'discord-questions': { type: 'string' },
      'scale-factor': { type: 'string' },
      'scale-queries': { type: 'string' },
      k: { type: 'string' },
      passes: { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      // internal: run one system and send figures to the parent
      child: { type: 'string' },
      'child-scale': { type: 'boolean', default: false },
      'serve-script': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

type Opts = ReturnType<typeof parse>;

function posInt(s: string | undefined, dflt: number | undefined, flag: string): number | undefined {
  if (s === undefined) return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got "${s}"`);
  return n;
}

/** The corpus factors of the live run (default 1 and 10). */
function liveScales(o: Opts): number[] {
  return (o['live-scales'] ?? '1,10').split(',').map((s) => posInt(s.trim(), undefined, '--live-scales')!);
}

/** Runs one system in this process, in the main or the scale setting. */
async function measureOne(name: string, o: Opts, scale: boolean): Promise<SystemFigures> {
  const k = posInt(o.k, 10, '--k')!;
  let articles = loadCorpus(o.corpus!);
  let queries = loadQueries(o.queries!);
  if (scale) {
    articles = replicateCorpus(articles, posInt(o['scale-factor'], 10, '--scale-factor')!);
    queries = queries.slice(0, posInt(o['scale-queries'], DEFAULT_SCALE_QUERIES, '--scale-queries'));
  } else {
    const limit = posInt(o.limit, undefined, '--limit');
    if (limit !== undefined) queries = queries.slice(0, limit);
  }
  const limit = scale
    ? posInt(o['scale-queries'], DEFAULT_SCALE_QUERIES, '--scale-queries')
    : posInt(o.limit, undefined, '--limit');
  return measureSystem(name, await loadSystem(name), articles, queries, {
    k,
    passes: posInt(o.passes, 3, '--passes')!,
    score: !scale,
    ...(o['serve-script']
      ? { serve: { script: o['serve-script'], queriesFile: o.queries!, ...(limit ? { limit } : {}) } }
      : {}),
    log: (m) => log(scale ? `[scale] ${m}` : m),
  });
}

/** Arguments forwarded to a child. */
function childArgs(o: Opts, scale: boolean): string[] {
  const a = ['--corpus', o.corpus!, '--queries', o.queries!];
  for (const key of ['limit', 'scale-factor', 'scale-queries', 'k', 'passes', 'serve-script'] as const) {
    if (o[key] !== undefined) a.push(`--${key}`, o[key]!);
  }
  if (scale) a.push('--child-scale');
  return a;
}

async function runOne(name: string, o: Opts, scale: boolean): Promise<SystemFigures> {
  try {
    return o['in-process'] ? await measureOne(name, o, scale) : await runSystemInChild(name, childArgs(o, scale));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`${name}${scale ? ' [scale]' : ''} failed: ${error}`);
    const nan = Number.NaN;
    return {
      name,
      articles: 0,
      queries: 0,
      'nDCG@10': null,
      'R@10': null,
      buildMs: nan,
      coldStartMs: null,
      p50ms: nan,
      p99ms: nan,
      rssMB: nan,
      buildRssMB: nan,
      memoryColdStartMs: null,
      builtP50ms: nan,
      builtP99ms: nan,
      serveBaseRssMB: null,
      'R@5': null,
      'MRR@10': null,
      'Hit@10': null,
      'All@10': null,
      meanMs: nan,
      serializeMs: null,
      serializedMB: null,
      baseRssMB: nan,
      peakRssMB: nan,
      error,
    };
  }
}

export async function main(argv: string[]): Promise<number> {
  const o: Opts = parse(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!o.corpus || !o.queries) throw new UsageError('give --corpus and --queries (see --help)');
  // Paths are the caller's, not the package root's (npm runs scripts from the root).
  o.corpus = callerPath(o.corpus);
  o.queries = callerPath(o.queries);

  // Every system, and the bot on the Discord double, under the runtime settings the bot runs with.
  tuneRuntime();
  if (o.child) {
    // Child mode: one system, figures back to the parent over IPC.
    const figures = await measureOne(o.child, o, o['child-scale']);
    if (process.send) {
      await new Promise<void>((res) => process.send!(figures, () => res()));
      process.disconnect?.();
    } else process.stdout.write(JSON.stringify(figures) + '\n');
    return 0;
  }

  let names: string[];
  try {
    names = o.systems
      ? o.systems
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : DEFAULT_SYSTEMS;
    for (const name of names) if (!SYSTEMS[name]) throw new Error(`unknown system "${name}"`);
    posInt(o.limit, undefined, '--limit');
    posInt(o.k, 10, '--k');
    posInt(o['scale-factor'], 10, '--scale-factor');
    posInt(o['scale-queries'], DEFAULT_SCALE_QUERIES, '--scale-queries');
    posInt(o['discord-questions'], DEFAULT_DISCORD_QUESTIONS, '--discord-questions');
    liveScales(o);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }

  const t0 = performance.now();
  // Cold start and RSS come from a compiled serving process (bench/serve.ts) per system.
  o['serve-script'] = await buildServeScript();
  const mainFigures: SystemFigures[] = [];
  for (const name of names) {
    const f = await runOne(name, o, false);
    mainFigures.push(f);
    log(
      `${name}: nDCG@10 ${f['nDCG@10']?.toFixed(4)} R@10 ${f['R@10']?.toFixed(4)} build ${f.buildMs.toFixed(0)} ms, cold ${f.coldStartMs?.toFixed(0) ?? '–'} ms, p50 ${f.p50ms.toFixed(2)} ms, p99 ${f.p99ms.toFixed(2)} ms, RSS ${f.rssMB.toFixed(0)} MB`,
    );
  }

  let scale: ScaleResult | null = null;
  if (!o['no-scale']) {
    const scaleFigures: SystemFigures[] = [];
    for (const name of names) {
      const f = await runOne(name, o, true);
      scaleFigures.push(f);
      log(
        `[scale] ${name}: build ${f.buildMs.toFixed(0)} ms, cold ${f.coldStartMs?.toFixed(0) ?? '–'} ms, p50 ${f.p50ms.toFixed(2)} ms, p99 ${f.p99ms.toFixed(2)} ms, RSS ${f.rssMB.toFixed(0)} MB`,
      );
    }
    const first = scaleFigures.find((f) => !f.error) ?? scaleFigures[0];
    scale = {
      factor: posInt(o['scale-factor'], 10, '--scale-factor')!,
      articles: first?.articles ?? 0,
      queries: first?.queries ?? 0,
      systems: scaleFigures.map((f) => {
        const {
          'nDCG@10': _n,
          'R@10': _r,
          'R@5': _r5,
          'MRR@10': _m,
          'Hit@10': _h,
          'All@10': _a,
          ...rest
        } = roundFigures(f);
        return rest;
      }),
    };
  }
  let discord: InteractionLatency | null = null;
  if (!o['no-discord']) {
    const n = posInt(o['discord-questions'], DEFAULT_DISCORD_QUESTIONS, '--discord-questions')!;
    const questions = loadQueries(o.queries)
      .slice(0, n)
      .map((q) => q.question);
    discord = await measureInteractionLatency(o.corpus, questions);
    log(
      `discord: INTERACTION_CREATE → first response over ${discord.n} /ask: p50 ${discord.p50ms.toFixed(2)} ms, p99 ${discord.p99ms.toFixed(2)} ms`,
    );
  }
  const live: LiveFigures[] = [];
  if (!o['no-live']) {
    const questions = loadQueries(o.queries)
      .slice(0, 200)
      .map((q) => q.question);
    const records = readRecords(o.corpus);
    // Every case: each scale on both backends, in one process (the add, then the full rebuild)
    // and with SHARDS=2 (the bot as src/main.ts runs it: a manager and two shard processes).
    for (const factor of liveScales(o)) {
      for (const backend of ['memory', 'sqlite'] as const) {
        for (const f of await measureLive(records, factor, questions, log, backend)) {
          live.push(f);
          log(
            `live ${factor}x ${backend} ${f.event}: added article answerable after ${f.addToAnswerableMs ?? '–'} ms, longest stall ${f.maxLoopStallMs} ms (own CPU ${f.maxLoopCpuMs ?? '–'} ms), ${f.lostInteractions} of ${f.interactions} /ask lost (load ${f.load})`,
          );
        }
        for (const f of await measureShardedLive(records, factor, questions, log, backend)) {
          live.push(f);
          log(
            `live ${factor}x ${backend} SHARDS=2 ${f.event}: added article answerable after ${f.addToAnswerableMs ?? '–'} ms in both shards, longest stall ${f.maxLoopStallMs ?? '–'} ms (own CPU ${f.maxLoopCpuMs ?? '–'} ms), slowest first response ${f.maxFirstResponseMs} ms, ${f.lostInteractions} of ${f.interactions} /ask lost (load ${f.load})`,
          );
        }
      }
    }
  }
  log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  if (o.json)
    process.stdout.write(
      JSON.stringify({ ...benchJson(mainFigures, scale), discord: discord && roundLatency(discord), live }, null, 2) +
        '\n',
    );
  else process.stdout.write(formatBenchTables(mainFigures, scale) + formatDiscordLatency(discord) + formatLive(live));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runCommand('bench', () => main(process.argv.slice(2)));
}
