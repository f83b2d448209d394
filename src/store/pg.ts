/**
 * Newsdesk's PostgreSQL store (`DATABASE_URL`): the same parts as the SQLite store, for several
 * hosts sharing one database. What SQLite orders with its single writer is ordered here with
 * transactions and advisory locks: a digest claim, a settings change and a rate-limit check each
 * hold a transaction-scoped lock on what they read and write. Each store also keeps one session of
 * its own, holding a lock named after its owner for as long as it is open: another host tells a
 * crashed process's pending digest from a live one's by trying that lock.
 */
import pg from 'pg';
import { MIGRATIONS } from './migrations.js';
import { PG_MIGRATIONS } from './pgMigrations.js';
import { closeOwner, openOwner, toRun, toSchedule, type RunRow, type ScheduleRow } from './digests.js';
import { toGuildFile, toGuildFileChange, type GuildFileChangeRow, type GuildFileRow } from './guildFiles.js';
import { toFeed, type FeedRow } from './feeds.js';
import { toFollow, topicKey, type FollowRow } from './follows.js';
import type {
  ActivityStore,
  Claim,
  DigestRun,
  DigestSchedule,
  DigestStore,
  Feed,
  FeedStore,
  Follow,
  FollowStore,
  GuildFile,
  GuildFileChange,
  GuildFileStore,
  LedgerEntry,
  NewRun,
  NewSchedule,
  NewsStore,
  QueryStats,
  RateLimits,
  SeenArticles,
  SettingsDraft,
} from './parts.js';
import { SETTINGS, SettingsBase, draftOf, parseSetting, type SettingKey, type SettingValue } from './settings.js';
import type { Answer } from '../core/answer.js';

/**
 * Advisory lock namespaces (the first of the two int keys): one per kind of thing locked, so a
 * hash of a channel id can never block a hash of a guild id.
 */
export const LOCKS = {
  migrate: 1,
  owner: 2,
  leader: 3,
  claim: 4,
  settings: 5,
  rate: 6,
  follow: 7,
  guildFiles: 8,
} as const;

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

async function rows<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

async function one<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, sql, params))[0];
}

async function changes(db: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  return (await db.query(sql, params)).rowCount ?? 0;
}

/** Runs `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/** Brings a PostgreSQL database up to the newest schema, one transaction per migration, one host at a time; refuses a newer one. */
export async function migratePg(pool: pg.Pool, schema?: string): Promise<number> {
  if (PG_MIGRATIONS.length !== MIGRATIONS.length)
    throw new Error('the SQLite and PostgreSQL migration lists differ in length: each migration needs both');
  return transaction(pool, async (c) => {
    // Hosts starting together: one migrates, the others wait and find the work done.
    await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCKS.migrate]);
    // Under the lock: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent one (a unique violation).
    if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await c.query('CREATE TABLE IF NOT EXISTS newsdesk_schema (version INTEGER NOT NULL)');
    let at = (await one<{ version: number }>(c, 'SELECT version FROM newsdesk_schema'))?.version;
    if (at === undefined) {
      await c.query('INSERT INTO newsdesk_schema (version) VALUES (0)');
      at = 0;
    }
    if (at > PG_MIGRATIONS.length)
      throw new Error(
        `database schema version ${at} is newer than this Newsdesk knows (${PG_MIGRATIONS.length}); upgrade Newsdesk`,
      );
    for (let v = at; v < PG_MIGRATIONS.length; v++) {
      await c.query(PG_MIGRATIONS[v]!);
      await c.query('UPDATE newsdesk_schema SET version = $1', [v + 1]);
    }
    return PG_MIGRATIONS.length;
  });
}

const UPSERT_SETTING =
  'INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';

