/**
 * What Newsdesk asks of its storage, one interface per aggregate. Two implementations satisfy them:
 * SQLite (better-sqlite3, the embedded default for one machine) and PostgreSQL (`DATABASE_URL`, for
 * several hosts sharing one database). Every method returns a Promise because PostgreSQL is async;
 * every check-then-write that must be atomic across processes is a single method (one statement or
 * one transaction inside it), never a sequence of calls by the caller.
 */
import type { Answer } from '../core/answer.js';
import type { SettingKey, SettingValue } from './settings.js';

export interface QueryStats {
  answered: number;
  refused: number;
  /** Most-asked refused questions (only those whose text was kept), most asked first. */
  unanswered: Array<{ question: string; count: number }>;
  feedback: { up: number; down: number };
  /** Answers with more 👎 than 👍, most 👎 first (the question when its text was kept). */
  unhelpful: Array<{ question: string | null; up: number; down: number }>;
}

/** A guild's settings as read at the start of {@link SettingsStore.configure}; `set` takes effect when it returns. */
export interface SettingsDraft {
  get<K extends SettingKey>(key: K): SettingValue<K> | undefined;
  /** Validates now (throws a zod error); written with the others once the change returns. */
  set<K extends SettingKey>(key: K, value: SettingValue<K>): void;
}

/** Per-guild settings (the guild_settings table). */
export interface SettingsStore {
  get<K extends SettingKey>(guildId: string, key: K): Promise<SettingValue<K> | undefined>;
  /** Stores a setting; throws a zod error (and changes nothing) when the value is invalid. */
  set<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): Promise<void>;
  /**
   * Reads a guild's settings, lets `change` decide (synchronously) and writes what it set, all as one
   * transaction that no other change to that guild's settings interleaves with: when `change` throws,
   * nothing is written (so `/admin config` applies all its options or nothing).
   */
  configure<T>(guildId: string, change: (draft: SettingsDraft) => T): Promise<T>;
  answerChannels(guildId: string): Promise<string[]>;
  setAnswerChannels(guildId: string, channelIds: string[]): Promise<void>;
  keepsQuestionText(guildId: string): Promise<boolean>;
  /** Whether question text asked here is kept: the guild's setting, or the default outside a guild (a DM). */
  keepsQuestionTextIn(guildId: string | null): Promise<boolean>;
  setKeepsQuestionText(guildId: string, keep: boolean): Promise<void>;
}

/** What members asked and how they voted (query_log, feedback), and the report built from them. */
export interface ActivityStore {
  /** One vote per user per answer: a new vote replaces the old one. */
  recordFeedback(f: {
    guildId: string | null;
    userId: string;
    messageId: string;
    articleId: string;
    vote: 1 | -1;
    question?: string;
  }): Promise<void>;
  /** The votes on one answer (a message). */
  votes(messageId: string): Promise<{ up: number; down: number }>;
  /** Logs a question's outcome; its text only when the guild keeps question text. */
  logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): Promise<void>;
  /** Answered and refused questions, the most-asked unanswered ones and feedback, over the last `days`. */
  stats(guildId: string | null, days?: number, top?: number): Promise<QueryStats>;
}

