import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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
];

/** Owners (see {@link Store.owner}) of the stores open in this process. */
const OPEN_OWNERS = new Set<string>();
const HOST = hostname();

/**
 * Whether the process (and, in this process, the store) that owns a pending run is still alive.
 * Another host's process can't be checked: it counts as alive, so its run is never posted twice.
 */
function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split('/');
  if (host !== HOST) return true;
  if (Number(pid) === process.pid) return OPEN_OWNERS.has(owner);
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What {@link Store.claimRun} decided: the run to post, or why not. */
export type Claim =
  | { claimed: true; run: DigestRun }
  /** Another process already has this run (same channel and key): it posts it, not us. */
  | { claimed: false; why: 'taken' }
  /** Another live process is posting a digest in this channel right now: wait, select again. */
  | { claimed: false; why: 'busy' }
  /** An article selected was posted in the channel meanwhile: select again. */
  | { claimed: false; why: 'stale' };

/** Per-guild settings, each validated; stored as JSON by key. */
export const SETTINGS = {
  /** Channels where mentions are answered; empty means every channel. */
  answerChannels: z.array(z.string().regex(/^\d{17,20}$/)).max(100),
  /** Keep question text in the query log (for "most asked unanswered" stats). */
  storeQuestionText: z.boolean(),
  /** How many articles a digest carries when `count` is not given. */
  digestCount: z.number().int().min(1).max(25),
  /** IANA time zone digest schedules are read in when `timezone` is not given. */
  digestTimezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Rome'),
  /** Questions per user per rate-limit window in this guild (overrides RATE_LIMIT_QUESTIONS). */
  rateLimitQuestions: z.number().int().min(1).max(1000),
} as const;

/** True for a time zone name this runtime knows (e.g. "Europe/Rome", "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]>;

export interface DigestSchedule {
  id: number;
  guildId: string;
  channelId: string;
  /** A cron pattern (croner syntax). */
  cron: string;
  /** IANA time zone the pattern is read in. */
  timezone: string;
  topic: string | null;
  count: number;
  createdBy: string;
  createdAt: string;
  lastRunAt: string | null;
  /** Why the schedule stopped posting (e.g. missing permissions), or null while it runs. */
  pausedReason: string | null;
}

export interface DigestRun {
  id: number;
  guildId: string;
  channelId: string;
  scheduleId: number | null;
  /** Articles the post carries, in order. */
  articleIds: string[];
  /** Articles marked seen without being posted (the first run of a schedule does not flood). */
  skippedIds: string[];
  /** The selection options, for `/digest why`. */
  options: Record<string, unknown>;
  state: 'pending' | 'posted' | 'failed';
  messageId: string | null;
  error: string | null;
  createdAt: string;
  postedAt: string | null;
  /** The store (process) posting it while pending; see {@link Store.owner}. */
  owner: string | null;
}

/** A digest about to be posted (see {@link Store.beginRun}). */
export interface NewRun {
  guildId: string;
  channelId: string;
  scheduleId: number | null;
  articleIds: string[];
  skippedIds: string[];
  options: Record<string, unknown>;
  /** Identifies the run across processes, e.g. a schedule's due time: one run per key and channel. */
  runKey?: string | null;
}

export interface LedgerEntry {
  how: 'posted' | 'skipped';
  runId: number;
  at: string;
}

export interface Feed {
  id: number;
  guildId: string;
  url: string;
  title: string | null;
  addedBy: string;
  addedAt: string;
  lastPolledAt: string | null;
  lastError: string | null;
}

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
  /** Answers with more 👎 than 👍, most 👎 first (the question when its text was kept). */
  unhelpful: Array<{ question: string | null; up: number; down: number }>;
}

/** Newsdesk's SQLite storage: settings, feedback, the query log and when articles were first seen. */
export class Store {
  readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly storeQuestionTextDefault: boolean;

  /** Who posts this store's digests: host/pid/random, checked by other processes before they settle a pending run. */
  readonly owner = `${HOST}/${process.pid}/${randomBytes(6).toString('hex')}`;