class PgSettings extends SettingsBase {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
    storeQuestionTextDefault: boolean,
  ) {
    super(storeQuestionTextDefault);
  }

  async get<K extends SettingKey>(guildId: string, key: K): Promise<SettingValue<K> | undefined> {
    const row = await one<{ value: string }>(
      this.pool,
      'SELECT value FROM guild_settings WHERE guild_id = $1 AND key = $2',
      [guildId, key],
    );
    return parseSetting(key, row?.value);
  }

  async set<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): Promise<void> {
    const valid = SETTINGS[key].parse(value);
    await this.pool.query(UPSERT_SETTING, [guildId, key, JSON.stringify(valid), this.now().toISOString()]);
  }

  async configure<T>(guildId: string, change: (draft: SettingsDraft) => T): Promise<T> {
    return transaction(this.pool, async (c) => {
      // Two changes to one guild's settings at once would each read before the other wrote.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.settings, guildId]);
      const stored = await rows<{ key: string; value: string }>(
        c,
        'SELECT key, value FROM guild_settings WHERE guild_id = $1',
        [guildId],
      );
      const draft = draftOf(new Map(stored.map((r) => [r.key, r.value])));
      const result = change(draft);
      const at = this.now().toISOString();
      for (const [key, json] of draft.changed) await c.query(UPSERT_SETTING, [guildId, key, json, at]);
      return result;
    });
  }
}

const VOTES = 'COALESCE(SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END), 0)::int';
const DOWNVOTES = 'COALESCE(SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0)::int';

class PgActivity implements ActivityStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
    private readonly settings: PgSettings,
  ) {}

  async recordFeedback(f: {
    guildId: string | null;
    userId: string;
    messageId: string;
    articleId: string;
    vote: 1 | -1;
    question?: string;
  }): Promise<void> {
    const keepText = await this.settings.keepsQuestionTextIn(f.guildId);
    await this.pool.query(
      'INSERT INTO feedback (guild_id, user_id, message_id, article_id, vote, at, question) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, message_id) DO UPDATE SET vote = excluded.vote, article_id = excluded.article_id, at = excluded.at, question = excluded.question',
      [
        f.guildId,
        f.userId,
        f.messageId,
        f.articleId,
        f.vote,
        this.now().toISOString(),
        keepText && f.question ? f.question.slice(0, 1000) : null,
      ],
    );
  }

  async votes(messageId: string): Promise<{ up: number; down: number }> {
    return (await one<{ up: number; down: number }>(
      this.pool,
      `SELECT ${VOTES} AS up, ${DOWNVOTES} AS down FROM feedback WHERE message_id = $1`,
      [messageId],
    ))!;
  }

  async logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): Promise<void> {
    const keepText = await this.settings.keepsQuestionTextIn(q.guildId);
    await this.pool.query(
      'INSERT INTO query_log (guild_id, at, answered, reason, question, results, ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        q.guildId,
        this.now().toISOString(),
        q.answer.answered ? 1 : 0,
        q.answer.reason ?? null,
        keepText ? q.question.slice(0, 1000) : null,
        q.answer.results.length,
        q.ms,
      ],
    );
  }

  async stats(guildId: string | null, days = 7, top = 5): Promise<QueryStats> {
    const since = new Date(this.now().getTime() - days * 86_400_000).toISOString();
    // $1 since, $2 the guild (null: outside any guild, a DM), $3 how many to list.
    const scope = 'guild_id IS NOT DISTINCT FROM $2::text AND at >= $1';
    const counts = (await one<{ answered: number; refused: number }>(
      this.pool,
      `SELECT COALESCE(SUM(answered), 0)::int AS answered, (COUNT(*) - COALESCE(SUM(answered), 0))::int AS refused FROM query_log WHERE ${scope}`,
      [since, guildId],
    ))!;
    const unanswered = await rows<{ question: string; count: number }>(
      this.pool,
      `SELECT (array_agg(question ORDER BY at DESC))[1] AS question, COUNT(*)::int AS count FROM query_log WHERE ${scope} AND answered = 0 AND question IS NOT NULL GROUP BY lower(question) ORDER BY count DESC, MAX(at) DESC LIMIT $3`,
      [since, guildId, top],
    );
    const feedback = (await one<{ up: number; down: number }>(
      this.pool,
      `SELECT ${VOTES} AS up, ${DOWNVOTES} AS down FROM feedback WHERE ${scope}`,
      [since, guildId],
    ))!;
    const unhelpful = await rows<{ question: string | null; up: number; down: number }>(
      this.pool,
      `SELECT MAX(question) AS question, ${VOTES} AS up, ${DOWNVOTES} AS down FROM feedback WHERE ${scope} GROUP BY message_id HAVING ${DOWNVOTES} > ${VOTES} ORDER BY down DESC, MAX(at) DESC LIMIT $3`,
      [since, guildId, top],
    );
    return { answered: counts.answered, refused: counts.refused, unanswered, feedback, unhelpful };
  }
}

