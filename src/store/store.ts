import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ActivityStore } from './activity.js';
import { SeenArticles } from './articles.js';
import { DigestStore } from './digests.js';
import { FeedStore } from './feeds.js';
import { migrate, schemaVersion } from './migrations.js';
import { SettingsStore } from './settings.js';

export type { QueryStats } from './activity.js';
export type { Claim, DigestRun, DigestSchedule, LedgerEntry, NewRun } from './digests.js';
export type { Feed } from './feeds.js';
export { SETTINGS, isTimeZone, type SettingKey, type SettingValue } from './settings.js';
export { ActivityStore, DigestStore, FeedStore, SeenArticles, SettingsStore };

export interface StoreOptions {
  /** A file path, or ":memory:". */
  path: string;
  now?: () => Date;
  /** Default for guilds that have not set storeQuestionText. */
  storeQuestionText?: boolean;
}

/** The store's parts, without the database or its lifetime: what the Discord layer and services are given. */
export type StoreParts = Pick<Store, 'settings' | 'activity' | 'articles' | 'digests' | 'feeds'>;

/**
 * Newsdesk's SQLite storage, one part per aggregate: guild settings, members' questions and votes,
 * when articles were first seen, digests (schedules, runs, ledgers) and feeds. Callers take the
 * part they need; only src/store sees the database itself.
 */
export class Store {
  /** The database, for src/store and tests that check rows directly; the rest of Newsdesk goes through the parts below. */
  readonly db: Database.Database;
  readonly settings: SettingsStore;
  readonly activity: ActivityStore;
  readonly articles: SeenArticles;
  readonly digests: DigestStore;
  readonly feeds: FeedStore;

  constructor(options: StoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    const now = options.now ?? (() => new Date());
    migrate(this.db);
    this.settings = new SettingsStore(this.db, now, options.storeQuestionText ?? false);
    this.activity = new ActivityStore(this.db, now, this.settings);
    this.articles = new SeenArticles(this.db, now);
    this.digests = new DigestStore(this.db, now);
    this.feeds = new FeedStore(this.db, now);
  }

  /** The schema version this database is at. */
  get version(): number {
    return schemaVersion(this.db);
  }

  /** Who posts this store's digests (see {@link DigestStore.owner}). */
  get owner(): string {
    return this.digests.owner;
  }

  close(): void {
    this.digests.release();
    this.db.close();
  }

  /**
   * Deletes everything stored for a server: its settings, feeds (and their items), digest
   * schedules, runs and channel ledgers, its questions and feedback, and when its own articles were
   * first seen. Returns how many rows went (cascaded feed items not counted).
   */
  forgetGuild(guildId: string): number {
    const prefix = `g${guildId}/`;
    return this.db.transaction(() => {
      let rows = 0;
      const del = (sql: string, ...args: unknown[]) => (rows += this.db.prepare(sql).run(...args).changes);
      del(
        'DELETE FROM digest_ledger WHERE channel_id IN (SELECT channel_id FROM digest_run WHERE guild_id = ? UNION SELECT channel_id FROM digest_schedule WHERE guild_id = ?)',
        guildId,
        guildId,
      );
      del('DELETE FROM digest_run WHERE guild_id = ?', guildId);
      del('DELETE FROM digest_schedule WHERE guild_id = ?', guildId);
      del('DELETE FROM feed WHERE guild_id = ?', guildId);
      del('DELETE FROM guild_settings WHERE guild_id = ?', guildId);
      del('DELETE FROM query_log WHERE guild_id = ?', guildId);
      del('DELETE FROM feedback WHERE guild_id = ?', guildId);
      del('DELETE FROM article_seen WHERE substr(article_id, 1, ?) = ?', prefix.length, prefix);
      return rows;
    })();
  }
}
