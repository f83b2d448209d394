import type { Logger } from 'pino';
import { Archive, type ReindexReport } from './archive.js';
import { guildArchiveDir, searchArchivePath, type Config } from './config.js';
import { articleMetas, type ArchiveIndex } from './core/answerIndex.js';
import { DigestScheduler, DigestService } from './digests/service.js';
import { nextFire } from './digests/when.js';
import {
  attachHandlers,
  connect,
  createClient,
  DRAIN_TIMEOUT_MS,
  InFlight,
  type Client,
  type ClientOptions,
} from './discord/bot.js';
import { discordPoster } from './discord/digestPoster.js';
import { discordFollowSender } from './discord/followSender.js';
import { FollowService } from './follows/service.js';
import { FeedPoller } from './feedPoller.js';
import { addedFiles, GuildArchives, guildIdPrefix, removeAdded } from './guildArchives.js';
import { StoredArchive, StoredGuildArchives } from './storedArchive.js';
import { createLogger, exitOnSignals } from './lifecycle.js';
import { GuildFileFollower, hostOrigin, mirrorGuildFolder, SHARED_CORPUS } from './guildFileSync.js';
import { Leadership } from './leadership.js';
import { openStore } from './store/open.js';
import type { NewsStore, StoreParts } from './store/store.js';
import { configureParsing } from './workers/indexWorkerClient.js';
import { logOverBudget } from './workers/parseSandbox.js';
import { watchEventLoop } from './loopMonitor.js';

/*
 * The bot's composition root: builds the store, the servers' archives, the digest service and
 * scheduler and the feed poller around the shared archive, then hands them to src/discord, which
 * only wires handlers onto the client. main.ts (one process) and shard.ts (each shard) call it;
 * tests call it with a fake clock and a quiet logger.
 */

/** The shared archive the bot serves from: in memory (Archive) or in an SQLite file (StoredArchive, SEARCH_BACKEND=sqlite). */
export type LiveArchive = Archive | StoredArchive;

/** The shared archive as configured: in memory (its index saved at INDEX_PATH), or in the SQLite file beside it. */
export function openLiveArchive(config: Config): Promise<LiveArchive> {
  return config.SEARCH_BACKEND === 'sqlite'
    ? StoredArchive.open({ corpus: config.CORPUS_DIR, path: searchArchivePath(config) })
    : Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
}

/** What the bot asks of the servers' own archives, on either backend. */
export type ServerArchives = Pick<GuildArchives, 'isCurator' | 'dirFor' | 'has' | 'reindex' | 'invalidate' | 'held'> & {
  index(guildId: string | null): Promise<ArchiveIndex>;
  update(guildId: string): Promise<unknown>;
};

/** A running bot: its client, store and digest scheduler, and how to stop it cleanly. */
export interface BotRuntime {
  client: Client;
  store: NewsStore;
  logger: Logger;
  /** The shared archive's current index (DMs, and servers without additions of their own). */
  index: () => ArchiveIndex;
  /** The index a server is answered from: its own (shared + its additions), or the shared one. */
  indexFor: (guildId: string | null) => Promise<ArchiveIndex>;
  /** The servers' own archives and their indexes. */
  guilds: ServerArchives;
  digests: { service: DigestService; scheduler: DigestScheduler };
  /** Tells followers about new articles and posts "as they arrive" schedules (running in the background process only). */
  follows: FollowService;
  /**
   * Reloads the shared index (from the saved cache when it is current) and records new articles as
   * seen; with a server id, the server's own index too.
   */
  reindex(guildId?: string | null): Promise<ReindexReport>;
  /**
   * Records the shared index's new articles as seen, taking nothing in: another process changed
   * the archive this one reads (the sqlite backend's shard manager). Resolves with how many were new.
   */
  seen(): Promise<number>;
  /**
   * Takes no new work, lets running handlers finish (at most `drainMs`), then disconnects, stops
   * watching the corpus and closes the database (SQLite checkpoints its WAL on the last close).
   */
  stop(drainMs?: number): Promise<void>;
}

