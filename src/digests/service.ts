import type { Logger } from 'pino';
import {
  DIGEST_DEFAULT_COUNT,
  DIGEST_MAX_COUNT,
  parseSince,
  selectDigest,
  summarize,
  type DigestItem,
  type DigestSelection,
  type DigestVerdict,
} from '../core/digest.js';
import type { ArchiveIndex } from '../core/answerIndex.js';
import type { DigestRun, StoreParts } from '../store/store.js';
import { cronFor, nextFire, postsOnArrival } from './when.js';

/** What a moderator asks for: the same options for post, preview and schedules. */
export interface DigestAsk {
  topic?: string | null;
  /** "7d", "24h", "2w" or an ISO date. */
  since?: string | null;
  count?: number | null;
  /** Only articles that entered the archive at or after this ISO time (an "as they arrive" schedule's creation). */
  seenSince?: string | null;
}

/** A digest ready to post: its items and the marker that identifies its message in the channel. */
export interface DigestMessage {
  runId: number;
  /** Text in the message that identifies this digest, so a restart can tell whether it was posted. */
  marker: string;
  topic: string | null;
  items: DigestItem[];
  /** The opt-in role the post pings (a `/follow channel` post): the only mention it may make. */
  roleId?: string | null;
}

/** Where digests go: the Discord adapter implements it. */
export interface DigestPoster {
  /** Posts the digest; returns the message id. Throws {@link PostRefused} when the channel refuses the bot for good. */
  post(channelId: string, digest: DigestMessage): Promise<string>;
  /** The id of the bot's recent message in the channel that carries `marker`, if any. */
  find(channelId: string, marker: string): Promise<string | null>;
}

/** The channel refused the post (missing access or permissions): retrying won't help until someone fixes it. */
export class PostRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostRefused';
  }
}

export type PostOutcome =
  | { posted: true; run: DigestRun; messageId: string; items: DigestItem[] }
  /** Nothing new to post; `claimed-elsewhere`: another process has this scheduled run; `busy`: another process kept the channel busy too long. */
  | { posted: false; reason: 'nothing-new' | 'claimed-elsewhere' | 'busy' };

/** How long a post waits for another process's digest in the same channel before giving up. */
export const CLAIM_WAIT_MS = 30_000;
const CLAIM_RETRY_MS = 100;

export interface DigestServiceDeps {
  /** Runs, schedules and ledgers; the guild's digest settings; when articles were first seen. */
  store: Pick<StoreParts, 'digests' | 'settings' | 'articles'>;
  /** The index a server is answered from: its digests choose from it (shared + the server's own additions). */
  index: (guildId: string) => ArchiveIndex | Promise<ArchiveIndex>;
  poster: DigestPoster;
  logger: Logger;
  now?: () => Date;
}

export interface PostOptions {
  scheduleId?: number;
  /** A schedule's first run: articles over the count are marked seen. */
  firstRun?: boolean;
  /** Names the run across processes (a schedule and its due time): one post per key and channel. */
  runKey?: string;
  /** The opt-in role the post pings, kept with the run so a post settled after a crash pings it too. */
  roleId?: string | null;
}

/** Posts one "as they arrive" run makes at most (each up to the schedule's count): the rest wait for the next. */
const ARRIVAL_POSTS_PER_RUN = 5;

/** A timer may fire a little before the due time it was set for. */
const DUE_SLACK_MS = 2_000;

export const markerOf = (runId: number): string => `digest #${runId}`;

/** A digest item for an article by id (for re-posting a run), or undefined when it left the archive. */
function itemOf(index: ArchiveIndex, id: string): DigestItem | undefined {
  const n = index.articleNumber(id);
  if (n === undefined) return undefined;
  const a = index.article(n);
  return {
    articleId: a.id,
    title: a.title,
    ...(a.url ? { url: a.url } : {}),
    ...(a.published ? { published: a.published } : {}),
    summary: summarize(index, a.id),
  };
}

/**
 * Selects, posts and records digests. A post is recorded as pending before it is sent and completed
 * (with its articles written to the channel's ledger) after: a crash in between is settled by
 * {@link recover}, which finds the message by its marker or posts it again — never lost, never twice.
 */
