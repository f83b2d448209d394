import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { REST, ShardingManager, type Shard } from 'discord.js';
import { Routes, type RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import type { ReindexReport } from '../archive.js';
import type { Config } from '../config.js';
import type { ArchiveWriter, WriteRequest } from '../storedArchive.js';
import { DRAIN_TIMEOUT_MS } from './bot.js';
import { logOverBudget } from '../workers/parseSandbox.js';

/** Messages between the manager and its shards (besides discord.js's own). */
export type ShardMessage =
  /**
   * Manager → shards, one at a time: the saved index changed; load it. `hash`: the corpus hash the
   * manager saved it with, so the shard need not read and hash the corpus to check it (see shard.ts).
   */
  | { newsdesk: 'reload'; hash?: string }
  /** Shard → manager: the reload asked for is done (or failed): the next shard may load. */
  | { newsdesk: 'reloaded' }
  /** Shard → manager → the background shard: a digest schedule was added or removed. */
  | { newsdesk: 'schedule'; op: 'arm' | 'disarm'; id: number }
  /** Shard → manager → every shard: a server's own archive changed (an upload, a feed poll on shard 0); check its index again. */
  | { newsdesk: 'guild'; guildId: string }
  /** Manager → shards: corpus files changed (paths relative to it; none: every file): take them in as a delta now. */
  | { newsdesk: 'changed'; paths?: string[] }
  /** Shard → manager → every other shard: a server's own archive changed; take it in as a delta now (its rebuild follows). */
  | { newsdesk: 'guild-delta'; guildId: string }
  /** Shard → manager, the sqlite backend's one writer: take this change into the archive files. */
  | ({ newsdesk: 'write'; id: number } & WriteRequest)
  /** Manager → the shard that asked: the change is committed (`changed` files), or failed (`error`, its first line). */
  | { newsdesk: 'written'; id: number; changed: number; error?: string };

/** How long the manager waits for one shard's reload before telling the next one to load. */
const RELOAD_TURN_MS = 120_000;

/** The shard that runs the digest scheduler and the feed poller (every shard count has a shard 0). */
export const BACKGROUND_SHARD = 0;

export function isShardMessage(m: unknown): m is ShardMessage {
  return typeof m === 'object' && m !== null && 'newsdesk' in m;
}

/**
 * In a shard: the archive files' writer is the manager, asked over the IPC channel. A request
 * pending when the channel closes fails (the shard is being stopped with its manager).
 */
export function managerWriter(channel: NodeJS.Process = process): ArchiveWriter {
  let next = 0;
  const pending = new Map<number, { resolve: (changed: number) => void; reject: (err: Error) => void }>();
  channel.on('message', (m: unknown) => {
    if (!isShardMessage(m) || m.newsdesk !== 'written') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error === undefined) p?.resolve(m.changed);
    else p?.reject(new Error(`the shard manager could not write the archive: ${m.error}`));
  });
  channel.on('disconnect', () => {
    for (const p of pending.values()) p.reject(new Error('the shard manager is gone'));
    pending.clear();
  });
  return (request) =>
    new Promise((resolve, reject) => {
      if (!channel.send) return reject(new Error('not a shard: no manager to write the archive'));
      const id = next++;
      pending.set(id, { resolve, reject });
      channel.send({ newsdesk: 'write', id, ...request } satisfies ShardMessage, undefined, {}, (err) => {
        if (!err) return;
        pending.delete(id);
        reject(err);
      });
    });
}

/** What the manager keeps current for its shards: the memory backend's saved index, or the sqlite backend's file. */
export interface ManagedArchive {
  watch(onReindex: (report: ReindexReport | Error) => void): void;
  close(): Promise<void>;
  /** The memory backend's: told of each change the watcher sees, which the shards then take in as a delta. */
  onChanged?: ((paths: string[] | undefined) => void) | undefined;
}

/** Discord's advice for this bot: how many shards, and how many may identify at once. */
async function gatewayAdvice(config: Config): Promise<{ shards: number; maxConcurrency: number }> {
  // discord.js's fetchRecommendedShardCount always asks discord.com; this honours DISCORD_API_URL.
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(
    config.DISCORD_TOKEN ?? '',
  );
  const res = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return { shards: res.shards, maxConcurrency: res.session_start_limit.max_concurrency };
}

/** The shard entry point (src/shard.ts, beside main.ts), and how to run it (through tsx when this is TypeScript). */
function shardEntry(): { file: string; execArgv: string[] } {
  const typescript = fileURLToPath(import.meta.url).endsWith('.ts');
  const file = fileURLToPath(new URL(`../shard.${typescript ? 'ts' : 'js'}`, import.meta.url));
  return { file, execArgv: typescript ? ['--import', import.meta.resolve('tsx')] : [] };
}

export interface ManagerRuntime {
  manager: ShardingManager;
  /** Stops every shard (each finishes its answers and closes the database), then the watcher. */
  stop(): Promise<void>;
}

/**
 * Runs the bot as a discord.js ShardingManager. The index is already built and saved (by
 * Archive.open in this process), so every shard loads the saved file. This process watches the
 * corpus, rebuilds once on a change and tells the shards to reload. On the sqlite backend it is
 * the archive files' one writer (`write`): the shards read the files and ask it to take their changes in.
 */
