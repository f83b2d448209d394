import type Database from 'better-sqlite3';
import type { Feed, FeedStore } from './parts.js';

/** The feeds each guild follows and the items they already brought in (feed, feed_item), in SQLite. */
export class SqliteFeeds implements FeedStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** Adds a feed; returns undefined when the guild already follows that url. */
  async add(f: { guildId: string; url: string; title: string | null; addedBy: string }): Promise<Feed | undefined> {
    const info = this.db
      .prepare('INSERT OR IGNORE INTO feed (guild_id, url, title, added_by, added_at) VALUES (?, ?, ?, ?, ?)')
      .run(f.guildId, f.url, f.title, f.addedBy, this.now().toISOString());
    if (info.changes === 0) return undefined;
    return (await this.list()).find((x) => x.id === Number(info.lastInsertRowid));
  }

  async list(guildId?: string): Promise<Feed[]> {
    const rows = (
      guildId === undefined
        ? this.db.prepare('SELECT * FROM feed ORDER BY id').all()
        : this.db.prepare('SELECT * FROM feed WHERE guild_id = ? ORDER BY id').all(guildId)
    ) as FeedRow[];
    return rows.map(toFeed);
  }

  /** Removes a guild's feed by id or url; false when there is none. */
  async remove(guildId: string, idOrUrl: string): Promise<boolean> {
    const id = /^\d+$/.test(idOrUrl) ? Number(idOrUrl) : -1;
    return (
      this.db.prepare('DELETE FROM feed WHERE guild_id = ? AND (id = ? OR url = ?)').run(guildId, id, idOrUrl).changes >
      0
    );
  }

  async markPolled(id: number, error: string | null): Promise<void> {
    this.db
      .prepare('UPDATE feed SET last_polled_at = ?, last_error = ? WHERE id = ?')
      .run(this.now().toISOString(), error && error.slice(0, 300), id);
  }

  /**
   * True when a feed of one of `guildIds` already brought in an item with one of these keys (guid,
   * url). The scope is the asking server alone, or every curator server for a curator (they share
   * one corpus): never another server's feeds.
   */
  async itemKnown(guildIds: readonly string[], keys: readonly string[]): Promise<boolean> {
    if (guildIds.length === 0) return false;
    const has = this.db.prepare(
      `SELECT 1 FROM feed_item WHERE key = ? AND guild_id IN (${guildIds.map(() => '?').join(', ')}) LIMIT 1`,
    );
    return keys.some((k) => has.get(k, ...guildIds) !== undefined);
  }

  /** Records an item of a feed under each of its keys (and the feed's server), so later polls skip it by guid or by url. */
  async recordItem(
    feedId: number,
    keys: readonly string[],
    articleId: string | null,
    file: string | null,
  ): Promise<void> {
    const put = this.db.prepare(
      'INSERT OR IGNORE INTO feed_item (feed_id, key, article_id, file, added_at, guild_id) VALUES (?, ?, ?, ?, ?, (SELECT guild_id FROM feed WHERE id = ?))',
    );
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const k of keys) put.run(feedId, k, articleId, file, at, feedId);
    })();
  }
}

/** A feed row as both stores return it. */
export interface FeedRow {
  id: number;
  guild_id: string;
  url: string;
  title: string | null;
  added_by: string;
  added_at: string;
  last_polled_at: string | null;
  last_error: string | null;
}

/** A feed row as the rest of Newsdesk sees it. */
export const toFeed = (r: FeedRow): Feed => ({
  id: r.id,
  guildId: r.guild_id,
  url: r.url,
  title: r.title,
  addedBy: r.added_by,
  addedAt: r.added_at,
  lastPolledAt: r.last_polled_at,
  lastError: r.last_error,
});