class PgSeenArticles implements SeenArticles {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  async markSeen(articles: ReadonlyArray<{ id: string; file: string }>): Promise<number> {
    if (articles.length === 0) return 0;
    // One statement for the whole list: an archive of thousands of articles is one round trip.
    return changes(
      this.pool,
      'INSERT INTO article_seen (article_id, file, first_seen_at) SELECT id, file, $3 FROM unnest($1::text[], $2::text[]) AS a (id, file) ON CONFLICT (article_id) DO NOTHING',
      [articles.map((a) => a.id), articles.map((a) => a.file), this.now().toISOString()],
    );
  }

  async firstSeen(): Promise<Map<string, string>> {
    const found = await rows<{ article_id: string; first_seen_at: string }>(
      this.pool,
      'SELECT article_id, first_seen_at FROM article_seen',
    );
    return new Map(found.map((r) => [r.article_id, r.first_seen_at]));
  }

  async seenSince(since: Date): Promise<Map<string, string>> {
    const found = await rows<{ article_id: string; first_seen_at: string }>(
      this.pool,
      'SELECT article_id, first_seen_at FROM article_seen WHERE first_seen_at >= $1',
      [since.toISOString()],
    );
    return new Map(found.map((r) => [r.article_id, r.first_seen_at]));
  }
}

