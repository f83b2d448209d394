import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Claim, DigestRun, DigestSchedule, DigestStore, LedgerEntry, NewRun, NewSchedule } from './parts.js';

/** Owners (see {@link DigestStore.owner}) of the stores open in this process. */
const OPEN_OWNERS = new Set<string>();
const HOST = hostname();

/** A new owner name (host/pid/random) for a store opened in this process, alive until {@link closeOwner}. */
export function openOwner(): string {
  const owner = `${HOST}/${process.pid}/${randomBytes(6).toString('hex')}`;
  OPEN_OWNERS.add(owner);
  return owner;
}

/** A store of this process is closing: a run it left pending is another process's to settle. */
export function closeOwner(owner: string): void {
  OPEN_OWNERS.delete(owner);
}

/**
 * Whether the process (and, in this process, the store) that owns a pending run is still alive.
 * Another host's process can't be checked: it counts as alive, so its run is never posted twice.
 */
export function ownerAlive(owner: string | null): boolean {
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

/**
 * Digest schedules, runs and each channel's ledger of what was posted there. Several processes may
 * share the database: a run is claimed before it is posted (see {@link DigestStore.claimRun}).
 */
export class SqliteDigests implements DigestStore {
  /** Who posts this store's digests: host/pid/random, checked by other processes before they settle a pending run. */
  readonly owner = openOwner();

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** This store is closing: a run it left pending is another process's to settle. */
  release(): void {
    closeOwner(this.owner);
  }

  async addSchedule(s: NewSchedule): Promise<DigestSchedule> {
    const info = this.db
      .prepare(
        'INSERT INTO digest_schedule (guild_id, channel_id, cron, timezone, topic, count, created_by, created_at, role_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        s.guildId,
        s.channelId,
        s.cron,
        s.timezone,
        s.topic,
        s.count,
        s.createdBy,
        this.now().toISOString(),
        s.roleId ?? null,
      );
    return (await this.schedule(Number(info.lastInsertRowid)))!;
  }

  async schedule(id: number): Promise<DigestSchedule | undefined> {
    const row = this.db.prepare('SELECT * FROM digest_schedule WHERE id = ?').get(id) as ScheduleRow | undefined;
    return row && toSchedule(row);
  }

  /** Schedules of one guild, or of every guild. */
  async schedules(guildId?: string): Promise<DigestSchedule[]> {
    const rows = (
      guildId === undefined
        ? this.db.prepare('SELECT * FROM digest_schedule ORDER BY id').all()
        : this.db.prepare('SELECT * FROM digest_schedule WHERE guild_id = ? ORDER BY id').all(guildId)
    ) as ScheduleRow[];
    return rows.map(toSchedule);
  }

  /** Removes a guild's schedule; false when it has no schedule with that id. */
  async removeSchedule(guildId: string, id: number): Promise<boolean> {
    return this.db.prepare('DELETE FROM digest_schedule WHERE guild_id = ? AND id = ?').run(guildId, id).changes > 0;
  }

  async markScheduleRun(id: number, at: Date): Promise<void> {
    this.db.prepare('UPDATE digest_schedule SET last_run_at = ? WHERE id = ?').run(at.toISOString(), id);
  }

  /** Pauses a schedule with a reason shown in `/digest list`, or resumes it with null. */
  async pauseSchedule(id: number, reason: string | null): Promise<void> {
    this.db.prepare('UPDATE digest_schedule SET paused_reason = ? WHERE id = ?').run(reason, id);
  }

  /**
   * Records a digest about to be posted. It stays pending until {@link completeRun}: after a crash
   * a pending run is either found in the channel (then completed) or posted again, never both.
   */
  async beginRun(r: NewRun): Promise<DigestRun> {
    return this.insertRun(r);
  }

  private insertRun(r: NewRun): DigestRun {
    const info = this.db
      .prepare(
        "INSERT INTO digest_run (guild_id, channel_id, schedule_id, article_ids, skipped_ids, options, state, created_at, run_key, owner) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
      )
      .run(
        r.guildId,
        r.channelId,
        r.scheduleId,
        JSON.stringify(r.articleIds),
        JSON.stringify(r.skippedIds),
        JSON.stringify(r.options),
        this.now().toISOString(),
        r.runKey ?? null,
        this.owner,
      );
    return this.runNow(Number(info.lastInsertRowid))!;
  }

  /**
   * Claims a digest for its channel before it is posted, atomically across every process on this
   * database (an IMMEDIATE transaction holds SQLite's write lock from check to insert): refused
   * when a run with the same key exists in the channel, when another live process has a digest
   * pending there, or when one of the articles was posted there since it was selected.
   */
  async claimRun(r: NewRun): Promise<Claim> {
    const claim = this.db.transaction((): Claim => {
      if (
        r.runKey &&
        this.db.prepare('SELECT 1 FROM digest_run WHERE channel_id = ? AND run_key = ?').get(r.channelId, r.runKey)
      )
        return { claimed: false, why: 'taken' };
      const pending = this.db
        .prepare("SELECT owner FROM digest_run WHERE channel_id = ? AND state = 'pending'")
        .all(r.channelId) as Array<{ owner: string | null }>;
      if (pending.some((p) => p.owner !== this.owner && ownerAlive(p.owner))) return { claimed: false, why: 'busy' };
      const posted = this.db.prepare('SELECT 1 FROM digest_ledger WHERE channel_id = ? AND article_id = ?');
      if (r.articleIds.some((a) => posted.get(r.channelId, a))) return { claimed: false, why: 'stale' };
      return { claimed: true, run: this.insertRun(r) };
    });
    return claim.immediate();
  }

  async run(id: number): Promise<DigestRun | undefined> {
    return this.runNow(id);
  }

  private runNow(id: number): DigestRun | undefined {
    const row = this.db.prepare('SELECT * FROM digest_run WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  /** Marks a run posted and writes its articles into the channel's ledger, in one transaction. */
  async completeRun(id: number, messageId: string | null): Promise<void> {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const run = this.runNow(id);
      if (!run || run.state === 'posted') return;
      this.db
        .prepare("UPDATE digest_run SET state = 'posted', message_id = ?, posted_at = ?, error = NULL WHERE id = ?")
        .run(messageId, at, id);
      const put = this.db.prepare(
        'INSERT OR IGNORE INTO digest_ledger (channel_id, article_id, run_id, how, at) VALUES (?, ?, ?, ?, ?)',
      );
      for (const a of run.articleIds) put.run(run.channelId, a, id, 'posted', at);
      for (const a of run.skippedIds) put.run(run.channelId, a, id, 'skipped', at);
    })();
  }

  /** Marks a run failed; its key is released, so its schedule can try that run again. */
  async failRun(id: number, error: string): Promise<void> {
    this.db
      .prepare("UPDATE digest_run SET state = 'failed', error = ?, run_key = NULL WHERE id = ? AND state = 'pending'")
      .run(error.slice(0, 500), id);
  }

  async pendingRuns(): Promise<DigestRun[]> {
    return (this.db.prepare("SELECT * FROM digest_run WHERE state = 'pending' ORDER BY id").all() as RunRow[]).map(
      toRun,
    );
  }

  /** Pending runs whose process is gone (a crash): those are for {@link DigestService.recover} to settle, not a live process's. */
  async orphanedRuns(): Promise<DigestRun[]> {
    return (await this.pendingRuns()).filter((r) => !ownerAlive(r.owner));
  }

  /** Takes over an orphaned pending run for this store; false when another process took it first. */
  async adoptRun(id: number, previousOwner: string | null): Promise<boolean> {
    return (
      this.db
        .prepare("UPDATE digest_run SET owner = ? WHERE id = ? AND state = 'pending' AND owner IS ?")
        .run(this.owner, id, previousOwner).changes > 0
    );
  }

  /** The newest posted run in a channel (or in any channel of the guild when no channel is given). */
  async lastPostedRun(guildId: string, channelId?: string): Promise<DigestRun | undefined> {
    const row = (
      channelId
        ? this.db
            .prepare(
              "SELECT * FROM digest_run WHERE guild_id = ? AND channel_id = ? AND state = 'posted' ORDER BY id DESC LIMIT 1",
            )
            .get(guildId, channelId)
        : this.db
            .prepare("SELECT * FROM digest_run WHERE guild_id = ? AND state = 'posted' ORDER BY id DESC LIMIT 1")
            .get(guildId)
    ) as RunRow | undefined;
    return row && toRun(row);
  }

  /** What was posted (or marked seen) in a channel, by article id. */
  async ledger(channelId: string): Promise<Map<string, LedgerEntry>> {
    const rows = this.db
      .prepare('SELECT article_id, run_id, how, at FROM digest_ledger WHERE channel_id = ?')
      .all(channelId) as Array<{ article_id: string; run_id: number; how: 'posted' | 'skipped'; at: string }>;
    return new Map(rows.map((r) => [r.article_id, { how: r.how, runId: r.run_id, at: r.at }]));
  }
}

export interface ScheduleRow {
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
  role_id: string | null;
}

export function toSchedule(r: ScheduleRow): DigestSchedule {
  return {
    id: r.id,
    guildId: r.guild_id,
    channelId: r.channel_id,
    cron: r.cron,
    timezone: r.timezone,
    topic: r.topic,
    count: r.count,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastRunAt: r.last_run_at,
    pausedReason: r.paused_reason,
    roleId: r.role_id ?? null,
  };
}

export interface RunRow {
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

export function toRun(r: RunRow): DigestRun {
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
