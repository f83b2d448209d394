/**
 * The live archive under load: the bot on the local Discord double (real discord.js client, the
 * bot's own handlers) gets an /ask every 250 ms while one article is added to a corpus of one JSON
 * file per article (replicated `scale` times under new ids), on the memory backend or, with
 * `SEARCH_BACKEND=sqlite`, the sqlite one. Two events, each with its own figures: the add (the new
 * file taken in as the watcher's delta, then LIVE_EVENT_MS of traffic) and the full rebuild that
 * follows (in the index worker, then loaded in slices; the sqlite backend has none: every file's
 * stamp checked, as /admin reindex does), traffic until it too had LIVE_EVENT_MS of it. Reports how soon the added article is the first answer
 * to a question about it, the longest event-loop stall (perf_hooks.monitorEventLoopDelay; on Linux
 * also the serving thread's own CPU between two 10 ms ticks, which a busy machine's other
 * processes do not inflate), the /ask that Discord would have lost (no response within its 3 s),
 * and the load average beside them.
 *
 * `LIVE_TRACE=1` writes to stderr each loop stall over 50 ms (wall and the thread's own CPU) and
 * each call of the sqlite archive or the answer path over 20 ms, with the same two figures: a
 * stall whose CPU is low waited (on the disk, or on the machine's other processes).
 */
import { mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadCpuClock } from '../src/loopMonitor.js';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { Archive } from '../src/archive.js';
import { answerQuestion } from '../src/core/answer.js';
import { attachHandlers, createClient } from '../src/discord/bot.js';
import { Store } from '../src/store/store.js';
import { StoredArchive } from '../src/storedArchive.js';
import { SqliteArchive } from '../src/search/sqlite.js';
import { StoredIndex } from '../src/core/storedIndex.js';
import { startDiscordDouble, type InteractionRecord } from '../tests/discord/double/server.js';

/** One event of a live run: an article added (taken in as a delta), or the full rebuild that follows. */
export interface LiveFigures {
  scale: number;
  backend: 'memory' | 'sqlite';
  shards: number;
  /**
   * add: the new file taken in as the watcher's delta does (no rebuild meanwhile), /ask traffic
   * for LIVE_EVENT_MS after it; rebuild: the full rebuild that follows a change (the sqlite
   * backend: /admin reindex, every file's stamp checked). SHARDS=2 (liveShards.ts): the add lasts
   * until the manager's rebuild is done, the rebuild is the shards taking it in, one at a time.
   */
  event: 'add' | 'rebuild';
  articles: number;
  /** From writing the new file to the archive answering a question about it with it first (add events). */
  addToAnswerableMs: number | null;
  /** How long the event's own work ran (the delta, or the rebuild to its swap). */
  eventMs: number | null;
  /** perf_hooks.monitorEventLoopDelay's longest delay over the event (SHARDS=2: the worst shard's, from its log). */
  maxLoopStallMs: number | null;
  /** The serving thread's own CPU between two ticks (null where /proc/thread-self/schedstat is missing). */
  maxLoopCpuMs: number | null;
  /** The slowest first response to an /ask over the event (of those answered: the others are lost). */
  maxFirstResponseMs: number;
  interactions: number;
  lostInteractions: number;
  /** The 1-minute load average when the event ended (2 cores: above 2, stalls are inflated by other processes). */
  load: number;
}

/** How long /ask traffic runs after an added article (at one every 250 ms: 180 interactions). */
export const LIVE_EVENT_MS = 45_000;

/** The article added, with words no MultiHop-RAG article has, and the question that finds it. */
export const ADDED = {
  id: 'live-added-article',
  title: 'Zorblax festival opens in Quillmoor',
  body: 'The zorblax festival opened in Quillmoor on Saturday. Organisers said twelve thousand visitors came to see the glass boats.',
  source: 'Live Bench',
  published: '2024-01-06T10:00:00Z',
};
export const ADDED_QUESTION = 'Where did the zorblax festival open?';

export type CorpusRecord = Record<string, unknown> & { id: string };

/** Reads a corpus.jsonl (id, title, body, …). */
export function readRecords(path: string): CorpusRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRecord);
}

