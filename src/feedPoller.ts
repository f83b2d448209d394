import type { Logger } from 'pino';
import { MAX_ITEMS_PER_FEED_POLL, pollFeed } from './ingest/feeds.js';
import type { FetchOptions } from './ingest/fetch.js';
import type { StoreParts } from './store/store.js';

/** New items brought in by one poll of every feed, all feeds together; the rest wait for the next poll. */
export const MAX_ITEMS_PER_POLL = 200;

/** What one poll brought in. */
export interface PollSummary {
  added: number;
  errors: number;
}

/** Where a server's feed items go, and whose items count as already brought in. */
export interface FeedTargets {
  /** The archive folder the server's additions go to (the shared corpus for a curator). */
  dirFor(guildId: string): string;
  /** The servers whose feed items a server's feeds skip: itself, or every curator for a curator. */
  dedupScope(guildId: string): readonly string[];
}

/**
 * Polls every followed feed on an interval (and one feed on demand), writes new items into the
 * archive of the feed's server and reindexes each archive that changed, once, after the poll.
 */
export class FeedPoller {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<PollSummary> | null = null;

  constructor(
    private readonly deps: {
      store: Pick<StoreParts, 'feeds'>;
      targets: FeedTargets;
      fetch: FetchOptions;
      reindex: (guildIds: readonly string[]) => Promise<unknown>;
      logger: Logger;
      minutes: number;
    },
  ) {}

  start(): void {
    this.timer ??= setInterval(
      () => void this.pollAll().catch((err: unknown) => this.deps.logger.error({ err }, 'feed poll failed')),
      this.deps.minutes * 60_000,
    ).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Polls every feed (one poll at a time: a slow feed never overlaps the next round). */
  pollAll(): Promise<PollSummary> {
    this.polling ??= this.deps.store.feeds
      .list()
      .then((feeds) => this.poll(feeds.map((f) => f.id)))
      .finally(() => (this.polling = null));
    return this.polling;
  }

  /** Polls one feed now (after `/feed add`). */
  pollNow(feedId: number): Promise<PollSummary> {
    return this.poll([feedId]);
  }

  private async poll(ids: number[]): Promise<PollSummary> {
    const { store, targets, fetch, logger } = this.deps;
    const total: PollSummary = { added: 0, errors: 0 };
    const changed = new Set<string>();
    for (const id of ids) {
      const feed = (await store.feeds.list()).find((f) => f.id === id);
      if (!feed) continue;
      const room = Math.min(MAX_ITEMS_PER_FEED_POLL, MAX_ITEMS_PER_POLL - total.added);
      if (room <= 0) {
        logger.info(
          { feedId: id, limit: MAX_ITEMS_PER_POLL },
          'feed left for the next poll (this poll brought in its limit of items)',
        );
        continue;
      }
      try {
        const report = await pollFeed(
          store,
          feed,
          targets.dirFor(feed.guildId),
          fetch,
          targets.dedupScope(feed.guildId),
          room,
        );
        if (report.added.length > 0) changed.add(feed.guildId);
        total.added += report.added.length;
        total.errors += report.errors.length;
        if (report.added.length || report.errors.length || report.deferred)
          logger.info(
            {
              feedId: id,
              added: report.added.length,
              skipped: report.skipped,
              deferred: report.deferred,
              errors: report.errors,
            },
            'feed polled',
          );
      } catch (err) {
        total.errors++;
        logger.warn({ err, feedId: id }, 'feed poll failed');
      }
    }
    if (changed.size > 0) {
      // The items are written; a failed reindex (a full disk when saving) leaves the previous
      // index answering and the next change or poll to try again. It must not escape: a poll
      // from the timer has no caller, and an unhandled rejection would end the process.
      try {
        await this.deps.reindex([...changed]);
      } catch (err) {
        total.errors++;
        logger.error(
          { err, guildIds: [...changed] },
          'reindex after a feed poll failed; still answering from the previous index',
        );
      }
    }
    return total;
  }
}