class PgDigests implements DigestStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
    readonly owner: string,
  ) {}

  async addSchedule(s: NewSchedule): Promise<DigestSchedule> {
    const row = await one<ScheduleRow>(
      this.pool,
      'INSERT INTO digest_schedule (guild_id, channel_id, cron, timezone, topic, count, created_by, created_at, role_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *',
      [
        s.guildId,
        s.channelId,
        s.cron,
        s.timezone,
        s.topic,
        s.count,
        s.createdBy,
        this.now().toISOString(),
        s.roleId ?? null,
      ],
    );
    return toSchedule(row!);
  }

  async schedule(id: number): Promise<DigestSchedule | undefined> {
    const row = await one<ScheduleRow>(this.pool, 'SELECT * FROM digest_schedule WHERE id = $1', [id]);
    return row && toSchedule(row);
  }

  async schedules(guildId?: string): Promise<DigestSchedule[]> {
    const found =
      guildId === undefined
        ? await rows<ScheduleRow>(this.pool, 'SELECT * FROM digest_schedule ORDER BY id')
        : await rows<ScheduleRow>(this.pool, 'SELECT * FROM digest_schedule WHERE guild_id = $1 ORDER BY id', [
            guildId,
          ]);
    return found.map(toSchedule);
  }

  async removeSchedule(guildId: string, id: number): Promise<boolean> {
    return (await changes(this.pool, 'DELETE FROM digest_schedule WHERE guild_id = $1 AND id = $2', [guildId, id])) > 0;
  }

  async markScheduleRun(id: number, at: Date): Promise<void> {
    await this.pool.query('UPDATE digest_schedule SET last_run_at = $1 WHERE id = $2', [at.toISOString(), id]);
  }

  async pauseSchedule(id: number, reason: string | null): Promise<void> {
    await this.pool.query('UPDATE digest_schedule SET paused_reason = $1 WHERE id = $2', [reason, id]);
  }

  private async insertRun(db: Queryable, r: NewRun): Promise<DigestRun> {
    const row = await one<RunRow>(
      db,
      "INSERT INTO digest_run (guild_id, channel_id, schedule_id, article_ids, skipped_ids, options, state, created_at, run_key, owner) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING *",
      [
        r.guildId,
        r.channelId,
        r.scheduleId,
        JSON.stringify(r.articleIds),
        JSON.stringify(r.skippedIds),
        JSON.stringify(r.options),
        this.now().toISOString(),
        r.runKey ?? null,
        this.owner,
      ],
    );
    return toRun(row!);
  }

  beginRun(r: NewRun): Promise<DigestRun> {
    return this.insertRun(this.pool, r);
  }

  async claimRun(r: NewRun): Promise<Claim> {
    return transaction(this.pool, async (c): Promise<Claim> => {
      // Claims in one channel take turns, from every host: check and insert are one step.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.claim, r.channelId]);
      if (
        r.runKey &&
        (await one(c, 'SELECT 1 FROM digest_run WHERE channel_id = $1 AND run_key = $2', [r.channelId, r.runKey]))
      )
        return { claimed: false, why: 'taken' };
      const pending = await rows<{ owner: string | null }>(
        c,
        "SELECT owner FROM digest_run WHERE channel_id = $1 AND state = 'pending'",
        [r.channelId],
      );
      // Asked on this transaction's own connection: waiting for another from the pool while holding
      // this one could deadlock when many channels claim at once.
      for (const p of pending)
        if (p.owner !== this.owner && (await ownerAlivePg(c, p.owner))) return { claimed: false, why: 'busy' };
      if (
        r.articleIds.length > 0 &&
        (await one(c, 'SELECT 1 FROM digest_ledger WHERE channel_id = $1 AND article_id = ANY($2::text[]) LIMIT 1', [
          r.channelId,
          r.articleIds,
        ]))
      )
        return { claimed: false, why: 'stale' };
      return { claimed: true, run: await this.insertRun(c, r) };
    });
  }

  async run(id: number): Promise<DigestRun | undefined> {
    const row = await one<RunRow>(this.pool, 'SELECT * FROM digest_run WHERE id = $1', [id]);
    return row && toRun(row);
  }

  async completeRun(id: number, messageId: string | null): Promise<void> {
    const at = this.now().toISOString();
    await transaction(this.pool, async (c) => {
      const row = await one<RunRow>(c, 'SELECT * FROM digest_run WHERE id = $1 FOR UPDATE', [id]);
      if (!row || row.state === 'posted') return;
      const run = toRun(row);
      await c.query(
        "UPDATE digest_run SET state = 'posted', message_id = $1, posted_at = $2, error = NULL WHERE id = $3",
        [messageId, at, id],
      );
      const put =
        'INSERT INTO digest_ledger (channel_id, article_id, run_id, how, at) SELECT $1, a, $2, $3, $4 FROM unnest($5::text[]) AS a ON CONFLICT (channel_id, article_id) DO NOTHING';
      await c.query(put, [run.channelId, id, 'posted', at, run.articleIds]);
      await c.query(put, [run.channelId, id, 'skipped', at, run.skippedIds]);
    });
  }

  async failRun(id: number, error: string): Promise<void> {
    await this.pool.query(
      "UPDATE digest_run SET state = 'failed', error = $1, run_key = NULL WHERE id = $2 AND state = 'pending'",
      [error.slice(0, 500), id],
    );
  }

  async pendingRuns(): Promise<DigestRun[]> {
    return (await rows<RunRow>(this.pool, "SELECT * FROM digest_run WHERE state = 'pending' ORDER BY id")).map(toRun);
  }

  async orphanedRuns(): Promise<DigestRun[]> {
    const pending = (await this.pendingRuns()).filter((r) => r.owner !== this.owner);
    if (pending.length === 0) return [];
    const c = await this.pool.connect();
    try {
      const orphaned: DigestRun[] = [];
      for (const r of pending) if (!(await ownerAlivePg(c, r.owner))) orphaned.push(r);
      return orphaned;
    } finally {
      c.release();
    }
  }

  async adoptRun(id: number, previousOwner: string | null): Promise<boolean> {
    return (
      (await changes(
        this.pool,
        "UPDATE digest_run SET owner = $1 WHERE id = $2 AND state = 'pending' AND owner IS NOT DISTINCT FROM $3",
        [this.owner, id, previousOwner],
      )) > 0
    );
  }

  async lastPostedRun(guildId: string, channelId?: string): Promise<DigestRun | undefined> {
    const row = channelId
      ? await one<RunRow>(
          this.pool,
          "SELECT * FROM digest_run WHERE guild_id = $1 AND channel_id = $2 AND state = 'posted' ORDER BY id DESC LIMIT 1",
          [guildId, channelId],
        )
      : await one<RunRow>(
          this.pool,
          "SELECT * FROM digest_run WHERE guild_id = $1 AND state = 'posted' ORDER BY id DESC LIMIT 1",
          [guildId],
        );
    return row && toRun(row);
  }

  async ledger(channelId: string): Promise<Map<string, LedgerEntry>> {
    const found = await rows<{ article_id: string; run_id: number; how: 'posted' | 'skipped'; at: string }>(
      this.pool,
      'SELECT article_id, run_id, how, at FROM digest_ledger WHERE channel_id = $1',
      [channelId],
    );
    return new Map(found.map((r) => [r.article_id, { how: r.how, runId: r.run_id, at: r.at }]));
  }
}

