import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { Answer } from '../core/answer.js';

/**
 * Versioned migrations, applied in order on open inside one transaction each; the version
 * lives in `PRAGMA user_version`. Never edit a shipped migration: add the next one.
 */
const MIGRATIONS: readonly string[] = [
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
];

/** Per-guild settings, each validated; stored as JSON by key. */
export const SETTINGS = {
  /** Channels where mentions are answered; empty means every channel. */
  answerChannels: z.array(z.string().regex(/^\d{17,20}$/)).max(100),
  /** Keep question text in the query log (for "most asked unanswered" stats). */
  storeQuestionText: z.boolean(),
} as const;
export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]>;

export interface StoreOptions {
  /** A file path, or ":memory:". */
  path: string;
  now?: () => Date;
  /** Default for guilds that have not set storeQuestionText. */
  storeQuestionText?: boolean;
}

export interface QueryStats {
  answered: number;
  refused: number;
  /** Most-asked refused questions (only those whose text was kept), most asked first. */
  unanswered: Array<{ question: string; count: number }>;
  feedback: { up: number; down: number };
}

/** Newsdesk's SQLite storage: settings, feedback, the query log and when articles were first seen. */
export class Store {
  readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly storeQuestionTextDefault: boolean;

  constructor(options: StoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.now = options.now ?? (() => new Date());
    this.storeQuestionTextDefault = options.storeQuestionText ?? false;
    this.migrate();
  }

  /** The schema version this database is at. */
  get version(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const at = this.version;
    if (at > MIGRATIONS.length) throw new Error(`database schema version ${at} is newer than this Newsdesk knows (${MIGRATIONS.length}); upgrade Newsdesk`);
    for (let v = at; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  getSetting<K extends SettingKey>(guildId: string, key: K): SettingValue<K> | undefined {
    const row = this.db.prepare('SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?').get(guildId, key) as { value: string } | undefined;
    if (!row) return undefined;
    const parsed = SETTINGS[key].safeParse(JSON.parse(row.value));
    return parsed.success ? (parsed.data as SettingValue<K>) : undefined;
  }

  /** Stores a setting; throws a zod error (and changes nothing) when the value is invalid. */
  setSetting<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): void {
    const valid = SETTINGS[key].parse(value);
    this.db
      .prepare('INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
      .run(guildId, key, JSON.stringify(valid), this.now().toISOString());
  }

  answerChannels(guildId: string): string[] {
    return this.getSetting(guildId, 'answerChannels') ?? [];
  }

  /** One vote per user per answer: a new vote replaces the old one. */
  recordFeedback(f: { guildId: string | null; userId: string; messageId: string; articleId: string; vote: 1 | -1 }): void {
    this.db
      .prepare('INSERT INTO feedback (guild_id, user_id, message_id, article_id, vote, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, message_id) DO UPDATE SET vote = excluded.vote, article_id = excluded.article_id, at = excluded.at')
      .run(f.guildId, f.userId, f.messageId, f.articleId, f.vote, this.now().toISOString());
  }

  /** Logs a question's outcome; its text only when the guild keeps question text. */
  logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): void {
    const keepText = (q.guildId ? this.getSetting(q.guildId, 'storeQuestionText') : undefined) ?? this.storeQuestionTextDefault;
    this.db
      .prepare('INSERT INTO query_log (guild_id, at, answered, reason, question, results, ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(q.guildId, this.now().toISOString(), q.answer.answered ? 1 : 0, q.answer.reason ?? null, keepText ? q.question.slice(0, 1000) : null, q.answer.results.length, q.ms);
  }

  /** Answered and refused questions, the most-asked unanswered ones and feedback, over the last `days`. */
  stats(guildId: string | null, days = 7, top = 5): QueryStats {
    const since = new Date(this.now().getTime() - days * 86_400_000).toISOString();
    const scope = guildId === null ? 'guild_id IS NULL' : 'guild_id = @guild';
    const params = { guild: guildId, since, top };
    const counts = this.db.prepare(`SELECT COALESCE(SUM(answered), 0) AS answered, COUNT(*) - COALESCE(SUM(answered), 0) AS refused FROM query_log WHERE ${scope} AND at >= @since`).get(params) as { answered: number; refused: number };
    const unanswered = this.db
      .prepare(`SELECT question, COUNT(*) AS count FROM query_log WHERE ${scope} AND at >= @since AND answered = 0 AND question IS NOT NULL GROUP BY lower(question) ORDER BY count DESC, MAX(at) DESC LIMIT @top`)
      .all(params) as Array<{ question: string; count: number }>;
    const fb = this.db.prepare(`SELECT COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE ${scope} AND at >= @since`).get(params) as { up: number; down: number };
    return { answered: counts.answered, refused: counts.refused, unanswered, feedback: fb };
  }

  /** Records articles not seen before; returns how many were new. */
  markSeen(articles: ReadonlyArray<{ id: string; file: string }>): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO article_seen (article_id, file, first_seen_at) VALUES (?, ?, ?)');
    const at = this.now().toISOString();
    return this.db.transaction(() => articles.reduce((n, a) => n + insert.run(a.id, a.file, at).changes, 0))();
  }

  /** When each article was first seen (ISO time), by article id. */
  firstSeen(): Map<string, string> {
    const rows = this.db.prepare('SELECT article_id, first_seen_at FROM article_seen').all() as Array<{ article_id: string; first_seen_at: string }>;
    return new Map(rows.map((r) => [r.article_id, r.first_seen_at]));
  }
}
