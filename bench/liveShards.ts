/**
 * The live archive with SHARDS=2: the bot runs as it does in production (src/main.ts: a shard
 * manager and two shard processes) against the local Discord double, with one guild on each
 * shard. Once both shards have warmed up, /ask goes to the two guilds in turn every 250 ms while
 * one article is added to the corpus: the manager's watcher forwards the change to both shards (a
 * delta each), rebuilds in its index worker and tells them to reload, one at a time. Two events,
 * as live.ts reports them: the add (until the manager's rebuild is done) and the rebuild (the
 * shards loading it, and traffic to at least LIVE_EVENT_MS after its start). Reports per shard
 * and over both: how soon the added article is the first answer in that shard's guild, the
 * longest event-loop stall the shard logged (at LOG_LEVEL=debug each serving process logs its
 * loop's longest delay and own CPU every second: src/loopMonitor.ts), the slowest first response
 * and the /ask Discord would have lost (no response within its 3 s). `SEARCH_BACKEND=sqlite` in
 * the environment runs the sqlite backend: the manager writes the archive file, the shards read
 * it (no delta or reload of their own; "reload" is then both shards recording the new article).
 * `LIVE_TRACE=1` also writes the slow /ask and the processes' log lines around the change to stderr;
 * `LIVE_QUIET_MS` is how long /ask traffic runs before the change (5 s unless given).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import { shardOf, startDiscordDouble, type InteractionRecord } from '../tests/discord/double/server.js';
import { nodeCommand } from '../tests/setup/tsx.js';
import { loadavg } from 'node:os';
import {
  ADDED,
  ADDED_QUESTION,
  LIVE_EVENT_MS,
  liveArgs,
  lostAsk,
  writeScaledCorpus,
  type CorpusRecord,
  type LiveFigures,
} from './live.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'s'.repeat(38)}`;

/** One shard's figures over one event of a sharded run. */
export interface ShardFigures {
  shard: number;
  /** From writing the new file to this shard's guild answering with it first (the add). */
  addToAnswerableMs: number | null;
  /** From writing the new file to this shard logging the delta taken in (forwarded by the manager; the add). */
  deltaMs: number | null;
  /** The longest event-loop delay the shard logged over the event (its debug 'event loop' lines). */
  maxLoopStallMs: number | null;
  /** The shard's serving thread's longest own-CPU tick over the event (null where it has no such clock). */
  maxLoopCpuMs: number | null;
  /** The slowest first response to an /ask in its guild over the event (of those answered: the others are lost). */
  maxFirstResponseMs: number;
  interactions: number;
  lostInteractions: number;
}

/** One event of a sharded run: live.ts's figures over both shards (the worst of them), and each shard's own. */
export type ShardedLiveFigures = LiveFigures & { perShard: ShardFigures[] };

/** A shard's log line as the bench reads it (pino's JSON). */
export interface LogLine {
  msg?: string;
  shard?: number | string;
  /** Date.now() when it was logged. */
  time?: number;
  maxDelayMs?: number;
  maxCpuMs?: number | null;
}

/** An /ask sent during the run, and the shard whose guild it went to. */
export interface SentAsk {
  shard: number;
  rec: Pick<InteractionRecord, 'dispatchedAt' | 'firstResponseMs' | 'statuses'>;
}

/**
 * Each shard's figures over one event, from `from` to `to` (ms on the bench's performance.now()
 * clock; `offset` turns a log line's Date.now() into it): the /ask dispatched in it, and the
 * shard's 'event loop' lines logged in it or within a report interval after `to` (a line covers
 * the second before it was logged).
 */
export function shardWindow(
  lines: readonly LogLine[],
  sent: readonly SentAsk[],
  shard: number,
  window: { from: number; to: number; offset: number; reportMs?: number },
): Omit<ShardFigures, 'addToAnswerableMs' | 'deltaMs'> {
  const { from, to, offset, reportMs = 1000 } = window;
  const asked = sent.filter((x) => x.shard === shard && x.rec.dispatchedAt >= from && x.rec.dispatchedAt < to);
  const loop = lines.filter((l) => {
    if (l.msg !== 'event loop' || l.shard !== shard || l.time === undefined) return false;
    const at = l.time - offset;
    return at > from && at <= to + reportMs;
  });
  const cpu = loop.flatMap((l) => (typeof l.maxCpuMs === 'number' ? [l.maxCpuMs] : []));
  return {
    shard,
    maxLoopStallMs: loop.length === 0 ? null : Math.max(...loop.map((l) => l.maxDelayMs ?? 0)),
    maxLoopCpuMs: cpu.length === 0 ? null : Math.max(...cpu),
    maxFirstResponseMs: Math.round(Math.max(0, ...asked.map((x) => x.rec.firstResponseMs ?? 0))),
    interactions: asked.length,
    lostInteractions: asked.filter((x) => lostAsk(x.rec)).length,
  };
}