export class DigestService {
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: DigestServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The digest a post to `channelId` would carry now (articles already posted there left out). */
  async select(guildId: string, channelId: string | null, ask: DigestAsk, at = this.now()): Promise<DigestSelection> {
    const { store } = this.deps;
    const count = Math.min(
      ask.count ?? (await store.settings.get(guildId, 'digestCount')) ?? DIGEST_DEFAULT_COUNT,
      DIGEST_MAX_COUNT,
    );
    const index = await this.deps.index(guildId);
    return selectDigest(index, {
      count,
      ...(ask.since ? { since: parseSince(ask.since, at) } : {}),
      ...(ask.topic ? { topic: ask.topic } : {}),
      ...(ask.seenSince ? { seenSince: new Date(ask.seenSince) } : {}),
      ...(channelId ? { exclude: new Set((await store.digests.ledger(channelId)).keys()) } : {}),
      firstSeen: await store.articles.firstSeen(),
    });
  }

  /**
   * Posts a digest of articles not yet posted to the channel. `firstRun` (a schedule's first) marks
   * the articles over the count as seen, so a new schedule does not flood the channel later.
   */
  post(guildId: string, channelId: string, ask: DigestAsk, options: PostOptions = {}): Promise<PostOutcome> {
    // One post at a time per channel: two at once would both pick the same new articles. This
    // queue orders this process's posts; the claim in the database (postNow) orders processes.
    const previous = this.running.get(channelId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.postNow(guildId, channelId, ask, options));
    this.running.set(channelId, next);
    return next.finally(() => {
      if (this.running.get(channelId) === next) this.running.delete(channelId);
    });
  }