/**
 * Whether the store that owns a pending run is still open, on any host: an open store holds the
 * advisory lock named after its owner, so taking it succeeds only once that store's session is gone.
 */
async function ownerAlivePg(c: pg.PoolClient, owner: string | null): Promise<boolean> {
  if (!owner) return false;
  // Taken and given back on one connection (a pool's query could send the two to different ones).
  const got = (await one<{ got: boolean }>(c, 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [
    LOCKS.owner,
    owner,
  ]))!.got;
  if (got) await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCKS.owner, owner]);
  return !got;
}

class PgFeeds implements FeedStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  async add(f: { guildId: string; url: string; title: string | null; addedBy: string }): Promise<Feed | undefined> {
    const row = await one<FeedRow>(
      this.pool,
      'INSERT INTO feed (guild_id, url, title, added_by, added_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, url) DO NOTHING RETURNING *',
      [f.guildId, f.url, f.title, f.addedBy, this.now().toISOString()],
    );
    return row && toFeed(row);
  }

  async list(guildId?: string): Promise<Feed[]> {
    const found =
      guildId === undefined
        ? await rows<FeedRow>(this.pool, 'SELECT * FROM feed ORDER BY id')
        : await rows<FeedRow>(this.pool, 'SELECT * FROM feed WHERE guild_id = $1 ORDER BY id', [guildId]);
    return found.map(toFeed);
  }

  async remove(guildId: string, idOrUrl: string): Promise<boolean> {
    const id = /^\d{1,9}$/.test(idOrUrl) ? Number(idOrUrl) : -1;
    return (
      (await changes(this.pool, 'DELETE FROM feed WHERE guild_id = $1 AND (id = $2 OR url = $3)', [
        guildId,
        id,
        idOrUrl,
      ])) > 0
    );
  }

  async markPolled(id: number, error: string | null): Promise<void> {
    await this.pool.query('UPDATE feed SET last_polled_at = $1, last_error = $2 WHERE id = $3', [
      this.now().toISOString(),
      error && error.slice(0, 300),
      id,
    ]);
  }

  async itemKnown(guildIds: readonly string[], keys: readonly string[]): Promise<boolean> {
    if (guildIds.length === 0 || keys.length === 0) return false;
    return (
      (await one(
        this.pool,
        'SELECT 1 FROM feed_item WHERE key = ANY($1::text[]) AND guild_id = ANY($2::text[]) LIMIT 1',
        [keys, guildIds],
      )) !== undefined
    );
  }

  async recordItem(
    feedId: number,
    keys: readonly string[],
    articleId: string | null,
    file: string | null,
  ): Promise<void> {
    await this.pool.query(
      'INSERT INTO feed_item (feed_id, key, article_id, file, added_at, guild_id) SELECT $1, k, $3, $4, $5, (SELECT guild_id FROM feed WHERE id = $1) FROM unnest($2::text[]) AS k ON CONFLICT (feed_id, key) DO NOTHING',
      [feedId, keys, articleId, file, this.now().toISOString()],
    );
  }
}

/**
 * Changes to servers' files are written one transaction at a time: an identity is taken at insert
 * but seen at commit, so two overlapping writers could make a reader that has passed seq 11 never
 * see seq 10, committed after it. Serialised, the log is seen in the order it is numbered.
 */
async function inLogOrder(c: pg.PoolClient): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCKS.guildFiles]);
}

