import type { Logger } from 'pino';

/** How often a process that does not lead tries to (and the leader checks it still does): a dead leader is replaced within about this long. */
export const LEADER_RETRY_MS = 15_000;

export interface LeadershipOptions {
  /** Takes or confirms leadership (PostgreSQL: an advisory lock held by the store's session). */
  tryLead: () => Promise<boolean>;
  /** This process became the leader: start the scheduler and the poller. */
  onLead: () => Promise<void>;
  /** While leading, on every check (e.g. arm schedules added by other hosts). */
  onTick?: () => Promise<void>;
  /** Leadership was lost (the database connection dropped): stop them. */
  onLose: () => void;
  logger: Logger;
  retryMs?: number;
}

/**
 * One leader among every process sharing a PostgreSQL database: only it runs the digest scheduler
 * and the feed poller. Each process tries every {@link LEADER_RETRY_MS}; the lock dies with the
 * leader's session, so another process takes over at its next try.
 */
export class Leadership {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private isLeader = false;
  private stopped = false;

  constructor(private readonly options: LeadershipOptions) {}

  get leading(): boolean {
    return this.isLeader;
  }

  /** Tries now, then every retry interval until {@link stop}. */
  async start(): Promise<void> {
    await this.tick();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.options.retryMs ?? LEADER_RETRY_MS);
    this.timer.unref();
  }

  /** One try (or check); overlapping calls share one. */
  tick(): Promise<void> {
    this.ticking ??= this.check().finally(() => (this.ticking = null));
    return this.ticking;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    const { logger } = this.options;
    let lead: boolean;
    try {
      lead = await this.options.tryLead();
    } catch (err) {
      logger.warn({ err }, 'could not check leadership; trying again');
      lead = false;
    }
    if (this.stopped) return;
    if (lead && !this.isLeader) {
      this.isLeader = true;
      logger.info('leading: this process runs the digest scheduler and the feed poller');
      try {
        await this.options.onLead();
      } catch (err) {
        logger.error({ err }, 'could not start the scheduler and poller as leader');
      }
    } else if (!lead && this.isLeader) {
      this.isLeader = false;
      logger.warn('leadership lost: scheduler and poller stopped until this process leads again');
      this.options.onLose();
    } else if (lead && this.options.onTick) {
      await this.options.onTick().catch((err: unknown) => logger.warn({ err }, 'leader check failed'));
    }
  }
}