/** One event of a sharded run as live.ts reports one: the worst shard's figures (null when any shard has none). */
export function overShards(
  base: Pick<LiveFigures, 'scale' | 'backend' | 'event' | 'articles' | 'eventMs' | 'load'>,
  perShard: ShardFigures[],
): ShardedLiveFigures {
  const worst = (pick: (f: ShardFigures) => number | null): number | null => {
    const all = perShard.map(pick);
    return all.some((v) => v === null) ? null : Math.max(...(all as number[]));
  };
  return {
    ...base,
    shards: perShard.length,
    addToAnswerableMs: base.event === 'add' ? worst((f) => f.addToAnswerableMs) : null,
    maxLoopStallMs: worst((f) => f.maxLoopStallMs),
    maxLoopCpuMs: worst((f) => f.maxLoopCpuMs),
    maxFirstResponseMs: Math.max(0, ...perShard.map((f) => f.maxFirstResponseMs)),
    interactions: perShard.reduce((n, f) => n + f.interactions, 0),
    lostInteractions: perShard.reduce((n, f) => n + f.lostInteractions, 0),
    perShard,
  };
}

/** One sharded live run, its two events (the add, then the shards' part of the rebuild); see the top of this file. */
export async function measureShardedLive(
  records: readonly CorpusRecord[],
  scale: number,
  questions: readonly string[],
  log: (m: string) => void = () => {},
  backend: 'memory' | 'sqlite' = 'memory',
): Promise<ShardedLiveFigures[]> {
  // What a shard logs once it took the change in after the manager's rebuild (or write).
  const reloaded =
    backend === 'sqlite' ? 'archive file changed by the manager: new articles recorded' : 'index reloaded';
  const rebuilt = 'corpus changed: reindexed; shards reload';
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-live-shards-'));
  const corpus = join(dir, 'corpus');
  writeScaledCorpus(records, scale, corpus);
  const discord = await startDiscordDouble({ gatewayShards: 2, maxConcurrency: 16 });
  const other = discord.addGuild('Second guild', [1 - shardOf(discord.guildId, 2), 2]);
  const guilds = [discord.guilds[0]!, other].sort((a, b) => shardOf(a.id, 2) - shardOf(b.id, 2));
  let output = '';
  const lines = (): LogLine[] =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  // A log line's Date.now() on this process's performance.now() clock.
  const offset = Date.now() - performance.now();
  const at = (l: LogLine | undefined) => (l?.time === undefined ? null : l.time - offset);
  const child = spawn(...nodeCommand('src/main.ts', []), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      SHARDS: '2',
      SEARCH_BACKEND: backend,
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: corpus,
      INDEX_PATH: join(dir, 'index.bin'),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      // Debug: each shard logs its event loop's longest delay every second (see src/loopMonitor.ts).
      LOG_LEVEL: 'debug',
      // As many questions as the bench sends: the rate limit is not what is measured.
      RATE_LIMIT_QUESTIONS: '1000',
      RATE_LIMIT_WINDOW_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  try {
    const started = performance.now();
    await discord.waitFor(() => lines().filter((l) => l.msg === 'connected').length === 2, 600_000, 'both shards');
    log(`live shards ${scale}x: both shards connected in ${Math.round(performance.now() - started)} ms`);
    // As on a bot that has run a while: each shard's warm-up (its answer path, its parse thread, every file's stamp) is over.
    // A shard reading the manager's sqlite file warms its answer path only (see runBot), and says so in its own words.
    const warmed = backend === 'sqlite' ? 'answer path warmed up' : 'archive warmed up';
    await discord
      .waitFor(() => lines().filter((l) => l.msg === warmed).length === 2, 300_000, 'both warm-ups')
      .catch(() => log('live shards: a shard did not log its warm-up; measuring all the same'));
    log(`live shards ${scale}x: both shards warmed up ${Math.round(performance.now() - started)} ms from the start`);
    const ask = (guild: number, question: string): InteractionRecord =>
      discord.inGuild(guilds[guild]!.id, () =>
        discord.runSlashCommand('ask', [
          { type: ApplicationCommandOptionType.String, name: 'question', value: question.slice(0, 1000) },
        ]),
      );
    const sent: Array<{ shard: number; rec: InteractionRecord }> = [];
    let q = 0;
    const traffic = setInterval(() => {
      const shard = q % 2;
      sent.push({ shard, rec: ask(shard, questions[q++ % questions.length]!) });
    }, 250);
    // Seconds of traffic before the change (LIVE_QUIET_MS: longer, to see a change after the bot sat idle).
    await new Promise((r) => setTimeout(r, Number(process.env.LIVE_QUIET_MS) || 5000));
    const reloadsBefore = lines().filter((l) => l.msg === reloaded).length;
    const rebuildsBefore = lines().filter((l) => l.msg === rebuilt).length;
    const added = performance.now();
    writeFileSync(join(corpus, `${ADDED.id}.json`), JSON.stringify(ADDED));
    // Each shard's guild is asked about the new article every 100 ms until it answers with it first.
    const answerable: Array<number | null> = [null, null];
    const probes: Array<{ shard: number; rec: InteractionRecord }> = [];
    const title = (rec: InteractionRecord) => discord.original(rec.id)?.embeds[0]?.title ?? '';
    while ((answerable[0] === null || answerable[1] === null) && performance.now() - added < 180_000) {
      for (const shard of [0, 1]) {
        if (answerable[shard] !== null) continue;
        const rec = ask(shard, ADDED_QUESTION);
        probes.push({ shard, rec });
        sent.push({ shard, rec });
      }
      await new Promise((r) => setTimeout(r, 100));
      for (const p of probes) {
        if (answerable[p.shard] === null && String(title(p.rec)).includes(ADDED.title))
          // When the answer was asked for: it was answerable by then.
          answerable[p.shard] = Math.round(p.rec.dispatchedAt - added);
      }
    }
    // The add lasts until the manager's rebuild is done and the shards start taking it in.
    await discord
      .waitFor(() => lines().filter((l) => l.msg === rebuilt).length > rebuildsBefore, 600_000, 'the rebuild')
      .catch(() => {});
    const rebuildLine = lines().filter((l) => l.msg === rebuilt)[rebuildsBefore];
    const reloadFrom = at(rebuildLine) ?? performance.now();
    let reloadedAt: number | null = null;
    await discord
      .waitFor(
        () => lines().filter((l) => l.msg === reloaded).length >= reloadsBefore + 2,
        180_000,
        'both shards to reload',
      )
      .then(
        () => (reloadedAt = at(lines().filter((l) => l.msg === reloaded)[reloadsBefore + 1]) ?? performance.now()),
        () => {},
      );
    // A second more of traffic, and at least LIVE_EVENT_MS from the start of the shards' part of the rebuild.
    const reloadTo = Math.max((reloadedAt ?? performance.now()) + 1000, reloadFrom + LIVE_EVENT_MS);
    await new Promise((r) => setTimeout(r, Math.max(0, reloadTo - performance.now())));
    clearInterval(traffic);
    await discord
      .waitFor(
        () => sent.every(({ rec }) => rec.statuses.length > 0 || performance.now() - rec.dispatchedAt > 4000),
        15_000,
        'the last answers',
      )
      .catch(() => {});
    // The last 'event loop' lines (each covers the second before it).
    await new Promise((r) => setTimeout(r, 1100));
    const all = lines();
    if (process.env.LIVE_TRACE) {
      // Where the time went: the slow /ask (from the change, in ms) and every log line but answers and loop reports from 6 s before it,
      // and the loop reports of a second over 50 ms.
      for (const { shard, rec } of sent)
        if ((rec.firstResponseMs ?? 1e9) > 80)
          log(
            `slow ask shard ${shard} at ${Math.round(rec.dispatchedAt - added)} ms: ${Math.round(rec.firstResponseMs ?? -1)} ms`,
          );
      for (const l of all) {
        const when = at(l);
        if (when === null || when < added - 6000 || l.msg === 'answered') continue;
        if (l.msg === 'event loop' && (l.maxDelayMs ?? 0) <= 50) continue;
        log(`${Math.round(when - added)} ms ${String(l.shard)} ${l.msg} ${JSON.stringify(l).slice(0, 300)}`);
      }
    }
    const load = Math.round(loadavg()[0]! * 100) / 100;
    const articles = records.length * scale + 1;
    const addEvent = overShards(
      { scale, backend, event: 'add', articles, eventMs: Math.round(reloadFrom - added), load },
      [0, 1].map((shard) => {
        const delta = all.find((x) => x.msg === 'corpus change taken in as a delta' && x.shard === shard);
        const deltaAt = at(delta);
        return {
          // At least LIVE_EVENT_MS of traffic: a sqlite add is the manager's write, done in well under a second.
          ...shardWindow(all, sent, shard, { from: added, to: Math.max(reloadFrom, added + LIVE_EVENT_MS), offset }),
          addToAnswerableMs: answerable[shard] ?? null,
          deltaMs: deltaAt === null ? null : Math.round(deltaAt - added),
        };
      }),
    );
    const rebuildEvent = overShards(
      {
        scale,
        backend,
        event: 'rebuild',
        articles,
        // From the manager's rebuild done to both shards having taken it in.
        eventMs: reloadedAt === null ? null : Math.round(reloadedAt - reloadFrom),
        load,
      },
      [0, 1].map((shard) => ({
        ...shardWindow(all, sent, shard, { from: reloadFrom, to: reloadTo, offset }),
        addToAnswerableMs: null,
        deltaMs: null,
      })),
    );
    return [addEvent, rebuildEvent];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await discord.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npx tsx bench/liveShards.ts --corpus corpus.jsonl --queries queries.jsonl [--scale-factor N]`: JSON on stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { records, scale, questions } = await liveArgs('liveShards.ts');
  const backend = process.env.SEARCH_BACKEND === 'sqlite' ? 'sqlite' : 'memory';
  const figures = await measureShardedLive(records, scale, questions, (m) => process.stderr.write(`${m}\n`), backend);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