class PgGuildFiles implements GuildFileStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  async put(guildId: string, file: string, content: string, origin: string | null = null): Promise<void> {
    const at = this.now().toISOString();
    await transaction(this.pool, async (c) => {
      await inLogOrder(c);
      await c.query(
        'INSERT INTO guild_file (guild_id, file, content, at) VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, file) DO UPDATE SET content = excluded.content, at = excluded.at',
        [guildId, file, content, at],
      );
      await c.query("INSERT INTO guild_file_change (guild_id, file, op, at, origin) VALUES ($1, $2, 'put', $3, $4)", [
        guildId,
        file,
        at,
        origin,
      ]);
    });
  }

  async remove(guildId: string, file: string, origin: string | null = null): Promise<boolean> {
    const at = this.now().toISOString();
    return transaction(this.pool, async (c) => {
      await inLogOrder(c);
      if ((await changes(c, 'DELETE FROM guild_file WHERE guild_id = $1 AND file = $2', [guildId, file])) === 0)
        return false;
      await c.query(
        "INSERT INTO guild_file_change (guild_id, file, op, at, origin) VALUES ($1, $2, 'delete', $3, $4)",
        [guildId, file, at, origin],
      );
      return true;
    });
  }

  async list(guildId: string): Promise<GuildFile[]> {
    return (
      await rows<GuildFileRow>(
        this.pool,
        'SELECT guild_id, file, content, at FROM guild_file WHERE guild_id = $1 ORDER BY file',
        [guildId],
      )
    ).map(toGuildFile);
  }

  async read(guildId: string, file: string): Promise<GuildFile | undefined> {
    const row = await one<GuildFileRow>(
      this.pool,
      'SELECT guild_id, file, content, at FROM guild_file WHERE guild_id = $1 AND file = $2',
      [guildId, file],
    );
    return row && toGuildFile(row);
  }

  async changesSince(seq: number, limit = 1000): Promise<GuildFileChange[]> {
    return (
      await rows<GuildFileChangeRow>(
        this.pool,
        'SELECT seq, guild_id, file, op, origin FROM guild_file_change WHERE seq > $1 ORDER BY seq LIMIT $2',
        [seq, limit],
      )
    ).map(toGuildFileChange);
  }
}

class PgFollows implements FollowStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  async add(f: { guildId: string; userId: string; topic: string }): Promise<Follow | undefined> {
    const row = await one<FollowRow>(
      this.pool,
      'INSERT INTO follow (guild_id, user_id, topic, topic_key, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, user_id, topic_key) DO NOTHING RETURNING *',
      [f.guildId, f.userId, f.topic, topicKey(f.topic), this.now().toISOString()],
    );
    return row && toFollow(row);
  }

  async list(guildId?: string, userId?: string): Promise<Follow[]> {
    const found =
      guildId === undefined
        ? await rows<FollowRow>(this.pool, 'SELECT * FROM follow ORDER BY id')
        : userId === undefined
          ? await rows<FollowRow>(this.pool, 'SELECT * FROM follow WHERE guild_id = $1 ORDER BY id', [guildId])
          : await rows<FollowRow>(this.pool, 'SELECT * FROM follow WHERE guild_id = $1 AND user_id = $2 ORDER BY id', [
              guildId,
              userId,
            ]);
    return found.map(toFollow);
  }

  async remove(guildId: string, userId: string, id: number): Promise<boolean> {
    return (
      (await changes(this.pool, 'DELETE FROM follow WHERE guild_id = $1 AND user_id = $2 AND id = $3', [
        guildId,
        userId,
        id,
      ])) > 0
    );
  }

  dropMember(guildId: string, userId: string): Promise<number> {
    return changes(this.pool, 'DELETE FROM follow WHERE guild_id = $1 AND user_id = $2', [guildId, userId]);
  }

  async sent(guildId: string, userId: string): Promise<Set<string>> {
    const found = await rows<{ article_id: string }>(
      this.pool,
      'SELECT article_id FROM follow_ledger WHERE guild_id = $1 AND user_id = $2',
      [guildId, userId],
    );
    return new Set(found.map((r) => r.article_id));
  }

  async messagesSince(userId: string, since: Date): Promise<number> {
    return (await one<{ n: number }>(
      this.pool,
      'SELECT COUNT(DISTINCT message_key)::int AS n FROM follow_ledger WHERE user_id = $1 AND at >= $2',
      [userId, since.toISOString()],
    ))!.n;
  }

  async claim(guildId: string, userId: string, messageKey: string, articleIds: readonly string[]): Promise<boolean> {
    const at = this.now().toISOString();
    return transaction(this.pool, async (c) => {
      // One member's claims take turns, from every host: check and insert are one step.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.follow, `${guildId}/${userId}`]);
      if (
        await one(
          c,
          'SELECT 1 FROM follow_ledger WHERE guild_id = $1 AND user_id = $2 AND article_id = ANY($3::text[]) LIMIT 1',
          [guildId, userId, articleIds],
        )
      )
        return false;
      await c.query(
        'INSERT INTO follow_ledger (guild_id, user_id, article_id, message_key, at) SELECT $1, $2, a, $3, $4 FROM unnest($5::text[]) AS a',
        [guildId, userId, messageKey, at, articleIds],
      );
      return true;
    });
  }

  async release(guildId: string, userId: string, messageKey: string): Promise<void> {
    await this.pool.query('DELETE FROM follow_ledger WHERE guild_id = $1 AND user_id = $2 AND message_key = $3', [
      guildId,
      userId,
      messageKey,
    ]);
  }
}