/** When each article was first seen (article_seen): the dates `/admin corpus` and digests go by. */
export interface SeenArticles {
  /** Records articles not seen before; returns how many were new. */
  markSeen(articles: ReadonlyArray<{ id: string; file: string }>): Promise<number>;
  /** When each article was first seen (ISO time), by article id. */
  firstSeen(): Promise<Map<string, string>>;
  /** The same, for the articles first seen at or after `since` only. */
  seenSince(since: Date): Promise<Map<string, string>>;
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

/** The feeds each guild follows and the items they already brought in (feed, feed_item). */
export interface FeedStore {
  /** Adds a feed; returns undefined when the guild already follows that url. */
  add(f: { guildId: string; url: string; title: string | null; addedBy: string }): Promise<Feed | undefined>;
  list(guildId?: string): Promise<Feed[]>;
  /** Removes a guild's feed by id or url; false when there is none. */
  remove(guildId: string, idOrUrl: string): Promise<boolean>;
  markPolled(id: number, error: string | null): Promise<void>;
  /**
   * True when a feed of one of `guildIds` already brought in an item with one of these keys (guid,
   * url). The scope is the asking server alone, or every curator server for a curator (they share
   * one corpus): never another server's feeds.
   */
  itemKnown(guildIds: readonly string[], keys: readonly string[]): Promise<boolean>;
  /** Records an item of a feed under each of its keys (and the feed's server), so later polls skip it by guid or by url. */
  recordItem(feedId: number, keys: readonly string[], articleId: string | null, file: string | null): Promise<void>;
}

/** A file a server added (/article add, its feeds), kept in the database so every host can build that server's index. */
export interface GuildFile {
  guildId: string;
  /** Its name in the server's folder (relative, no directories). */
  file: string;
  content: string;
  /** When it was added or last replaced (ISO time). */
  at: string;
}

/** A change to a server's files, in the order they happened (see {@link GuildFileStore.changesSince}). */
export interface GuildFileChange {
  /** Increases with every change: a host remembers the last one it applied. */
  seq: number;
  guildId: string;
  file: string;
  op: 'put' | 'delete';
  /** The host that made it (see {@link GuildFileStore.put}); null when unknown. */
  origin: string | null;
}

/**
 * Each server's added articles (guild_file) and the feed of changes to them (guild_file_change):
 * the source of truth that every host's copy of a server's folder, and so its index, is built from.
 */
export interface GuildFileStore {
  /** Stores (or replaces) a server's file and records the change, made by the host `origin`. */
  put(guildId: string, file: string, content: string, origin?: string | null): Promise<void>;
  /** Deletes a server's file and records the change, made by the host `origin`; false when there was none. */
  remove(guildId: string, file: string, origin?: string | null): Promise<boolean>;
  /** A server's files, by name. */
  list(guildId: string): Promise<GuildFile[]>;
  /** One file, or undefined. */
  read(guildId: string, file: string): Promise<GuildFile | undefined>;
  /** Changes after `seq` (0: all), oldest first, at most `limit`. */
  changesSince(seq: number, limit?: number): Promise<GuildFileChange[]>;
}

/**
 * Question rate limits: in one process (SQLite: every shard process keeps its own, as before) or
 * shared by every process on the database (PostgreSQL).
 */
export interface RateLimits {
  /** Records an attempt by `key`; 0 when allowed, else the milliseconds until the next one is. */
  take(key: string, max: number, windowMs: number): Promise<number>;
}

/** What {@link DigestStore.claimRun} decided: the run to post, or why not. */
export type Claim =
  | { claimed: true; run: DigestRun }
  /** Another process already has this run (same channel and key): it posts it, not us. */
  | { claimed: false; why: 'taken' }
  /** Another live process is posting a digest in this channel right now: wait, select again. */
  | { claimed: false; why: 'busy' }
  /** An article selected was posted in the channel meanwhile: select again. */
  | { claimed: false; why: 'stale' };

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
  /** The opt-in role its posts ping (a `/follow channel` post), or null: no ping. */
  roleId: string | null;
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
  /** The store (process) posting it while pending; see {@link DigestStore.owner}. */
  owner: string | null;
}

/** A digest about to be posted (see {@link DigestStore.beginRun}). */
export type NewRun = Pick<
  DigestRun,
  'guildId' | 'channelId' | 'scheduleId' | 'articleIds' | 'skippedIds' | 'options'
> & {
  /** Identifies the run across processes, e.g. a schedule's due time: one run per key and channel. */
  runKey?: string | null;
};

export interface LedgerEntry {
  how: 'posted' | 'skipped';
  runId: number;
  at: string;
}

/** The fields a new schedule is given. */
export type NewSchedule = Pick<
  DigestSchedule,
  'guildId' | 'channelId' | 'cron' | 'timezone' | 'topic' | 'count' | 'createdBy'
> &
  Partial<Pick<DigestSchedule, 'roleId'>>;

/**
 * Digest schedules, runs and each channel's ledger of what was posted there. Several processes may
 * share the database: a run is claimed before it is posted (see {@link DigestStore.claimRun}).
 */