  constructor(options: StoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.now = options.now ?? (() => new Date());
    this.storeQuestionTextDefault = options.storeQuestionText ?? false;
    this.migrate();
    OPEN_OWNERS.add(this.owner);
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
    OPEN_OWNERS.delete(this.owner);
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

  setAnswerChannels(guildId: string, channelIds: string[]): void {
    this.setSetting(guildId, 'answerChannels', [...new Set(channelIds)]);
  }

  keepsQuestionText(guildId: string): boolean {
    return this.getSetting(guildId, 'storeQuestionText') ?? this.storeQuestionTextDefault;
  }

  setKeepsQuestionText(guildId: string, keep: boolean): void {
    this.setSetting(guildId, 'storeQuestionText', keep);
  }

  /** One vote per user per answer: a new vote replaces the old one. */
  recordFeedback(f: { guildId: string | null; userId: string; messageId: string; articleId: string; vote: 1 | -1; question?: string }): void {
    const keepText = f.guildId ? this.keepsQuestionText(f.guildId) : this.storeQuestionTextDefault;
    this.db
      .prepare(
        'INSERT INTO feedback (guild_id, user_id, message_id, article_id, vote, at, question) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, message_id) DO UPDATE SET vote = excluded.vote, article_id = excluded.article_id, at = excluded.at, question = excluded.question',
      )
      .run(f.guildId, f.userId, f.messageId, f.articleId, f.vote, this.now().toISOString(), keepText && f.question ? f.question.slice(0, 1000) : null);
  }

  /** The votes on one answer (a message). */
  votes(messageId: string): { up: number; down: number } {
    return this.db.prepare('SELECT COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE message_id = ?').get(messageId) as { up: number; down: number };
  }

  /** Logs a question's outcome; its text only when the guild keeps question text. */
  logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): void {
    const keepText = q.guildId ? this.keepsQuestionText(q.guildId) : this.storeQuestionTextDefault;
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
    const unhelpful = this.db
      .prepare(
        `SELECT MAX(question) AS question, COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE ${scope} AND at >= @since GROUP BY message_id HAVING down > up ORDER BY down DESC, MAX(at) DESC LIMIT @top`,
      )
      .all(params) as Array<{ question: string | null; up: number; down: number }>;
    return { answered: counts.answered, refused: counts.refused, unanswered, feedback: fb, unhelpful };
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
      del('DELETE FROM digest_ledger WHERE channel_id IN (SELECT channel_id FROM digest_run WHERE guild_id = ? UNION SELECT channel_id FROM digest_schedule WHERE guild_id = ?)', guildId, guildId);
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

  // --- digests ------------------------------------------------------------------------------

  addSchedule(s: { guildId: string; channelId: string; cron: string; timezone: string; topic: string | null; count: number; createdBy: string }): DigestSchedule {
    const info = this.db
      .prepare('INSERT INTO digest_schedule (guild_id, channel_id, cron, timezone, topic, count, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.guildId, s.channelId, s.cron, s.timezone, s.topic, s.count, s.createdBy, this.now().toISOString());
    return this.schedule(Number(info.lastInsertRowid))!;
  }

  schedule(id: number): DigestSchedule | undefined {
    const row = this.db.prepare('SELECT * FROM digest_schedule WHERE id = ?').get(id) as ScheduleRow | undefined;
    return row && toSchedule(row);
  }

  /** Schedules of one guild, or of every guild. */
  schedules(guildId?: string): DigestSchedule[] {
    const rows = (guildId === undefined ? this.db.prepare('SELECT * FROM digest_schedule ORDER BY id').all() : this.db.prepare('SELECT * FROM digest_schedule WHERE guild_id = ? ORDER BY id').all(guildId)) as ScheduleRow[];
    return rows.map(toSchedule);
  }

  /** Removes a guild's schedule; false when it has no schedule with that id. */
  removeSchedule(guildId: string, id: number): boolean {
    return this.db.prepare('DELETE FROM digest_schedule WHERE guild_id = ? AND id = ?').run(guildId, id).changes > 0;
  }

  markScheduleRun(id: number, at: Date): void {
    this.db.prepare('UPDATE digest_schedule SET last_run_at = ? WHERE id = ?').run(at.toISOString(), id);
  }

  /** Pauses a schedule with a reason shown in `/digest list`, or resumes it with null. */
  pauseSchedule(id: number, reason: string | null): void {
    this.db.prepare('UPDATE digest_schedule SET paused_reason = ? WHERE id = ?').run(reason, id);
  }

  /**
   * Records a digest about to be posted. It stays pending until {@link completeRun}: after a crash
   * a pending run is either found in the channel (then completed) or posted again, never both.
   */
  beginRun(r: NewRun): DigestRun {
    const info = this.db
      .prepare("INSERT INTO digest_run (guild_id, channel_id, schedule_id, article_ids, skipped_ids, options, state, created_at, run_key, owner) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)")
      .run(r.guildId, r.channelId, r.scheduleId, JSON.stringify(r.articleIds), JSON.stringify(r.skippedIds), JSON.stringify(r.options), this.now().toISOString(), r.runKey ?? null, this.owner);
    return this.run(Number(info.lastInsertRowid))!;
  }

  /**
   * Claims a digest for its channel before it is posted, atomically across every process on this
   * database (an IMMEDIATE transaction holds SQLite's write lock from check to insert): refused
   * when a run with the same key exists in the channel, when another live process has a digest
   * pending there, or when one of the articles was posted there since it was selected.
   */
  claimRun(r: NewRun): Claim {
    const claim = this.db.transaction((): Claim => {
      if (r.runKey && this.db.prepare('SELECT 1 FROM digest_run WHERE channel_id = ? AND run_key = ?').get(r.channelId, r.runKey)) return { claimed: false, why: 'taken' };
      const pending = this.db.prepare("SELECT owner FROM digest_run WHERE channel_id = ? AND state = 'pending'").all(r.channelId) as Array<{ owner: string | null }>;
      if (pending.some((p) => p.owner !== this.owner && ownerAlive(p.owner))) return { claimed: false, why: 'busy' };
      const posted = this.db.prepare('SELECT 1 FROM digest_ledger WHERE channel_id = ? AND article_id = ?');
      if (r.articleIds.some((a) => posted.get(r.channelId, a))) return { claimed: false, why: 'stale' };
      return { claimed: true, run: this.beginRun(r) };
    });
    return claim.immediate();
  }

  run(id: number): DigestRun | undefined {
    const row = this.db.prepare('SELECT * FROM digest_run WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  /** Marks a run posted and writes its articles into the channel's ledger, in one transaction. */
  completeRun(id: number, messageId: string | null): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const run = this.run(id);
      if (!run || run.state === 'posted') return;
      this.db.prepare("UPDATE digest_run SET state = 'posted', message_id = ?, posted_at = ?, error = NULL WHERE id = ?").run(messageId, at, id);
      const put = this.db.prepare('INSERT OR IGNORE INTO digest_ledger (channel_id, article_id, run_id, how, at) VALUES (?, ?, ?, ?, ?)');
      for (const a of run.articleIds) put.run(run.channelId, a, id, 'posted', at);
      for (const a of run.skippedIds) put.run(run.channelId, a, id, 'skipped', at);
    })();
  }

  /** Marks a run failed; its key is released, so its schedule can try that run again. */
  failRun(id: number, error: string): void {
    this.db.prepare("UPDATE digest_run SET state = 'failed', error = ?, run_key = NULL WHERE id = ? AND state = 'pending'").run(error.slice(0, 500), id);
  }

  pendingRuns(): DigestRun[] {
    return (this.db.prepare("SELECT * FROM digest_run WHERE state = 'pending' ORDER BY id").all() as RunRow[]).map(toRun);
  }

  /** Pending runs whose process is gone (a crash): those are for {@link DigestService.recover} to settle, not a live process's. */
  orphanedRuns(): DigestRun[] {
    const rows = this.db.prepare("SELECT * FROM digest_run WHERE state = 'pending' ORDER BY id").all() as RunRow[];
    return rows.filter((r) => !ownerAlive(r.owner)).map(toRun);
  }

  /** Takes over an orphaned pending run for this store; false when another process took it first. */
  adoptRun(id: number, previousOwner: string | null): boolean {
    return this.db.prepare("UPDATE digest_run SET owner = ? WHERE id = ? AND state = 'pending' AND owner IS ?").run(this.owner, id, previousOwner).changes > 0;
  }

  /** The newest posted run in a channel (or in any channel of the guild when no channel is given). */
  lastPostedRun(guildId: string, channelId?: string): DigestRun | undefined {
    const row = (channelId
      ? this.db.prepare("SELECT * FROM digest_run WHERE guild_id = ? AND channel_id = ? AND state = 'posted' ORDER BY id DESC LIMIT 1").get(guildId, channelId)
      : this.db.prepare("SELECT * FROM digest_run WHERE guild_id = ? AND state = 'posted' ORDER BY id DESC LIMIT 1").get(guildId)) as RunRow | undefined;
    return row && toRun(row);
  }

  /** What was posted (or marked seen) in a channel, by article id. */
  ledger(channelId: string): Map<string, LedgerEntry> {
    const rows = this.db.prepare('SELECT article_id, run_id, how, at FROM digest_ledger WHERE channel_id = ?').all(channelId) as Array<{ article_id: string; run_id: number; how: 'posted' | 'skipped'; at: string }>;
    return new Map(rows.map((r) => [r.article_id, { how: r.how, runId: r.run_id, at: r.at }]));
  }

  // --- feeds --------------------------------------------------------------------------------

  /** Adds a feed; returns undefined when the guild already follows that url. */
  addFeed(f: { guildId: string; url: string; title: string | null; addedBy: string }): Feed | undefined {
    const info = this.db.prepare('INSERT OR IGNORE INTO feed (guild_id, url, title, added_by, added_at) VALUES (?, ?, ?, ?, ?)').run(f.guildId, f.url, f.title, f.addedBy, this.now().toISOString());
    if (info.changes === 0) return undefined;
    return this.feeds().find((x) => x.id === Number(info.lastInsertRowid));
  }

  feeds(guildId?: string): Feed[] {
    const rows = (guildId === undefined ? this.db.prepare('SELECT * FROM feed ORDER BY id').all() : this.db.prepare('SELECT * FROM feed WHERE guild_id = ? ORDER BY id').all(guildId)) as FeedRow[];
    return rows.map((r) => ({ id: r.id, guildId: r.guild_id, url: r.url, title: r.title, addedBy: r.added_by, addedAt: r.added_at, lastPolledAt: r.last_polled_at, lastError: r.last_error }));
  }

  /** Removes a guild's feed by id or url; false when there is none. */
  removeFeed(guildId: string, idOrUrl: string): boolean {
    const id = /^\d+$/.test(idOrUrl) ? Number(idOrUrl) : -1;
    return this.db.prepare('DELETE FROM feed WHERE guild_id = ? AND (id = ? OR url = ?)').run(guildId, id, idOrUrl).changes > 0;
  }

  markFeedPolled(id: number, error: string | null): void {
    this.db.prepare('UPDATE feed SET last_polled_at = ?, last_error = ? WHERE id = ?').run(this.now().toISOString(), error && error.slice(0, 300), id);
  }

  /**
   * True when a feed of one of `guildIds` already brought in an item with one of these keys (guid,
   * url). The scope is the asking server alone, or every curator server for a curator (they share
   * one corpus): never another server's feeds.
   */
  feedItemKnown(guildIds: readonly string[], keys: readonly string[]): boolean {
    if (guildIds.length === 0) return false;
    const has = this.db.prepare(`SELECT 1 FROM feed_item WHERE key = ? AND guild_id IN (${guildIds.map(() => '?').join(', ')}) LIMIT 1`);
    return keys.some((k) => has.get(k, ...guildIds) !== undefined);
  }

  /** Records an item of a feed under each of its keys (and the feed's server), so later polls skip it by guid or by url. */
  recordFeedItem(feedId: number, keys: readonly string[], articleId: string | null, file: string | null): void {
    const put = this.db.prepare('INSERT OR IGNORE INTO feed_item (feed_id, key, article_id, file, added_at, guild_id) VALUES (?, ?, ?, ?, ?, (SELECT guild_id FROM feed WHERE id = ?))');
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const k of keys) put.run(feedId, k, articleId, file, at, feedId);
    })();
  }
}