/** Question rate limits counted in the database, so a member's limit holds across every process and host. */
class PgRateLimits implements RateLimits {
  private takes = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly nowMs: () => number,
  ) {}

  async take(key: string, max: number, windowMs: number): Promise<number> {
    const t = this.nowMs();
    return transaction(this.pool, async (c) => {
      // One member's attempts take turns: two at once must not both see room for one more.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCKS.rate, key]);
      await c.query('DELETE FROM rate_limit_hit WHERE key = $1 AND at_ms <= $2', [key, t - windowMs]);
      // Now and then, the hits of members who have not asked since go too, so the table stays small.
      if (++this.takes % 100 === 0) await c.query('DELETE FROM rate_limit_hit WHERE at_ms <= $1', [t - windowMs]);
      const recent = (
        await rows<{ at_ms: string }>(c, 'SELECT at_ms FROM rate_limit_hit WHERE key = $1 ORDER BY at_ms', [key])
      ).map((r) => Number(r.at_ms));
      if (recent.length >= max) return windowMs - (t - recent[recent.length - max]!);
      await c.query('INSERT INTO rate_limit_hit (key, at_ms) VALUES ($1, $2)', [key, t]);
      return 0;
    });
  }
}

export interface PgStoreOptions {
  /** postgres://user:password@host/db, or with ?host=/socket/dir for a Unix socket. */
  url: string;
  now?: () => Date;
  storeQuestionText?: boolean;
  /** A schema to keep the tables in instead of the user's default (tests: one per test). */
  schema?: string;
  /** Connections in the pool (besides the store's own session). */
  max?: number;
}