/** Writes one JSON file per article into `corpus`, the records replicated `scale` times under new ids. */
export function writeScaledCorpus(records: readonly CorpusRecord[], scale: number, corpus: string): void {
  mkdirSync(corpus, { recursive: true });
  for (let k = 0; k < scale; k++) {
    for (const r of records) {
      const id = k === 0 ? r.id : `${r.id}-x${k}`;
      writeFileSync(join(corpus, `${id}.json`), JSON.stringify({ ...r, id }));
    }
  }
}

/**
 * The serving thread's CPU and run-queue wait in ms (/proc/thread-self/schedstat, read through one
 * descriptor: the tracer reads it around every call). A wall time that is neither waited on the disk or a lock.
 */
function threadSchedule(): () => [cpu: number, queued: number] {
  const fd = openSync('/proc/thread-self/schedstat', 'r');
  const buf = Buffer.alloc(128);
  return () => {
    const [cpu, queued] = buf.toString('latin1', 0, readSync(fd, buf, 0, 128, 0)).split(' ');
    return [Number(cpu) / 1e6, Number(queued) / 1e6];
  };
}

/**
 * Logs each call of `proto`'s methods named over 20 ms (LIVE_TRACE): its wall, the thread's CPU
 * and its time waiting for a core (the rest of the wall it was blocked: the disk, a lock).
 */
