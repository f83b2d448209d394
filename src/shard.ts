import 'dotenv/config';
import { Archive, savedBy } from './archive.js';
import { loadConfig, searchArchivePath } from './config.js';
import { runBot, type LiveArchive } from './composition.js';
import { createLogger, exitOnSignals } from './lifecycle.js';
import { tuneRuntime } from './runtime.js';
import { configureParsing } from './workers/indexWorkerClient.js';
import { BACKGROUND_SHARD, isShardMessage, managerWriter, type ShardMessage } from './discord/sharding.js';
import { StoredArchive } from './storedArchive.js';
import { yieldOtherThreads } from './threadPriority.js';

/**
 * One shard process, spawned by the ShardingManager in main.ts. discord.js gives it SHARDS (its
 * shard ids, JSON) and SHARD_COUNT; the client picks both up. The index was saved by the manager,
 * so this loads it instead of building; on the sqlite backend this opens the manager's archive
 * file for reading, and the manager writes what this shard adds.
 */
async function shard(): Promise<void> {
  const manager: { saved?: string | undefined } = {};
  const ids = JSON.parse(process.env.SHARDS ?? '[0]') as number | number[];
  const shardIds = Array.isArray(ids) ? ids : [ids];
  // SHARDS means the manager's shard count to Newsdesk's configuration, and this process's ids to
  // discord.js; SHARD_IDS (the manager's list, checked against SHARDS there) is the manager's alone.
  const config = loadConfig({ ...process.env, SHARDS: undefined, SHARD_IDS: undefined });
  tuneRuntime();
  // The serving thread first: this process's other threads (V8's helpers, the parse thread, libuv's
  // pool) at nice 10 (see threadPriority.ts). bench/liveShards.ts, SHARDS=2 at 10x, memory backend,
  // alternating runs: the longest stall of a run (both shards, add and rebuild) 44-114 ms in 7 runs
  // at nice 19, one over 100 (load 0.7-2.0), against 112-183 ms in 9 runs with none niced (load
  // 0.5-2.2); at 10, with a reload's surviving objects fewer, see docs/measurements.md (thirteenth session).
  yieldOtherThreads();
  configureParsing(config);
  const logger = createLogger(config.LOG_LEVEL, { shard: shardIds.length === 1 ? shardIds[0] : shardIds });
  const archive: LiveArchive =
    config.SEARCH_BACKEND === 'sqlite'
      ? await StoredArchive.open({
          corpus: config.CORPUS_DIR,
          path: searchArchivePath(config),
          writer: managerWriter(),
        })
      : // The manager builds; a shard loads what it saved (see preferSaved), starting no index worker for it.
        await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH }, savedBy(manager));
  // A shard does not watch the corpus, but takes in the changes made through it (see Archive.update);
  // on the sqlite backend the manager parses them.
  if (archive instanceof Archive) {
    const warming = performance.now();
    void archive.warm().then(() => logger.info({ ms: Math.round(performance.now() - warming) }, 'archive warmed up'));
  }
  const level = archive.origin === 'cache' ? 'info' : 'warn';
  logger[level](
    { origin: archive.origin, articles: archive.index.held().articles },
    archive.origin === 'cache' ? 'index loaded from cache' : 'index rebuilt in a shard (the saved one was stale)',
  );
  // The manager names the shard that runs this host's background work (the first of SHARD_IDS).
  const background = shardIds.includes(Number(process.env.NEWSDESK_BACKGROUND_SHARD ?? BACKGROUND_SHARD));
  const bot = await runBot(config, archive, {
    logger,
    role: {
      background,
      watchCorpus: false,
      forwardSchedule: (op, id) => process.send?.({ newsdesk: 'schedule', op, id } satisfies ShardMessage),
      forwardGuildChange: (guildId) => process.send?.({ newsdesk: 'guild', guildId } satisfies ShardMessage),
      forwardGuildDelta: (guildId) => process.send?.({ newsdesk: 'guild-delta', guildId } satisfies ShardMessage),
    },
  });
  process.on('message', async (m: unknown) => {
    if (!isShardMessage(m)) return;
    if (m.newsdesk === 'reload' && archive instanceof StoredArchive) {
      // The manager wrote the file this shard reads, which answers from it already (and each
      // server's file is laid over it): what is left is recording the new articles.
      bot
        .seen()
        .then(
          (added) => logger.info({ added }, 'archive file changed by the manager: new articles recorded'),
          (err: unknown) => logger.error({ err }, 'could not record the new articles as seen'),
        )
        .finally(() => process.send?.({ newsdesk: 'reloaded' } satisfies ShardMessage));
    } else if (m.newsdesk === 'reload') {
      manager.saved = m.hash;
      // Every server's own index is built over the shared one: each is checked again on its next question.
      bot.guilds.invalidate();
      bot
        .reindex()
        .then(
          (r) =>
            logger.info(
              // byHash: loaded by the hash the manager gave, the corpus not read (see savedBy).
              { articles: r.articles, rebuilt: r.rebuilt, byHash: m.hash !== undefined && r.hash === m.hash },
              'index reloaded',
            ),
          (err: unknown) => logger.error({ err }, 'reload failed; still answering from the previous index'),
        )
        // The manager lets the next shard load now (see reloadInTurn in sharding.ts).
        .finally(() => process.send?.({ newsdesk: 'reloaded' } satisfies ShardMessage));
    } else if (m.newsdesk === 'changed') {
      const received = performance.now();
      archive.update(m.paths).then(
        () =>
          logger.info(
            { files: m.paths?.length ?? 'all', ms: Math.round(performance.now() - received) },
            'corpus change taken in as a delta',
          ),
        (err: unknown) => logger.error({ err }, 'delta failed; the change waits for the reload'),
      );
    } else if (m.newsdesk === 'guild-delta') {
      bot.guilds.update(m.guildId).then(
        () => logger.info({ guildId: m.guildId }, 'server change taken in as a delta from another shard'),
        (err: unknown) =>
          logger.error({ err, guildId: m.guildId }, 'server delta failed; the change waits for its rebuild'),
      );
    } else if (m.newsdesk === 'guild') {
      bot.guilds.invalidate(m.guildId);
      logger.info({ guildId: m.guildId }, 'server archive changed on another shard');
    } else if (m.newsdesk === 'schedule' && background) {
      if (m.op === 'arm') await bot.digests.scheduler.arm(m.id);
      else bot.digests.scheduler.disarm(m.id);
      logger.info(
        { scheduleId: m.id, op: m.op, next: await bot.digests.scheduler.nextRun(m.id) },
        'digest schedule changed on another shard',
      );
    }
  });
  exitOnSignals(logger, () => bot.stop(), { onDisconnect: true });
}

shard().catch((err: unknown) => {
  process.stderr.write(`shard failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
});