interface ScheduleRow {
  id: number;
  guild_id: string;
  channel_id: string;
  cron: string;
  timezone: string;
  topic: string | null;
  count: number;
  created_by: string;
  created_at: string;
  last_run_at: string | null;
  paused_reason: string | null;
}

function toSchedule(r: ScheduleRow): DigestSchedule {
  return { id: r.id, guildId: r.guild_id, channelId: r.channel_id, cron: r.cron, timezone: r.timezone, topic: r.topic, count: r.count, createdBy: r.created_by, createdAt: r.created_at, lastRunAt: r.last_run_at, pausedReason: r.paused_reason };
}

interface RunRow {
  id: number;
  guild_id: string;
  channel_id: string;
  schedule_id: number | null;
  article_ids: string;
  skipped_ids: string;
  options: string;
  state: 'pending' | 'posted' | 'failed';
  message_id: string | null;
  error: string | null;
  created_at: string;
  posted_at: string | null;
  owner: string | null;
}

function toRun(r: RunRow): DigestRun {
  return {
    id: r.id,
    guildId: r.guild_id,
    channelId: r.channel_id,
    scheduleId: r.schedule_id,
    articleIds: JSON.parse(r.article_ids) as string[],
    skippedIds: JSON.parse(r.skipped_ids) as string[],
    options: JSON.parse(r.options) as Record<string, unknown>,
    state: r.state,
    messageId: r.message_id,
    error: r.error,
    createdAt: r.created_at,
    postedAt: r.posted_at,
    owner: r.owner,
  };
}

interface FeedRow {
  id: number;
  guild_id: string;
  url: string;
  title: string | null;
  added_by: string;
  added_at: string;
  last_polled_at: string | null;
  last_error: string | null;
}
