/**
 * The live archive with SHARDS=2: the bot runs as it does in production (src/main.ts: a shard
 * manager and two shard processes) against the local Discord double, with one guild on each
 * shard. /ask goes to the two guilds in turn every 250 ms while one article is added to the
 * corpus: the manager's watcher forwards the change to both shards (a delta each), rebuilds in
 * its index worker and tells both to reload. Reports, per shard, how soon the added article is
 * the first answer in that shard's guild, the slowest first response there (a stall shows as one),
 * and the /ask Discord would have lost (no response within its 3 s). `SEARCH_BACKEND=sqlite` in
 * the environment runs the sqlite backend: the manager writes the archive file, the shards read
 * it (no delta or reload of their own; "reload" is then both shards recording the new article).
 * `LIVE_TRACE=1` also writes the slow /ask and the processes' log lines around the change to stderr.
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

export interface ShardedLiveFigures {
  scale: number;
  backend: 'memory' | 'sqlite';
  shards: number;
  /** Per shard: from writing the new file to its guild's /ask answering with it first. */
  addToAnswerableMs: Array<number | null>;
  /** Per shard: from writing the new file to the shard logging the delta taken in (forwarded by the manager). */
  deltaMs: Array<number | null>;
  /** From writing the new file to both shards logging the reload of the rebuilt index. */
  rebuildAndReloadMs: number | null;
  /** Per shard: the slowest first response to an /ask in its guild. */
  maxFirstResponseMs: number[];
  interactions: number;
  lostInteractions: number;
  /** The 1-minute load average at the end. */
  load: number;
}

/** A sharded run as one entry of the bench's live section (the loop stall is in the shards: their slowest first response stands for it). */
export function shardedEntry(f: ShardedLiveFigures, articles: number): LiveFigures {
  const answerable = f.addToAnswerableMs.every((ms) => ms !== null)
    ? Math.max(...(f.addToAnswerableMs as number[]))
    : null;
  return {
    scale: f.scale,
    backend: f.backend,
    shards: f.shards,
    event: 'add+rebuild',
    articles,
    addToAnswerableMs: answerable,
    eventMs: f.rebuildAndReloadMs,
    maxLoopStallMs: null,
    maxLoopCpuMs: null,
    // Of the answered ones (an /ask never answered is counted lost).
    maxFirstResponseMs: Math.max(0, ...f.maxFirstResponseMs.filter(Number.isFinite)),
    interactions: f.interactions,
    lostInteractions: f.lostInteractions,
    load: f.load,
  };
}

interface LogLine {
  msg?: string;
  shard?: number | string;
  time?: number;
}

/** One sharded live run; see the top of this file. */
export async function measureShardedLive(
  records: readonly CorpusRecord[],
  scale: number,
  questions: readonly string[],
  log: (m: string) => void = () => {},
  backend: 'memory' | 'sqlite' = 'memory',
): Promise<ShardedLiveFigures> {
  // What a shard logs once it took the change in after the manager's rebuild (or write).
  const reloaded =
    backend === 'sqlite' ? 'archive file changed by the manager: new articles recorded' : 'index reloaded';
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
      LOG_LEVEL: 'info',
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
    // Seconds of traffic before the change: a shard's parse thread has started (as on a bot that has run a while).
    await new Promise((r) => setTimeout(r, 5000));
    const reloadsBefore = lines().filter((l) => l.msg === reloaded).length;
    const added = performance.now();
    const addedAt = Date.now();
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
    let rebuildAndReloadMs: number | null = null;
    await discord
      .waitFor(
        () => lines().filter((l) => l.msg === reloaded).length >= reloadsBefore + 2,
        180_000,
        'both shards to reload',
      )
      .then(
        () => (rebuildAndReloadMs = Math.round(performance.now() - added)),
        () => {},
      );
    // A second more of traffic, and at least LIVE_EVENT_MS from the change (the sqlite backend has no rebuild to wait for).
    await new Promise((r) => setTimeout(r, Math.max(1000, LIVE_EVENT_MS - (performance.now() - added))));
    clearInterval(traffic);
    await discord
      .waitFor(
        () => sent.every(({ rec }) => rec.statuses.length > 0 || performance.now() - rec.dispatchedAt > 4000),
        15_000,
        'the last answers',
      )
      .catch(() => {});
    const lost = sent.filter(({ rec }) => lostAsk(rec)).length;
    if (process.env.LIVE_TRACE) {
      // Where the time went: the slow /ask (from the change, in ms) and every log line but answers from 6 s before it.
      for (const { shard, rec } of sent)
        if ((rec.firstResponseMs ?? 1e9) > 80)
          log(
            `slow ask shard ${shard} at ${Math.round(rec.dispatchedAt - added)} ms: ${Math.round(rec.firstResponseMs ?? -1)} ms`,
          );
      for (const l of lines())
        if (l.time !== undefined && l.time > addedAt - 6000 && l.msg !== 'answered')
          log(`${l.time - addedAt} ms ${String(l.shard)} ${l.msg} ${JSON.stringify(l).slice(0, 300)}`);
    }
    const maxFirst = [0, 1].map((s) =>
      // Of the answered ones: an /ask never answered is counted lost.
      Math.round(Math.max(0, ...sent.filter((x) => x.shard === s).map((x) => x.rec.firstResponseMs ?? 0))),
    );
    const deltaMs = [0, 1].map((s) => {
      const l = lines().find((x) => x.msg === 'corpus change taken in as a delta' && x.shard === s);
      return l?.time === undefined ? null : l.time - addedAt;
    });
    return {
      scale,
      backend,
      shards: 2,
      deltaMs,
      addToAnswerableMs: answerable,
      rebuildAndReloadMs,
      maxFirstResponseMs: maxFirst,
      interactions: sent.length,
      lostInteractions: lost,
      load: Math.round(loadavg()[0]! * 100) / 100,
    };
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