export async function runManager(
  config: Config,
  archive: ManagedArchive,
  logger: Logger,
  options: { write?: ArchiveWriter } = {},
): Promise<ManagerRuntime> {
  if (!config.SHARDS) throw new Error('runManager needs SHARDS');
  const advice = await gatewayAdvice(config);
  const total = config.SHARDS === 'auto' ? advice.shards : config.SHARDS;
  const { file, execArgv } = shardEntry();
  // This host's shards (SHARD_IDS), or all of them; the first runs this host's background work.
  const shardList = config.SHARD_IDS ?? [...Array(total).keys()];
  const background = shardList[0] ?? BACKGROUND_SHARD;
  process.env.NEWSDESK_BACKGROUND_SHARD = String(background);
  // The shards read their configuration from the environment; SHARDS there is discord.js's own (their ids).
  const manager = new ShardingManager(file, {
    totalShards: total,
    shardList,
    token: config.DISCORD_TOKEN,
    execArgv,
    respawn: true,
  });
  const send = (shard: Shard | undefined, message: ShardMessage) =>
    void shard
      ?.send(message)
      .catch((err: unknown) => logger.warn({ err, shardId: shard.id }, 'could not reach a shard'));
  let stopping: Promise<void> | undefined;
  /** Takes a shard's change into the archive files, then tells it (a failure too: its question must not wait forever). */
  const write = (shard: Shard, m: Extract<ShardMessage, { newsdesk: 'write' }>) => {
    const { id, guildId, paths } = m;
    const request = { ...(guildId !== undefined ? { guildId } : {}), ...(paths ? { paths } : {}) };
    const run = options.write ? options.write(request) : Promise.reject(new Error('the index is not kept in SQLite'));
    run.then(
      (changed) => {
        logger.info(
          { shardId: shard.id, guildId, files: paths?.length ?? 'all', changed },
          'archive file written for a shard',
        );
        send(shard, { newsdesk: 'written', id, changed });
      },
      (err: unknown) => {
        logger.error({ err, shardId: shard.id, guildId }, 'could not take a shard’s change into the archive file');
        const error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        send(shard, { newsdesk: 'written', id, changed: 0, error });
      },
    );
  };
  // Shards load a rebuilt index one at a time: two loading together would share the cores and
  // both answer slower, where one at a time leaves the others answering at full speed.
  const reloadWaiters = new Map<Shard, () => void>();
  let reloading: Promise<void> = Promise.resolve();
  const reloadInTurn = (hash: string | undefined) => {
    reloading = reloading.then(async () => {
      for (const shard of [...manager.shards.values()]) {
        const done = new Promise<void>((resolve) => {
          reloadWaiters.set(shard, resolve);
          // A shard that never answers (gone, or stuck) holds the others back at most this long.
          setTimeout(resolve, RELOAD_TURN_MS).unref();
        });
        send(shard, hash === undefined ? { newsdesk: 'reload' } : { newsdesk: 'reload', hash });
        await done;
        reloadWaiters.delete(shard);
      }
    });
  };
  manager.on('shardCreate', (shard) => {
    shard.on('message', (m: unknown) => {
      if (isShardMessage(m) && m.newsdesk === 'reloaded') reloadWaiters.get(shard)?.();
      if (isShardMessage(m) && m.newsdesk === 'schedule') send(manager.shards.get(background), m);
      // Any shard may hold the server's index: the one that has the server, and shard 0 for digests.
      if (isShardMessage(m) && (m.newsdesk === 'guild' || m.newsdesk === 'guild-delta'))
        for (const other of manager.shards.values()) if (other !== shard) send(other, m);
      if (isShardMessage(m) && m.newsdesk === 'write') write(shard, m);
    });
    shard.on('death', (child) => {
      const code = 'exitCode' in child ? child.exitCode : undefined;
      logger[stopping ? 'info' : 'warn'](
        { shardId: shard.id, code },
        stopping ? 'shard stopped' : 'shard exited; respawning',
      );
    });
    shard.on('ready', () => logger.info({ shardId: shard.id }, 'shard ready'));
  });
  archive.watch((r) => {
    if (r instanceof Error) return void logger.error({ err: r }, 'reindex failed; shards keep the previous index');
    logOverBudget(logger, r.warnings);
    logger.info(
      { articles: r.articles, passages: r.passages, rebuilt: r.rebuilt, ms: Math.round(r.ms) },
      'corpus changed: reindexed; shards reload',
    );
    reloadInTurn(r.hash);
  });
  // Every shard takes a change in within about a second (each indexes it beside its main index,
  // in milliseconds), not only the one that made it: the reload after the rebuild follows. Shards reading
  // this process's archive file see its writes at their next question: nothing to forward.
  if (!options.write)
    archive.onChanged = (paths) => {
      logger.debug({ files: paths?.length ?? 'all' }, 'corpus change forwarded to the shards');
      for (const shard of manager.shards.values())
        send(shard, paths ? { newsdesk: 'changed', paths } : { newsdesk: 'changed' });
    };
  const stop = () =>
    (stopping ??= (async () => {
      manager.respawn = false;
      const children = [...manager.shards.values()].flatMap((shard) =>
        shard.process && shard.process.exitCode === null ? [shard.process] : [],
      );
      const exits = children.map((child) => once(child, 'exit'));
      for (const child of children) child.kill('SIGTERM');
      // Each shard drains for at most DRAIN_TIMEOUT_MS; one stuck past that is killed.
      const timer = setTimeout(() => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, DRAIN_TIMEOUT_MS + 5_000);
      await Promise.all(exits);
      clearTimeout(timer);
      await archive.close();
    })());
  // Shards identify one after another unless Discord lets them all start together.
  const delay = total <= advice.maxConcurrency ? 0 : 5500;
  logger.info({ shards: total, here: shardList, delay }, 'spawning shards');
  try {
    await manager.spawn({ amount: total, delay, timeout: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { manager, stop };
}
