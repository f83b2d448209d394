import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteActivity } from './activity.js';
import { SqliteSeenArticles } from './articles.js';
import { SqliteDigests } from './digests.js';
import { SqliteFeeds } from './feeds.js';
import { SqliteFollows } from './follows.js';
import { SqliteGuildFiles } from './guildFiles.js';
import { migrate, schemaVersion } from './migrations.js';
import type { NewsStore } from './parts.js';
import { SqliteSettings } from './settings.js';

export type * from './parts.js';
export { SETTINGS, isTimeZone, type SettingKey, type SettingValue } from './settings.js';

export interface StoreOptions {
  /** A file path, or ":memory:". */
  path: string;
  now?: () => Date;
  /** Default for guilds that have not set storeQuestionText. */
  storeQuestionText?: boolean;
}

/**
 * Newsdesk's SQLite storage (the embedded default), one part per aggregate: guild settings,
 * members' questions and votes, when articles were first seen, digests (schedules, runs, ledgers),
 * members' follows (and what each was sent),
 * feeds and servers' added files. Callers take the part they need; only src/store sees the database itself.
 */
export class Store implements NewsStore {
  readonly dialect = 'sqlite';
  /** The database, for src/store and tests that check rows directly; the rest of Newsdesk goes through the parts below. */
  readonly db: Database.Database;
  readonly settings: SqliteSettings;
  readonly activity: SqliteActivity;
  readonly articles: SqliteSeenArticles;
  readonly digests: SqliteDigests;
  readonly feeds: SqliteFeeds;
  readonly guildFiles: SqliteGuildFiles;
  readonly follows: SqliteFollows;

  constructor(options: StoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    const now = options.now ?? (() => new Date());
    migrate(this.db);
    this.settings = new SqliteSettings(this.db, now, options.storeQuestionText ?? false);
    this.activity = new SqliteActivity(this.db, now, this.settings);
    this.articles = new SqliteSeenArticles(this.db, now);
    this.digests = new SqliteDigests(this.db, now);
    this.feeds = new SqliteFeeds(this.db, now);
    this.guildFiles = new SqliteGuildFiles(this.db, now);
    this.follows = new SqliteFollows(this.db, now);
  }

  /** The schema version this database is at. */
  get version(): number {
    return schemaVersion(this.db);
  }

  async schemaVersion(): Promise<number> {
    return this.version;
  }

  /** Who posts this store's digests (see {@link DigestStore.owner}). */
  get owner(): string {
    return this.digests.owner;
  }

  close(): void {
    this.digests.release();
    this.db.close();
  }

  async forgetGuild(guildId: string): Promise<number> {
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
      del('DELETE FROM follow WHERE guild_id = ?', guildId);
      del('DELETE FROM follow_ledger WHERE guild_id = ?', guildId);
      del('DELETE FROM feed WHERE guild_id = ?', guildId);
      del('DELETE FROM guild_settings WHERE guild_id = ?', guildId);
      del('DELETE FROM query_log WHERE guild_id = ?', guildId);
      del('DELETE FROM feedback WHERE guild_id = ?', guildId);
      del('DELETE FROM article_seen WHERE substr(article_id, 1, ?) = ?', prefix.length, prefix);
      // The server's files go; its change log keeps only their deletion, which other hosts still have to apply.
      this.db.prepare('DELETE FROM guild_file_change WHERE guild_id = ?').run(guildId);
      this.db
        .prepare(
          "INSERT INTO guild_file_change (guild_id, file, op, at) SELECT guild_id, file, 'delete', ? FROM guild_file WHERE guild_id = ?",
        )
        .run(new Date().toISOString(), guildId);
      del('DELETE FROM guild_file WHERE guild_id = ?', guildId);
      return rows;
    })();
  }
}
