import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FOLLOW_LOOKBACK_MS, planFollowMessage, type FollowItem } from '../core/follow.js';
import type { ArchiveIndex } from '../core/answerIndex.js';
import type { DigestService } from '../digests/service.js';
import { postsOnArrival } from '../digests/when.js';
import type { Follow, StoreParts } from '../store/store.js';

/** One follow message: the new articles a member is told about, each with its matching sentence. */
export interface FollowMessage {
  /** The message's key in the ledger (24 hex digits): sent as its nonce, so a retried send posts it once. */
  key: string;
  items: FollowItem[];
  /** Articles still waiting after this one (the daily limit or the message's size held them back). */
  waiting: number;
}

/** Where follow messages go: the Discord adapter sends them by DM. */
export interface FollowSender {
  /** Sends one message to a member; throws {@link MemberGone} when they can't be reached for good. */
  send(guildId: string, userId: string, message: FollowMessage): Promise<void>;
}

/** The member can't be reached for good (left the server, closed their DMs): their follows there end. */
export class MemberGone extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MemberGone';
  }
}

export interface FollowServiceDeps {
  store: Pick<StoreParts, 'follows' | 'articles' | 'digests'>;
  /** The index a server is answered from: its follows match its articles (shared + its own). */
  index: (guildId: string) => ArchiveIndex | Promise<ArchiveIndex>;
  sender: FollowSender;
  /** Posts "as they arrive" schedules (and opt-in role posts) with the digests' claims and ledger. */
  digests: Pick<DigestService, 'runArrivals'>;
  logger: Logger;
  now?: () => Date;
  /** FOLLOW_DMS_PER_DAY. */
  perDay: number;
  /** FOLLOW_BATCH_SECONDS, in ms: how long after an arrival the sweep waits for more. */
  batchMs: number;
  /** How often a sweep runs anyway (arrivals on another host, articles held by yesterday's limit). */
  backstopMs?: number;
}

export interface SweepSummary {
  messages: number;
  dropped: number;
  posted: number;
}

const DAY_MS = 86_400_000;
const BACKSTOP_MS = 5 * 60_000;

/**
 * Tells followers about new articles. The archive says when articles arrive ({@link arrived});
 * after the batch window a sweep sends each member at most one message (the daily limit permitting)
 * and runs every "as they arrive" schedule. What to send is worked out from the store each time —
 * follows, when articles were first seen, the follow ledger — so a restart just sweeps again and
 * nothing recorded as sent goes twice: a message is claimed in the ledger before it is sent, and
 * released when the send fails for a reason that may pass.
 */
export class FollowService {
  private readonly now: () => Date;
  private batch: NodeJS.Timeout | undefined;
  private backstop: NodeJS.Timeout | undefined;
  private sweeping: Promise<SweepSummary> | null = null;
  private again = false;
  /** Between start and stop: arrivals and the backstop make sweeps (a process that does not lead never starts). */
  private active = false;
  /** After stop: a sweep in progress ends early (the store is about to close). */
  private stopped = false;

  constructor(private readonly deps: FollowServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts sweeping: once now (what arrived while the bot was down), then after arrivals and on the backstop. */
  start(): void {
    this.active = true;
    this.stopped = false;
    this.backstop ??= setInterval(() => this.arrived(0), this.deps.backstopMs ?? BACKSTOP_MS).unref();
    this.arrived(0);
  }

  stop(): void {
    this.active = false;
    this.stopped = true;
    clearInterval(this.backstop);
    clearTimeout(this.batch);
    this.backstop = this.batch = undefined;
  }

  /** Resolves once a sweep in progress has finished (before the store closes). */
  async settled(): Promise<void> {
    await this.sweeping?.catch(() => {});
  }

  /** New articles entered the archive: a sweep follows once the batch window closes (later arrivals join it). */
  arrived(delayMs = this.deps.batchMs): void {
    if (!this.active || this.batch) return;
    this.batch = setTimeout(() => {
      this.batch = undefined;
      void this.sweep().catch((err: unknown) => this.deps.logger.error({ err }, 'follow sweep failed'));
    }, delayMs).unref();
  }

  /** Sends what followers are owed and posts what "as they arrive" schedules are owed; one sweep at a time. */
  sweep(): Promise<SweepSummary> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = this.sweepNow().finally(() => {
      this.sweeping = null;
      if (this.again) {
        this.again = false;
        this.arrived(0);
      }
    });
    return this.sweeping;
  }