/** What one process of a sharded bot does besides answering (a single-process bot does all of it). */
export interface BotRole {
  /** Runs the digest scheduler and the feed poller: exactly one process may, or digests post twice. */
  background: boolean;
  /** Watches the corpus and reindexes on changes (the shard manager does it for sharded bots). */
  watchCorpus: boolean;
  /** Without `background`: tells the process that has it that a schedule was added (arm) or removed (disarm). */
  forwardSchedule?: (op: 'arm' | 'disarm', id: number) => void;
  /** Tells the other processes that a server's own archive changed, so they check its index again. */
  forwardGuildChange?: (guildId: string) => void;
  /** Tells the other processes that a server's own archive changed as soon as this one took it in as a delta. */
  forwardGuildDelta?: (guildId: string) => void;
}

/**
 * A scheduler for a process without the timers: schedule changes go to the process that has
 * them, and the next run is worked out from the stored schedule.
 */
class ForwardingScheduler extends DigestScheduler {
  constructor(
    service: DigestService,
    private readonly schedules: Pick<StoreParts, 'digests'>,
    private readonly forward: (op: 'arm' | 'disarm', id: number) => void,
    private readonly clock: () => Date,
  ) {
    super(service, schedules, clock);
  }

  override start(): Promise<void> {
    return Promise.resolve();
  }

  override async arm(id: number): Promise<void> {
    this.forward('arm', id);
  }

  override disarm(id: number): void {
    this.forward('disarm', id);
  }

  override async nextRun(id: number): Promise<Date | null> {
    const s = await this.schedules.digests.schedule(id);
    return s && !s.pausedReason ? nextFire(s.cron, s.timezone, this.clock()) : null;
  }
}

/** Records the articles of the current index as seen (the first time only): `/admin corpus` and digests use the dates. */
async function markSeen(store: StoreParts, archive: LiveArchive): Promise<number> {
  if (archive instanceof StoredArchive) {
    // Numbers only grow there: only articles numbered past the last recorded are new. Listing
    // the whole archive on every change stalled each shard's loop (6,090 rows read and written at 10x).
    const from = seenUpTo.get(archive) ?? 0;
    const { articles, next } = archive.articlesFrom(from);
    const added = await store.articles.markSeen(articles);
    seenUpTo.set(archive, Math.max(from, next));
    return added;
  }
  return store.articles.markSeen([...articleMetas(archive.index)].map((a) => ({ id: a.id, file: a.file })));
}

/** The number past the last article markSeen recorded, per sqlite archive. */
const seenUpTo = new WeakMap<StoredArchive, number>();

/** Records a server's own articles as seen. */
function ownArticles(index: ArchiveIndex, guildId: string): Array<{ id: string; file: string }> {
  const prefix = guildIdPrefix(guildId);
  const out: Array<{ id: string; file: string }> = [];
  for (const a of articleMetas(index)) if (a.id.startsWith(prefix)) out.push({ id: a.id, file: a.file });
  return out;
}