export interface DigestStore {
  /** Who posts this store's digests: host/pid/random, checked by other processes before they settle a pending run. */
  readonly owner: string;
  addSchedule(s: NewSchedule): Promise<DigestSchedule>;
  schedule(id: number): Promise<DigestSchedule | undefined>;
  /** Schedules of one guild, or of every guild. */
  schedules(guildId?: string): Promise<DigestSchedule[]>;
  /** Removes a guild's schedule; false when it has no schedule with that id. */
  removeSchedule(guildId: string, id: number): Promise<boolean>;
  markScheduleRun(id: number, at: Date): Promise<void>;
  /** Pauses a schedule with a reason shown in `/digest list`, or resumes it with null. */
  pauseSchedule(id: number, reason: string | null): Promise<void>;
  /**
   * Records a digest about to be posted. It stays pending until {@link completeRun}: after a crash
   * a pending run is either found in the channel (then completed) or posted again, never both.
   */
  beginRun(r: NewRun): Promise<DigestRun>;
  /**
   * Claims a digest for its channel before it is posted, atomically across every process on this
   * database: refused when a run with the same key exists in the channel, when another live process
   * has a digest pending there, or when one of the articles was posted there since it was selected.
   */
  claimRun(r: NewRun): Promise<Claim>;
  run(id: number): Promise<DigestRun | undefined>;
  /** Marks a run posted and writes its articles into the channel's ledger, in one transaction. */
  completeRun(id: number, messageId: string | null): Promise<void>;
  /** Marks a run failed; its key is released, so its schedule can try that run again. */
  failRun(id: number, error: string): Promise<void>;
  pendingRuns(): Promise<DigestRun[]>;
  /** Pending runs whose process is gone (a crash): those are for `DigestService.recover` to settle, not a live process's. */
  orphanedRuns(): Promise<DigestRun[]>;
  /** Takes over an orphaned pending run for this store; false when another process took it first. */
  adoptRun(id: number, previousOwner: string | null): Promise<boolean>;
  /** The newest posted run in a channel (or in any channel of the guild when no channel is given). */
  lastPostedRun(guildId: string, channelId?: string): Promise<DigestRun | undefined>;
  /** What was posted (or marked seen) in a channel, by article id. */
  ledger(channelId: string): Promise<Map<string, LedgerEntry>>;
}

/** A topic a member follows in a server. */
export interface Follow {
  id: number;
  guildId: string;
  userId: string;
  /** As the member wrote it (normalised spaces). */
  topic: string;
  /** When it was followed (ISO): only articles that entered the archive later are sent. */
  createdAt: string;
}

/**
 * Members' follows (follow) and the ledger of what each member was sent (follow_ledger). A message
 * is claimed before it is sent: its articles enter the ledger under the message's key, in one
 * step that fails when any of them is there already, so two processes never send one article twice.
 */
export interface FollowStore {
  /** Follows a topic; undefined when the member already follows it (case and spacing aside). */
  add(f: { guildId: string; userId: string; topic: string }): Promise<Follow | undefined>;
  /** Follows in one server (of one member), or everywhere. */
  list(guildId?: string, userId?: string): Promise<Follow[]>;
  /** Removes a member's follow by id; false when they have none with that id. */
  remove(guildId: string, userId: string, id: number): Promise<boolean>;
  /** Removes every follow of a member in a server (they left, or closed their DMs); returns how many. */
  dropMember(guildId: string, userId: string): Promise<number>;
  /** The articles a member was sent (or is being sent) from a server. */
  sent(guildId: string, userId: string): Promise<Set<string>>;
  /** Follow messages a member was sent (from any server) since `since`. */
  messagesSince(userId: string, since: Date): Promise<number>;
  /** Records the articles of one message before it is sent; false (nothing recorded) when one is in the ledger already. */
  claim(guildId: string, userId: string, messageKey: string, articleIds: readonly string[]): Promise<boolean>;
  /** Forgets a claimed message that could not be sent, so its articles are tried again. */
  release(guildId: string, userId: string, messageKey: string): Promise<void>;
}

/** The store's parts, without the database or its lifetime: what the Discord layer and services are given. */
export interface StoreParts {
  readonly settings: SettingsStore;
  readonly activity: ActivityStore;
  readonly articles: SeenArticles;
  readonly digests: DigestStore;
  readonly feeds: FeedStore;
  readonly guildFiles: GuildFileStore;
  readonly follows: FollowStore;
  /** Shared question rate limits (PostgreSQL); absent: each process keeps its own in memory. */
  readonly limits?: RateLimits;
}

/** A whole store: its parts, and what only the composition root and the CLI do with it. */
export interface NewsStore extends StoreParts {
  readonly dialect: 'sqlite' | 'postgres';
  /** Who posts this store's digests (see {@link DigestStore.owner}). */
  readonly owner: string;
  /** The schema version the database is at. */
  schemaVersion(): Promise<number>;
  /**
   * Deletes everything stored for a server: its settings, members' follows and their ledger, feeds (and their items), digest
   * schedules, runs and channel ledgers, its questions and feedback, its added files and when its
   * own articles were first seen. Returns how many rows went (cascaded feed items not counted).
   */
  forgetGuild(guildId: string): Promise<number>;
  /**
   * Takes or confirms leadership among every process on the database (PostgreSQL: a session
   * advisory lock, released when the process dies). Absent (SQLite): the process decides alone, as before.
   */
  tryLead?(): Promise<boolean>;
  close(): void | Promise<void>;
}
