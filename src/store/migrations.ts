import type Database from 'better-sqlite3';

/**
 * Versioned migrations, applied in order on open inside one transaction each; the version
 * lives in `PRAGMA user_version`. Never edit a shipped migration: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE guild_settings (
     guild_id TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (guild_id, key)
   );
   CREATE TABLE feedback (
     guild_id TEXT,
     user_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     article_id TEXT NOT NULL,
     vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
     at TEXT NOT NULL,
     PRIMARY KEY (user_id, message_id)
   );
   CREATE TABLE query_log (
     id INTEGER PRIMARY KEY,
     guild_id TEXT,
     at TEXT NOT NULL,
     answered INTEGER NOT NULL,
     reason TEXT,
     question TEXT,
     results INTEGER NOT NULL,
     ms REAL NOT NULL
   );
   CREATE INDEX query_log_at ON query_log (at);
   CREATE TABLE article_seen (
     article_id TEXT PRIMARY KEY,
     file TEXT NOT NULL,
     first_seen_at TEXT NOT NULL
   );`,
  `CREATE TABLE digest_schedule (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     cron TEXT NOT NULL,
     timezone TEXT NOT NULL,
     topic TEXT,
     count INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_run_at TEXT,
     paused_reason TEXT
   );
   CREATE TABLE digest_run (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     schedule_id INTEGER,
     article_ids TEXT NOT NULL,
     skipped_ids TEXT NOT NULL,
     options TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
     message_id TEXT,
     error TEXT,
     created_at TEXT NOT NULL,
     posted_at TEXT
   );
   CREATE INDEX digest_run_channel ON digest_run (channel_id, id);
   CREATE TABLE digest_ledger (
     channel_id TEXT NOT NULL,
     article_id TEXT NOT NULL,
     run_id INTEGER NOT NULL,
     how TEXT NOT NULL CHECK (how IN ('posted', 'skipped')),
     at TEXT NOT NULL,
     PRIMARY KEY (channel_id, article_id)
   );
   CREATE TABLE feed (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     url TEXT NOT NULL,
     title TEXT,
     added_by TEXT NOT NULL,
     added_at TEXT NOT NULL,
     last_polled_at TEXT,
     last_error TEXT,
     UNIQUE (guild_id, url)
   );
   CREATE TABLE feed_item (
     feed_id INTEGER NOT NULL REFERENCES feed (id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     article_id TEXT,
     file TEXT,
     added_at TEXT NOT NULL,
     PRIMARY KEY (feed_id, key)
   );`,
  // Every server is a tenant: a feed item is known per server (a feed in one server can't make
  // another skip its items), so each item records the server whose feed brought it in.
  `ALTER TABLE feed_item ADD COLUMN guild_id TEXT;
   UPDATE feed_item SET guild_id = (SELECT guild_id FROM feed WHERE feed.id = feed_item.feed_id);
   CREATE INDEX feed_item_guild_key ON feed_item (guild_id, key);`,
  // Processes sharing the database claim a digest before posting it: a scheduled run's key (its
  // schedule and due time) is unique per channel, so only one process posts it; the owner says
  // which process is posting a pending run, so another does not "recover" it while it still posts.
  `ALTER TABLE digest_run ADD COLUMN run_key TEXT;
   ALTER TABLE digest_run ADD COLUMN owner TEXT;
   CREATE UNIQUE INDEX digest_run_claim ON digest_run (channel_id, run_key);`,
  // Votes are per answer (the message); the question is kept with a vote (when the server keeps question text) for the unhelpful-answers report.
  `ALTER TABLE feedback ADD COLUMN question TEXT;
   CREATE INDEX feedback_message ON feedback (message_id);`,
  // Several hosts on one database: each server's added files live here (every host's copy of the
  // server's folder is built from them, kept current from the change log), and question rate limits
  // are counted here so they hold across processes (PostgreSQL; SQLite keeps them in memory).
  `CREATE TABLE guild_file (
     guild_id TEXT NOT NULL,
     file TEXT NOT NULL,
     content TEXT NOT NULL,
     at TEXT NOT NULL,
     PRIMARY KEY (guild_id, file)
   );
   CREATE TABLE guild_file_change (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     guild_id TEXT NOT NULL,
     file TEXT NOT NULL,
     op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
     at TEXT NOT NULL
   );
   CREATE TABLE rate_limit_hit (
     key TEXT NOT NULL,
     at_ms INTEGER NOT NULL
   );
   CREATE INDEX rate_limit_hit_key ON rate_limit_hit (key, at_ms);`,
  // Members follow topics per server: a follow is new articles on a topic sent by DM; the ledger
  // records each article sent to a member (under the message that carried it), so nothing goes
  // twice across restarts and the daily limit counts messages. A digest schedule may post "as
  // they arrive", and ping an opt-in role (role_id) — the only ping Newsdesk makes.
  `CREATE TABLE follow (
     id INTEGER PRIMARY KEY,
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     topic TEXT NOT NULL,
     topic_key TEXT NOT NULL,
     created_at TEXT NOT NULL,
     UNIQUE (guild_id, user_id, topic_key)
   );
   CREATE TABLE follow_ledger (
     guild_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     article_id TEXT NOT NULL,
     message_key TEXT NOT NULL,
     at TEXT NOT NULL,
     PRIMARY KEY (guild_id, user_id, article_id)
   );
   CREATE INDEX follow_ledger_user_at ON follow_ledger (user_id, at);
   CREATE INDEX article_seen_at ON article_seen (first_seen_at);
   ALTER TABLE digest_schedule ADD COLUMN role_id TEXT;`,
  // Which host made a change to a server's files: a host does not apply its own changes back onto
  // its folder (which is newer than the log while a removal and a re-adding are being recorded).
  `ALTER TABLE guild_file_change ADD COLUMN origin TEXT;`,
];

/** Brings a database up to the newest schema, one transaction per migration; refuses a newer one. */
export function migrate(db: Database.Database): void {
  const at = schemaVersion(db);
  if (at > MIGRATIONS.length)
    throw new Error(
      `database schema version ${at} is newer than this Newsdesk knows (${MIGRATIONS.length}); upgrade Newsdesk`,
    );
  for (let v = at; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The schema version a database is at. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