function traceSlowCalls(proto: object, name: string, keys: readonly string[], log: (m: string) => void): void {
  const sched = threadSchedule();
  const methods = proto as Record<string, unknown>;
  for (const key of keys) {
    const f = methods[key];
    if (typeof f !== 'function') throw new Error(`no method ${name}.${key}`);
    methods[key] = function (this: unknown, ...args: unknown[]) {
      const w = performance.now();
      const [c, q] = sched();
      try {
        return (f as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        const wall = performance.now() - w;
        if (wall > 20) {
          const [c2, q2] = sched();
          log(
            `slow ${name}.${key}: wall ${wall.toFixed(1)} ms, cpu ${(c2 - c).toFixed(1)}, queued ${(q2 - q).toFixed(1)}`,
          );
        }
      }
    };
  }
}

/** An /ask lost as Discord would lose it: no response within its 3 s, or the token gone. */
export const lostAsk = (r: Pick<InteractionRecord, 'firstResponseMs' | 'statuses'>): boolean =>
  r.firstResponseMs === undefined || r.firstResponseMs > 3000 || r.statuses.includes(404);

/**
 * Adds one article to a `scale`× corpus while the bot answers /ask on the double, then rebuilds;
 * see the top of this file. Two figures: the add, then the rebuild.
 */
export async function measureLive(
  records: readonly CorpusRecord[],
  scale: number,
  questions: readonly string[],
  log: (m: string) => void = () => {},
  backend: 'memory' | 'sqlite' = 'memory',
): Promise<LiveFigures[]> {
  const trace = process.env.LIVE_TRACE ? (m: string) => process.stderr.write(`${m}\n`) : undefined;
  if (trace) {
    const sqlite = [
      'replaceFile',
      'add',
      'sync',
      'files',
      'pool',
      'term',
      'article',
      'meta',
      'passage',
      'similarTerms',
    ];
    traceSlowCalls(SqliteArchive.prototype, 'SqliteArchive', sqlite, trace);
    traceSlowCalls(StoredIndex.prototype, 'StoredIndex', ['parseQuery', 'rank'], trace);
  }
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-live-'));
  const corpus = join(dir, 'corpus');
  writeScaledCorpus(records, scale, corpus);
  const discord = await startDiscordDouble();
  const store = new Store({ path: ':memory:' });
  let archive: Archive | StoredArchive | null = null;
  const client = createClient({
    rest: { api: discord.apiBase },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
  });
  try {
    const opened = performance.now();
    archive =
      backend === 'sqlite'
        ? await StoredArchive.open({ corpus, path: join(dir, 'archive.sqlite') })
        : await Archive.open({ corpus, indexPath: join(dir, 'index.bin') });
    const live = archive;
    // As the bot does when it watches the corpus: the delta's parse thread is started before any change.
    await live.warm();
    const held = (): number => (live instanceof Archive ? live.index.articles.length : live.index.held().articles);
    log(`live ${scale}x ${backend}: ${held()} articles opened in ${Math.round(performance.now() - opened)} ms`);
    attachHandlers(client, {
      index: () => live.index,
      reindex: () => Promise.reject(new Error('not in the benchmark')),
      logger: pino({ level: 'silent' }),
      store,
      answerResults: 3,
      rateLimit: { questions: 1_000_000, windowMs: 1000 },
    });
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    await client.login('bench-token');
    await ready;

    const sent: InteractionRecord[] = [];
    let q = 0;
    const traffic = setInterval(() => {
      const question = questions[q++ % questions.length]!;
      sent.push(
        discord.runSlashCommand('ask', [
          { type: ApplicationCommandOptionType.String, name: 'question', value: question.slice(0, 1000) },
        ]),
      );
    }, 250);
    const cpu = threadCpuClock() ?? (() => NaN);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const sched = trace ? threadSchedule() : () => [NaN, NaN];
    let lastQueued = sched()[1]!;
    const processCpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let lastProcess = processCpu();
    let lastCpu = cpu();
    let lastTick = performance.now();
    let maxCpu = 0;
    const tick = setInterval(() => {
      const now = cpu();
      maxCpu = Math.max(maxCpu, now - lastCpu);
      const at = performance.now();
      const queued = sched()[1]!;
      const all = processCpu();
      // The process's other threads' CPU meanwhile (GC helpers, the parse thread, libuv's pool): rivals for the 2 cores too.
      if (trace && at - lastTick > 60)
        trace(
          `stall: wall ${(at - lastTick - 10).toFixed(0)} ms, cpu ${(now - lastCpu).toFixed(1)}, queued ${(queued - lastQueued).toFixed(1)}, other threads ${(all - lastProcess - (now - lastCpu)).toFixed(1)}`,
        );
      lastQueued = queued;
      lastProcess = all;
      lastCpu = now;
      lastTick = at;
    }, 10);
    /** The figures of the /ask sent since `from` (an index into sent) once they are answered. */
    const window = async (from: number): Promise<Omit<LiveFigures, 'event' | 'addToAnswerableMs' | 'eventMs'>> => {
      const asked = sent.slice(from);
      await discord
        .waitFor(
          () => asked.every((r) => r.statuses.length > 0 || performance.now() - r.dispatchedAt > 4000),
          15_000,
          'the last answers',
        )
        .catch(() => {});
      const figures = {
        scale,
        backend,
        shards: 1,
        articles: held(),
        maxLoopStallMs: Math.round(delay.max / 1e6),
        maxLoopCpuMs: Number.isNaN(maxCpu) ? null : Math.round(maxCpu),
        maxFirstResponseMs: Math.round(Math.max(0, ...asked.map((r) => r.firstResponseMs ?? 0))),
        interactions: asked.length,
        lostInteractions: asked.filter(lostAsk).length,
        load: Math.round(loadavg()[0]! * 100) / 100,
      };
      delay.reset();
      maxCpu = 0;
      return figures;
    };
    delay.enable();
    // A second of traffic before the change, so a stall at its start shows.
    await new Promise((r) => setTimeout(r, 1000));
    delay.reset();
    maxCpu = 0;

    // The add: the new file taken in as the watcher's delta (named, as the watcher names what it saw change).
    let from = sent.length;
    const added = performance.now();
    trace?.('-- add');
    writeFileSync(join(corpus, `${ADDED.id}.json`), JSON.stringify(ADDED));
    const update = live.update([`${ADDED.id}.json`]);
    let addToAnswerableMs: number | null = null;
    while (addToAnswerableMs === null && performance.now() - added < 120_000) {
      if (answerQuestion(live.index, ADDED_QUESTION, { k: 3 }).results[0]?.articleId === ADDED.id)
        addToAnswerableMs = Math.round(performance.now() - added);
      else await new Promise((r) => setTimeout(r, 10));
    }
    await update;
    const deltaMs = Math.round(performance.now() - added);
    await new Promise((r) => setTimeout(r, Math.max(0, LIVE_EVENT_MS - (performance.now() - added))));
    const add: LiveFigures = { ...(await window(from)), event: 'add', addToAnswerableMs, eventMs: deltaMs };
    log(`live ${scale}x ${backend} add: ${JSON.stringify(add)}`);

    // The full rebuild the change calls for (the watcher starts it once changes settle).
    from = sent.length;
    trace?.('-- rebuild');
    const rebuildStarted = performance.now();
    await live.reindex([]);
    const rebuildMs = Math.round(performance.now() - rebuildStarted);
    // The rebuilt index must answer it too; then traffic until the event has had LIVE_EVENT_MS of
    // it (a second at least), as the add: a sqlite "rebuild" takes a second, which gave 5-9 /ask.
    if (answerQuestion(live.index, ADDED_QUESTION, { k: 3 }).results[0]?.articleId !== ADDED.id)
      add.addToAnswerableMs = null;
    await new Promise((r) => setTimeout(r, Math.max(1000, LIVE_EVENT_MS - rebuildMs)));
    clearInterval(traffic);
    const rebuild: LiveFigures = {
      ...(await window(from)),
      event: 'rebuild',
      addToAnswerableMs: null,
      eventMs: rebuildMs,
    };
    log(`live ${scale}x ${backend} rebuild: ${JSON.stringify(rebuild)}`);
    delay.disable();
    clearInterval(tick);
    return [add, rebuild];
  } finally {
    await client.destroy();
    await discord.close();
    await archive?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The live section of the bench tables (empty when the run was skipped). */
export function formatLive(figures: readonly LiveFigures[]): string {
  if (figures.length === 0) return '';
  const or = (n: number | null) => (n === null ? '–' : String(n));
  return [
    '',
    '## Live archive: one article added, then the full rebuild, during /ask traffic (every 250 ms) on the Discord double',
    '',
    '| scale | backend | shards | event | articles | added → answerable ms | event ms | longest stall ms | own CPU ms | slowest first response ms | /ask | lost | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...figures.map(
      (f) =>
        `| ${f.scale}× | ${f.backend} | ${f.shards} | ${f.event} | ${f.articles} | ${or(f.addToAnswerableMs)} | ${or(f.eventMs)} | ${or(f.maxLoopStallMs)} | ${or(f.maxLoopCpuMs)} | ${f.maxFirstResponseMs} | ${f.interactions} | ${f.lostInteractions} | ${f.load} |`,
    ),
    '',
  ].join('\n');
}

/**
 * The command line of the live benches (this file and liveShards.ts): `--corpus corpus.jsonl
 * --queries queries.jsonl [--scale-factor N]`, the data's paths required (it is not in the
 * repository). Exits with 2 and one line when they are missing.
 */
export async function liveArgs(
  script: string,
): Promise<{ records: CorpusRecord[]; scale: number; questions: string[] }> {
  const { parseArgs } = await import('node:util');
  const usage = (): never => {
    process.stderr.write(
      `usage: npx tsx bench/${script} --corpus corpus.jsonl --queries queries.jsonl [--scale-factor N]\n`,
    );
    process.exit(2);
  };
  let values: { corpus?: string; queries?: string; 'scale-factor'?: string };
  try {
    ({ values } = parseArgs({
      options: {
        corpus: { type: 'string' },
        queries: { type: 'string' },
        'scale-factor': { type: 'string', default: '1' },
      },
    }));
  } catch {
    // An unknown option (--help among them): the usage line, not a stack trace.
    return usage();
  }
  const scale = Number(values['scale-factor']);
  if (!values.corpus || !values.queries || !Number.isInteger(scale) || scale < 1) return usage();
  const questions = readRecords(values.queries)
    .slice(0, 200)
    .map((q) => String(q.question ?? q.query));
  return { records: readRecords(values.corpus), scale, questions };
}

/** `npx tsx bench/live.ts --corpus corpus.jsonl --queries queries.jsonl [--scale-factor N]`: one live run, JSON on stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { records, scale, questions } = await liveArgs('live.ts');
  const backend = process.env.SEARCH_BACKEND === 'sqlite' ? 'sqlite' : 'memory';
  const figures = await measureLive(records, scale, questions, (m) => process.stderr.write(`${m}\n`), backend);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