  private async sweepNow(): Promise<SweepSummary> {
    const { store, logger, digests } = this.deps;
    const summary: SweepSummary = { messages: 0, dropped: 0, posted: 0 };
    let waiting = false;
    const follows = await store.follows.list();
    if (follows.length > 0) {
      // Only recent arrivals can be owed (see FOLLOW_LOOKBACK_MS): the archive's whole history stays in the database.
      const firstSeen = await store.articles.seenSince(new Date(this.now().getTime() - FOLLOW_LOOKBACK_MS));
      for (const [guildId, members] of byGuildAndMember(follows)) {
        const index = await this.deps.index(guildId);
        for (const [userId, mine] of members) {
          if (this.stopped) return summary;
          const outcome = await this.serve(guildId, userId, mine, index, firstSeen);
          if (outcome === 'sent') summary.messages++;
          if (outcome === 'dropped') summary.dropped++;
          if (outcome === 'sent-more-waiting') {
            summary.messages++;
            waiting = true;
          }
        }
      }
    }
    for (const s of await store.digests.schedules()) {
      if (this.stopped) return summary;
      if (postsOnArrival(s.cron) && !s.pausedReason) summary.posted += await digests.runArrivals(s.id);
    }
    if (summary.messages || summary.dropped || summary.posted) logger.info(summary, 'follow sweep');
    // A member with more waiting than one message holds gets the rest after the next window.
    if (waiting) this.arrived();
    return summary;
  }

  /** One member's message, if they are owed one. */
  private async serve(
    guildId: string,
    userId: string,
    follows: Follow[],
    index: ArchiveIndex,
    firstSeen: ReadonlyMap<string, string>,
  ): Promise<'none' | 'sent' | 'sent-more-waiting' | 'dropped'> {
    const { store, sender, logger } = this.deps;
    const plan = planFollowMessage(index, {
      follows,
      now: this.now().toISOString(),
      firstSeen,
      sent: await store.follows.sent(guildId, userId),
      messagesToday: await store.follows.messagesSince(userId, new Date(this.now().getTime() - DAY_MS)),
      perDay: this.deps.perDay,
    });
    if (!plan.send) {
      if (plan.reason === 'daily-limit')
        logger.debug({ guildId, userId, waiting: plan.waiting }, 'follow message held: daily limit reached');
      return 'none';
    }
    // Within Discord's nonce limit (25 characters).
    const key = randomBytes(12).toString('hex');
    // Another process (a second host) sent these meanwhile: they are its message, not ours.
    if (
      !(await store.follows.claim(
        guildId,
        userId,
        key,
        plan.items.map((i) => i.articleId),
      ))
    )
      return 'none';
    try {
      await sender.send(guildId, userId, { key, items: plan.items, waiting: plan.waiting });
      return plan.waiting > 0 ? 'sent-more-waiting' : 'sent';
    } catch (err) {
      await store.follows.release(guildId, userId, key);
      if (err instanceof MemberGone) {
        const dropped = await store.follows.dropMember(guildId, userId);
        logger.warn({ guildId, userId, follows: dropped, reason: err.reason }, 'follower dropped');
        return 'dropped';
      }
      logger.warn({ err, guildId, userId }, 'follow message not sent; the next sweep tries again');
      return 'none';
    }
  }
}

/** Follows grouped by server, then by member, in the order they were made. */
function byGuildAndMember(follows: readonly Follow[]): Map<string, Map<string, Follow[]>> {
  const out = new Map<string, Map<string, Follow[]>>();
  for (const f of follows) {
    let members = out.get(f.guildId);
    if (!members) out.set(f.guildId, (members = new Map()));
    const list = members.get(f.userId);
    if (list) list.push(f);
    else members.set(f.userId, [f]);
  }
  return out;
}