/** Newsdesk's PostgreSQL storage: open it with {@link PgStore.open}. */
export class PgStore implements NewsStore {
  readonly dialect = 'postgres';
  readonly owner = openOwner();
  readonly settings: PgSettings;
  readonly activity: PgActivity;
  readonly articles: PgSeenArticles;
  readonly digests: PgDigests;
  readonly feeds: PgFeeds;
  readonly guildFiles: PgGuildFiles;
  readonly follows: PgFollows;
  readonly limits: PgRateLimits;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The pool every part queries through. */
    readonly pool: pg.Pool,
    /** This store's own session: it holds the owner lock (and leadership) for as long as the store is open. */
    private session: pg.Client,
    /** Opens a new session (after the old one's connection broke). */
    private readonly newSession: () => pg.Client,
    private readonly now: () => Date,
    storeQuestionText: boolean,
  ) {
    this.settings = new PgSettings(pool, now, storeQuestionText);
    this.activity = new PgActivity(pool, now, this.settings);
    this.articles = new PgSeenArticles(pool, now);
    this.digests = new PgDigests(pool, now, this.owner);
    this.feeds = new PgFeeds(pool, now);
    this.guildFiles = new PgGuildFiles(pool, now);
    this.follows = new PgFollows(pool, now);
    this.limits = new PgRateLimits(pool, () => now().getTime());
  }

  /** Connects, migrates and takes the owner lock; throws (closing what it opened) when the database refuses. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const searchPath = options.schema ? `-c search_path=${quoteIdent(options.schema)}` : '';
    const connection = { connectionString: options.url, ...(searchPath ? { options: searchPath } : {}) };
    const pool = new pg.Pool({ ...connection, max: options.max ?? 5 });
    // An idle connection the server dropped is replaced by the pool; the error must not crash the process.
    pool.on('error', () => {});
    // The session's locks outlive a host that vanished (power, network) until the server notices the
    // peer is gone: keepalives every 5 s after 10 s idle make that about 25 s, not TCP's default hours.
    const keepalives = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';
    const newSession = () => {
      const client = new pg.Client({ ...connection, options: `${searchPath} ${keepalives}`.trim(), keepAlive: true });
      client.on('error', () => {});
      return client;
    };
    const session = newSession();
    try {
      await session.connect();
      await migratePg(pool, options.schema);
      const store = new PgStore(
        pool,
        session,
        newSession,
        options.now ?? (() => new Date()),
        options.storeQuestionText ?? false,
      );
      await session.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCKS.owner, store.owner]);
      return store;
    } catch (err) {
      await session.end().catch(() => {});
      await pool.end().catch(() => {});
      throw err;
    }
  }

  async schemaVersion(): Promise<number> {
    return (await one<{ version: number }>(this.pool, 'SELECT version FROM newsdesk_schema'))?.version ?? 0;
  }

  /**
   * Tries to become (or stay) the leader: the one process, over every host, that runs the digest
   * scheduler and the feed poller. Leadership is a session lock: it ends with this store's session,
   * so when the leader dies another process's next try succeeds.
   */
  async tryLead(): Promise<boolean> {
    if (this.closing) return false;
    let held: { held: boolean } | undefined;
    try {
      held = await this.leaderHeld();
    } catch {
      // The session's connection broke (its locks went with it): a new one takes this store's owner
      // lock again, and leadership is tried afresh.
      await this.session.end().catch(() => {});
      this.session = this.newSession();
      await this.session.connect();
      await this.session.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCKS.owner, this.owner]);
    }
    if (held?.held) return true;
    return (await one<{ got: boolean }>(this.session, 'SELECT pg_try_advisory_lock($1, 0) AS got', [LOCKS.leader]))!
      .got;
  }

  /** Whether this session holds the leader lock (confirmed without taking it again: the lock counts re-takes). */
  private leaderHeld(): Promise<{ held: boolean } | undefined> {
    return one<{ held: boolean }>(
      this.session,
      "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = 0 AND objsubid = 2 AND pid = pg_backend_pid() AND granted) AS held",
      [LOCKS.leader],
    );
  }

  async forgetGuild(guildId: string): Promise<number> {
    const prefix = `g${guildId}/`;
    const at = this.now().toISOString();
    return transaction(this.pool, async (c) => {
      let n = 0;
      const del = async (sql: string, params: unknown[]) => (n += await changes(c, sql, params));
      await del(
        'DELETE FROM digest_ledger WHERE channel_id IN (SELECT channel_id FROM digest_run WHERE guild_id = $1 UNION SELECT channel_id FROM digest_schedule WHERE guild_id = $1)',
        [guildId],
      );
      await del('DELETE FROM digest_run WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM digest_schedule WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM follow WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM follow_ledger WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM feed WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM guild_settings WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM query_log WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM feedback WHERE guild_id = $1', [guildId]);
      await del('DELETE FROM article_seen WHERE substr(article_id, 1, $1) = $2', [prefix.length, prefix]);
      // The server's files go; its change log keeps only their deletion, which other hosts still have to apply.
      await c.query('DELETE FROM guild_file_change WHERE guild_id = $1', [guildId]);
      await c.query(
        "INSERT INTO guild_file_change (guild_id, file, op, at) SELECT guild_id, file, 'delete', $2 FROM guild_file WHERE guild_id = $1",
        [guildId, at],
      );
      await del('DELETE FROM guild_file WHERE guild_id = $1', [guildId]);
      return n;
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      closeOwner(this.owner);
      // Released before the session ends: the server frees a closed session's locks a moment after
      // the socket closes, and another store asking meanwhile would still see this one alive (or leading).
      await this.session.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      await this.session.end().catch(() => {});
      await this.pool.end().catch(() => {});
    })();
    return this.closing;
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