/** Connects the bot with a token and serves until stopped; logs with pino (never the token). */
export async function runBot(
  config: Config,
  archive: LiveArchive,
  options: { clientOptions?: Partial<ClientOptions>; logger?: Logger; now?: () => Date; role?: BotRole } = {},
): Promise<BotRuntime> {
  const role = options.role ?? { background: true, watchCorpus: true };
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  configureParsing(config);
  const store = await openStore(config, options.now);
  await markSeen(store, archive);
  const client = createClient({
    ...(config.DISCORD_API_URL ? { rest: { api: config.DISCORD_API_URL } } : {}),
    ...options.clientOptions,
  });
  // Set once stop() begins; background callbacks check it so nothing writes to a closed store.
  let stopping: Promise<void> | undefined;
  // Made below, once the client and the digest service exist; articles first seen before then are swept at start.
  const late: { follows?: FollowService } = {};
  /** New articles entered the archive: followers hear of them after the batch window. */
  const arrived = (added: number) => {
    if (added > 0 && !stopping) late.follows?.arrived();
  };
  const onLoaded = (guildId: string, index: ArchiveIndex) => {
    // A background build can finish after stop() closed the store: nothing to record then.
    if (stopping) return;
    store.articles
      .markSeen(ownArticles(index, guildId))
      .then(arrived)
      .catch((err: unknown) => logger.error({ err, guildId }, 'could not record the server’s articles as seen'));
  };
  const onError = (guildId: string, err: unknown) =>
    logger.error({ err, guildId }, 'server index refresh failed; still answering from its previous index');
  const onDelta = (guildId: string) => role.forwardGuildDelta?.(guildId);
  const guilds: ServerArchives =
    archive instanceof StoredArchive
      ? new StoredGuildArchives({
          root: guildArchiveDir(config),
          corpus: config.CORPUS_DIR,
          shared: archive,
          curators: config.CURATOR_GUILD_IDS,
          onLoaded,
          onError,
          onDelta,
        })
      : new GuildArchives({
          root: guildArchiveDir(config),
          corpus: config.CORPUS_DIR,
          shared: () => archive.index,
          indexPath: config.INDEX_PATH,
          curators: config.CURATOR_GUILD_IDS,
          capacity: config.GUILD_INDEX_CACHE,
          onLoaded,
          onError,
          // The archive's parse sandbox is kept ready: a server's delta need not wait for a thread to start.
          parse: (file) => archive.parseFile(file),
          onDelta,
        });
  const indexFor = (guildId: string | null) => guilds.index(guildId);
  // Several hosts on one database: each keeps its copy of every server's folder (and of the
  // curators' part of the shared corpus) current from the store.
  const follower =
    store.dialect === 'postgres'
      ? new GuildFileFollower({
          store: store.guildFiles,
          origin: hostOrigin(guildArchiveDir(config), config.CORPUS_DIR),
          dirFor: (guildId) =>
            guildId === SHARED_CORPUS ? config.CORPUS_DIR : guilds.isCurator(guildId) ? null : guilds.dirFor(guildId),
          onChanged: (guildId) => {
            if (stopping) return;
            // The shared corpus is watched (here, or by the shard manager): its delta and rebuild follow the write.
            if (guildId === SHARED_CORPUS)
              return void logger.info('shared corpus files changed on another host: written');
            guilds.update(guildId).catch(() => guilds.invalidate(guildId));
            logger.info({ guildId }, 'server files changed on another host: taken in');
          },
          logger,
        })
      : null;
  /**
   * Records a server's files in the store (the source of truth other hosts copy), a curator's in
   * the shared corpus's entry; `removed` names a file just removed.
   */
  const mirror = async (guildId: string, removed: readonly string[] = []) => {
    const curator = guilds.isCurator(guildId);
    try {
      // One machine (SQLite) keeps the servers' files in its database too; the shared corpus is its folder.
      if (!follower) {
        if (!curator) await mirrorGuildFolder(store.guildFiles, guildId, guilds.dirFor(guildId), { removed });
        return;
      }
      await follower.record(
        curator ? SHARED_CORPUS : guildId,
        curator ? config.CORPUS_DIR : guilds.dirFor(guildId),
        removed,
      );
    } catch (err) {
      logger.error({ err, guildId }, 'could not record the server’s files in the database');
    }
  };
  /** A server's own index, after a change in its folder; the other processes are told. */
  const reindexOwn = async (
    guildId: string,
    onAnswerable?: () => void,
    removed: readonly string[] = [],
  ): Promise<ReindexReport> => {
    await mirror(guildId, removed);
    const own = await guilds.reindex(guildId, onAnswerable);
    if (own.rebuilt) role.forwardGuildChange?.(guildId);
    return own;
  };
  /** The shared index, then the server's own (built over it); a curator's additions are in the shared one. */
  const reindex = async (guildId: string | null = null): Promise<ReindexReport> => {
    const report = await archive.reindex();
    arrived(await markSeen(store, archive));
    if (guildId === null || !guilds.has(guildId)) return report;
    const own = await reindexOwn(guildId);
    return { ...own, ms: report.ms + own.ms, rebuilt: report.rebuilt || own.rebuilt };
  };
  /**
   * A file added or removed from Discord, answerable: resolves once its delta is in (about a
   * second, however large the archive); the full rebuild goes on in the background, a failure logged.
   */
  const takeIn = async (guildId: string, file: string): Promise<ReindexReport> => {
    const started = performance.now();
    const failed = (err: unknown) =>
      logger.error(
        { err, guildId },
        'rebuild after a change from Discord failed; the change is answered through the delta',
      );
    let answerable: Promise<unknown>;
    if (guilds.isCurator(guildId)) {
      // For the other hosts: their followers write it into their shared corpus, which they watch.
      void mirror(guildId, [file]);
      // A shard leaves the rebuild to the manager, whose watcher sees the file and tells every shard
      // (this one's delta is then found current, not merged again); one process rebuilds itself.
      const full = role.watchCorpus ? reindex(guildId) : null;
      full?.catch(failed);
      // The file is named: only it is looked at (the watcher may also report it; the two share one run).
      answerable = archive.update([file]).catch(() => full);
    } else {
      let done = () => {};
      const delta = new Promise<void>((resolve) => (done = resolve));
      const full = reindexOwn(guildId, done, [file]);
      full.catch(failed);
      // A failed delta: the rebuild is waited for.
      answerable = Promise.race([delta, full]);
    }
    await answerable.catch(() => {});
    const index = await indexFor(guildId);
    return {
      ...index.held(),
      warnings: [],
      ms: performance.now() - started,
      rebuilt: false,
    };
  };
  const service = new DigestService({
    store,
    index: indexFor,
    poster: discordPoster(client),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const scheduler =
    role.background || !role.forwardSchedule
      ? new DigestScheduler(service, store, options.now)
      : new ForwardingScheduler(service, store, role.forwardSchedule, options.now ?? (() => new Date()));
  const digests = { service, scheduler };
  const followService = new FollowService({
    store,
    index: indexFor,
    sender: discordFollowSender(client),
    digests: service,
    logger,
    ...(options.now ? { now: options.now } : {}),
    perDay: config.FOLLOW_DMS_PER_DAY,
    batchMs: config.FOLLOW_BATCH_SECONDS * 1000,
  });
  late.follows = followService;
  const fetch = {
    allowPrivate: config.ALLOW_PRIVATE_URLS,
    maxBytes: config.FETCH_MAX_BYTES,
    timeoutMs: config.FETCH_TIMEOUT_SECONDS * 1000,
  };
  const targets = {
    dirFor: (guildId: string) => guilds.dirFor(guildId),
    // Curators share one corpus, so one curator's feed skips what another's brought in; nobody else's counts.
    dedupScope: (guildId: string) => (guilds.isCurator(guildId) ? config.CURATOR_GUILD_IDS : [guildId]),
  };
  const feeds = new FeedPoller({
    store,
    targets,
    fetch,
    reindex: async (guildIds) => {
      const curator = guildIds.find((g) => guilds.isCurator(g));
      if (curator) {
        await reindex(null);
        await mirror(curator);
      }
      for (const g of guildIds) if (!guilds.isCurator(g)) await reindexOwn(g);
    },
    logger,
    minutes: config.FEED_POLL_MINUTES,
  });
  const inFlight = new InFlight();
  let leadership: Leadership | undefined;
  attachHandlers(
    client,
    {
      index: indexFor,
      reindex,
      logger,
      store,
      digests,
      ingest: {
        dirFor: targets.dirFor,
        added: {
          list: (guildId) => addedFiles(targets.dirFor(guildId)),
          remove: (guildId, name) => removeAdded(targets.dirFor(guildId), name),
        },
        takeIn,
        fetch,
        pollMinutes: config.FEED_POLL_MINUTES,
        pollNow: (id) => feeds.pollNow(id),
      },
      follows: { perDay: config.FOLLOW_DMS_PER_DAY },
      answerResults: config.ANSWER_RESULTS,
      rateLimit: { questions: config.RATE_LIMIT_QUESTIONS, windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000 },
    },
    inFlight,
  );
  archive.onDeltaError = (err) => {
    if (!stopping) logger.warn({ err }, 'could not take a corpus change in at once; the full reindex will');
  };
  if (archive instanceof StoredArchive) {
    // Every process that answers warms its own answer path (a shard too, which watches nothing):
    // in slices, while it connects and answers.
    const started = performance.now();
    void archive.warmUp().then(
      (questions) => {
        if (!stopping) logger.info({ questions, ms: Math.round(performance.now() - started) }, 'answer path warmed up');
      },
      // A failed warm-up costs only the first questions' speed: said, never fatal.
      (err: unknown) => logger.warn({ err }, 'answer path warm-up failed; answering without it'),
    );
  }
  if (role.watchCorpus)
    archive.watch((r) => {
      if (stopping) return;
      if (r instanceof Error)
        return void logger.error({ err: r }, 'reindex failed; still answering from the previous index');
      // Bookkeeping (dates for /admin corpus and digests): the new index answers all the same.
      markSeen(store, archive)
        .then(arrived)
        .catch((err: unknown) => logger.error({ err }, 'could not record the new articles as seen'));
      logOverBudget(logger, r.warnings);
      logger.info(
        { articles: r.articles, passages: r.passages, warnings: r.warnings.length, ms: Math.round(r.ms) },
        'corpus changed: reindexed',
      );
    });
  try {
    // A new host writes every server's files from the database before it answers anyone.
    await follower?.start();
    await connect(client, config.DISCORD_TOKEN, logger);
    // Digests left pending by a crash are settled, missed schedules run once, timers start.
    if (role.background && store.tryLead) {
      // Several processes (hosts) share the database: only the leader runs schedules and polls feeds.
      const tryLead = store.tryLead.bind(store);
      digests.scheduler.standby = true;
      leadership = new Leadership({
        tryLead,
        onLead: async () => {
          await digests.scheduler.start();
          logger.info({ schedules: (await store.digests.schedules()).length }, 'digest scheduler started');
          feeds.start();
          followService.start();
        },
        onTick: () => digests.scheduler.sync(),
        onLose: () => {
          digests.scheduler.stop();
          digests.scheduler.standby = true;
          feeds.stop();
          followService.stop();
        },
        logger,
        retryMs: config.LEADER_RETRY_SECONDS * 1000,
      });
      await leadership.start();
    } else if (role.background) {
      await digests.scheduler.start();
      logger.info({ schedules: (await store.digests.schedules()).length }, 'digest scheduler started');
      feeds.start();
      followService.start();
    }
  } catch (err) {
    follower?.stop();
    leadership?.stop();
    digests.scheduler.stop();
    feeds.stop();
    followService.stop();
    await Promise.allSettled([client.destroy(), archive.close()]);
    await store.close();
    throw err;
  }
  // At debug level, the event loop's longest stall each second: how a stall in one process of
  // several (a shard) is told apart from a busy machine's (bench/liveShards.ts reads these lines).
  const unwatchLoop = logger.isLevelEnabled('debug') ? watchEventLoop((r) => logger.debug(r, 'event loop')) : () => {};
  return {
    client,
    store,
    logger,
    index: () => archive.index,
    indexFor,
    guilds,
    digests,
    follows: followService,
    reindex,
    seen: async () => {
      const added = await markSeen(store, archive);
      arrived(added);
      return added;
    },
    stop: (drainMs = DRAIN_TIMEOUT_MS) =>
      (stopping ??= (async () => {
        unwatchLoop();
        inFlight.close();
        follower?.stop();
        leadership?.stop();
        digests.scheduler.stop();
        feeds.stop();
        followService.stop();
        const running = inFlight.size;
        // The client stays connected meanwhile: the answers being worked on are sent through it.
        if (!(await inFlight.drain(drainMs)))
          logger.warn({ running: inFlight.size, drainMs }, 'stopping with answers still running');
        else if (running > 0) logger.info({ finished: running }, 'answers in flight finished');
        await followService.settled();
        await Promise.allSettled([client.destroy(), archive.close()]);
        if (guilds instanceof StoredGuildArchives) guilds.close();
        await store.close();
      })()),
  };
}

/** Starts the bot for `npm start`: serves until SIGINT/SIGTERM, then shuts down cleanly. */
export async function startBot(config: Config, archive: LiveArchive): Promise<void> {
  const bot = await runBot(config, archive);
  exitOnSignals(bot.logger, () => bot.stop());
}