  /**
   * Selects, claims in the database, then posts. The claim makes the post this process's alone: a
   * scheduled run another process claimed is left to it; while another process posts in the
   * channel this one waits, then selects again (what it posted is then left out).
   */
  private async postNow(
    guildId: string,
    channelId: string,
    ask: DigestAsk,
    options: PostOptions,
  ): Promise<PostOutcome> {
    const { store } = this.deps;
    // Real time, not the injected clock: this bounds a wait for another process.
    const giveUp = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const selection = await this.select(guildId, channelId, ask);
      if (selection.items.length === 0) return { posted: false, reason: 'nothing-new' };
      const skipped = options.firstRun
        ? [...selection.verdicts].filter(([, v]) => v === 'over-count').map(([id]) => id)
        : [];
      const claim = await store.digests.claimRun({
        guildId,
        channelId,
        scheduleId: options.scheduleId ?? null,
        articleIds: selection.items.map((i) => i.articleId),
        skippedIds: skipped,
        options: {
          topic: ask.topic ?? null,
          since: ask.since ?? null,
          count: ask.count ?? null,
          at: this.now().toISOString(),
          ...(ask.seenSince ? { seenSince: ask.seenSince } : {}),
          ...(options.roleId ? { roleId: options.roleId } : {}),
        },
        runKey: options.runKey ?? null,
      });
      if (claim.claimed) {
        const messageId = await this.send(claim.run, selection.items);
        return { posted: true, run: (await store.digests.run(claim.run.id))!, messageId, items: selection.items };
      }
      if (claim.why === 'taken') return { posted: false, reason: 'claimed-elsewhere' };
      if (claim.why === 'busy') {
        if (Date.now() > giveUp) return { posted: false, reason: 'busy' };
        await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
      }
    }
  }

  /** Sends a recorded run and completes it; on a failed send, looks for the message before giving up on it. */
  private async send(run: DigestRun, items: DigestItem[]): Promise<string> {
    const { store, poster } = this.deps;
    const digest: DigestMessage = {
      runId: run.id,
      marker: markerOf(run.id),
      topic: (run.options.topic as string | null) ?? null,
      items,
      roleId: typeof run.options.roleId === 'string' ? run.options.roleId : null,
    };
    try {
      const messageId = await poster.post(run.channelId, digest);
      await store.digests.completeRun(run.id, messageId);
      return messageId;
    } catch (err) {
      // A timeout or 5xx may still have posted: look before recording a failure (whose articles stay unposted).
      const found =
        err instanceof PostRefused ? null : await poster.find(run.channelId, digest.marker).catch(() => null);
      if (found) {
        await store.digests.completeRun(run.id, found);
        return found;
      }
      await store.digests.failRun(run.id, err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Settles digests left pending by a crash: completes those found in their channel, posts the others. */
  async recover(): Promise<{ found: number; reposted: number; failed: number }> {
    const { store, poster, logger } = this.deps;
    const result = { found: 0, reposted: 0, failed: 0 };
    // Only runs whose process is gone: a live process (another shard, a second bot) is still posting its own.
    for (const run of await store.digests.orphanedRuns()) {
      if (!(await store.digests.adoptRun(run.id, run.owner))) continue;
      try {
        const found = await poster.find(run.channelId, markerOf(run.id));
        if (found) {
          await store.digests.completeRun(run.id, found);
          result.found++;
          continue;
        }
        const index = await this.deps.index(run.guildId);
        const items = run.articleIds.flatMap((id) => itemOf(index, id) ?? []);
        if (items.length === 0) {
          // Its articles left the archive meanwhile: nothing to post, and nothing to record as posted.
          await store.digests.failRun(run.id, 'its articles are no longer in the archive');
          result.failed++;
          continue;
        }
        await this.send(run, items);
        result.reposted++;
      } catch (err) {
        result.failed++;
        logger.warn({ err, runId: run.id, channelId: run.channelId }, 'could not settle a digest left pending');
      }
    }
    return result;
  }

  /** Runs a schedule now: posts what is new (nothing when nothing is), records the run, pauses on refusal. */
  async runSchedule(id: number): Promise<PostOutcome | null> {
    const { store, logger } = this.deps;
    const schedule = await store.digests.schedule(id);
    if (!schedule || schedule.pausedReason || postsOnArrival(schedule.cron)) return null;
    const at = this.now();
    // The time this run is due: the schedule's first time after its last run. Every process that
    // runs it reads the same one, so it names the run in the claim; when another process has
    // already run it, the next time is still ahead and there is nothing to do.
    const due = nextFire(schedule.cron, schedule.timezone, new Date(schedule.lastRunAt ?? schedule.createdAt));
    if (!due || due.getTime() > at.getTime() + DUE_SLACK_MS) return null;
    try {
      const outcome = await this.post(
        schedule.guildId,
        schedule.channelId,
        { topic: schedule.topic, count: schedule.count },
        { scheduleId: id, firstRun: schedule.lastRunAt === null, runKey: `schedule ${id} at ${due.toISOString()}` },
      );
      if (!outcome.posted && outcome.reason === 'claimed-elsewhere') {
        logger.info({ scheduleId: id, channelId: schedule.channelId }, 'scheduled digest claimed by another process');
        return outcome;
      }
      await store.digests.markScheduleRun(id, at);
      logger.info(
        { scheduleId: id, channelId: schedule.channelId, posted: outcome.posted ? outcome.items.length : 0 },
        'scheduled digest ran',
      );
      return outcome;
    } catch (err) {
      if (err instanceof PostRefused) {
        await store.digests.pauseSchedule(id, err.message);
        await store.digests.markScheduleRun(id, at);
        logger.warn({ scheduleId: id, channelId: schedule.channelId, reason: err.message }, 'scheduled digest paused');
        return null;
      }
      logger.error({ err, scheduleId: id }, 'scheduled digest failed; it will try again at its next time');
      return null;
    }
  }

  /**
   * Posts what an "as they arrive" schedule has not posted yet: the articles on its topic that
   * entered the archive since it was made, newest first, in as many posts as they need (each one a
   * claimed run, so a crash neither loses nor repeats one). Returns how many articles went out.
   */
  async runArrivals(id: number): Promise<number> {
    const { store, logger } = this.deps;
    const schedule = await store.digests.schedule(id);
    if (!schedule || schedule.pausedReason || !postsOnArrival(schedule.cron)) return 0;
    let posted = 0;
    try {
      // Bounded: a flood of arrivals goes out over the next sweeps rather than all at once.
      for (let round = 0; round < ARRIVAL_POSTS_PER_RUN; round++) {
        const outcome = await this.post(
          schedule.guildId,
          schedule.channelId,
          { topic: schedule.topic, count: schedule.count, seenSince: schedule.createdAt },
          { scheduleId: id, roleId: schedule.roleId },
        );
        if (!outcome.posted) break;
        posted += outcome.items.length;
      }
      if (posted > 0) {
        await store.digests.markScheduleRun(id, this.now());
        logger.info({ scheduleId: id, channelId: schedule.channelId, posted }, 'new articles posted as they arrived');
      }
    } catch (err) {
      if (err instanceof PostRefused) {
        await store.digests.pauseSchedule(id, err.message);
        logger.warn({ scheduleId: id, channelId: schedule.channelId, reason: err.message }, 'scheduled digest paused');
      } else logger.error({ err, scheduleId: id }, 'posting new articles failed; the next arrival tries again');
    }
    return posted;
  }

  /** Why an article was or was not in the last digest posted (to a channel, or anywhere in the guild). */
  async why(
    guildId: string,
    articleId: string,
    channelId?: string,
  ): Promise<{ verdict: DigestVerdict | 'not-in-archive' | 'no-digest'; run?: DigestRun }> {
    const { store } = this.deps;
    const run = await store.digests.lastPostedRun(guildId, channelId);
    if (!run) return { verdict: 'no-digest' };
    const index = await this.deps.index(guildId);
    if (index.articleNumber(articleId) === undefined) return { verdict: 'not-in-archive', run };
    if (run.articleIds.includes(articleId)) return { verdict: 'included', run };
    const ledger = await store.digests.ledger(run.channelId);
    const entry = ledger.get(articleId);
    if (entry && entry.runId < run.id) return { verdict: 'already-posted', run };
    // Replay the selection as it was made: its options, its time, the ledger before it.
    const at = new Date(String(run.options.at ?? run.createdAt));
    const before = new Set([...ledger].filter(([, e]) => e.runId < run.id).map(([id]) => id));
    const seen = await store.articles.firstSeen();
    if ((seen.get(articleId) ?? '') > (run.postedAt ?? run.createdAt)) return { verdict: 'not-in-archive', run };
    const replay = selectDigest(index, {
      count: Number(run.options.count ?? run.articleIds.length) || run.articleIds.length,
      ...(run.options.since ? { since: parseSince(String(run.options.since), at) } : {}),
      ...(run.options.topic ? { topic: String(run.options.topic) } : {}),
      ...(run.options.seenSince ? { seenSince: new Date(String(run.options.seenSince)) } : {}),
      exclude: before,
      firstSeen: seen,
    });
    return { verdict: replay.verdicts.get(articleId) ?? 'over-count', run };
  }
}

/**
 * Runs each stored schedule with croner, in its time zone. On start, a schedule whose time passed
 * while the bot was down runs once (not once per missed time).
 */
export class DigestScheduler {
  private readonly jobs = new Map<number, ReturnType<typeof cronFor>>();
  private readonly now: () => Date;

  constructor(
    private readonly service: DigestService,
    private readonly store: Pick<StoreParts, 'digests'>,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  /**
   * True while another process (the leader, over PostgreSQL) runs the schedules: arming does
   * nothing here until {@link start}.
   */
  standby = false;

  /** Settles pending posts, runs missed schedules once, and starts every schedule's timer. */
  async start(): Promise<void> {
    this.standby = false;
    await this.service.recover();
    for (const s of await this.store.digests.schedules()) {
      await this.arm(s.id);
      const since = new Date(s.lastRunAt ?? s.createdAt);
      const due = nextFire(s.cron, s.timezone, since);
      if (due && due.getTime() <= this.now().getTime()) await this.service.runSchedule(s.id);
    }
  }

  /** Starts the timer of a new (or changed) schedule. */
  async arm(id: number): Promise<void> {
    if (this.standby) return;
    const s = await this.store.digests.schedule(id);
    // Disarmed after the read, so two arms at once still leave one timer.
    this.disarm(id);
    // "As they arrive" has no times: the follow service posts for it when articles come in.
    if (!s || postsOnArrival(s.cron)) return;
    this.jobs.set(
      id,
      cronFor(s.cron, s.timezone, () => void this.service.runSchedule(id)),
    );
  }

  /** Arms schedules added (and disarms those removed) by other processes since the last look. */
  async sync(): Promise<void> {
    if (this.standby) return;
    const ids = new Set((await this.store.digests.schedules()).map((s) => s.id));
    for (const id of ids) if (!this.jobs.has(id)) await this.arm(id);
    for (const id of [...this.jobs.keys()]) if (!ids.has(id)) this.disarm(id);
  }

  disarm(id: number): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /** When a schedule next runs (null when it is unknown or paused). */
  async nextRun(id: number): Promise<Date | null> {
    const job = this.jobs.get(id);
    if (job || !this.standby) return job?.nextRun() ?? null;
    // Another process runs it: when is worked out from the stored schedule.
    const s = await this.store.digests.schedule(id);
    return s && !s.pausedReason ? nextFire(s.cron, s.timezone, this.now()) : null;
  }

  stop(): void {
    for (const id of [...this.jobs.keys()]) this.disarm(id);
  }
}
