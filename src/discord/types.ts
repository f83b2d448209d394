import type { Logger } from 'pino';
import type { ArchiveIndex } from '../core/answerIndex.js';
import type { ReindexReport } from '../archive.js';
import type { StoreParts } from '../store/store.js';
import type { DigestScheduler, DigestService } from '../digests/service.js';
import type { FetchOptions } from '../ingest/fetch.js';
import type { PollSummary } from '../feedPoller.js';

/** Everything the Discord layer needs from the rest of Newsdesk. */
export interface BotDeps {
  /**
   * The index a server is answered from (it may be swapped by a reindex): the shared one, or the
   * server's own (shared + its additions). Null (a DM) is the shared one.
   */
  index: (guildId: string | null) => ArchiveIndex | Promise<ArchiveIndex>;
  /** Rebuilds what a server is answered from (the shared index, and the server's own) and swaps it in on success. */
  reindex: (guildId: string | null) => Promise<ReindexReport>;
  logger: Logger;
  /** Settings, questions and votes, digests and feeds (SQLite), by part: the database itself stays in src/store. */
  store: StoreParts;
  /** Digests: posting, schedules, explanations (absent: /digest explains it is unavailable). */
  digests?: { service: DigestService; scheduler: DigestScheduler };
  /** Adding articles and following feeds (absent: those commands explain they are unavailable). */
  ingest?: {
    /** Where a server's additions are written: its own folder, or the shared corpus for a curator server. */
    dirFor: (guildId: string) => string;
    /** The files a server added from Discord, by name (/article list and remove): the folders stay behind it. */
    added: {
      list: (guildId: string) => Promise<string[]>;
      /** Removes one by its name; false when the server added no such file (then nothing changes). */
      remove: (guildId: string, name: string) => Promise<boolean>;
    };
    fetch: FetchOptions;
    pollMinutes: number;
    pollNow: (feedId: number) => Promise<PollSummary>;
    /**
     * Takes a file just added to or removed from `dirFor(guildId)` (`file` relative to it) in:
     * resolves once questions are answered from the change; the full rebuild goes on in the
     * background. Absent: `reindex` is waited for.
     */
    takeIn?: (guildId: string, file: string) => Promise<ReindexReport>;
  };
  /** Following topics: the daily message limit members are told about (absent: not mentioned). */
  follows?: { perDay: number };
  answerResults: number;
  rateLimit: { questions: number; windowMs: number };
  now?: () => number;
}
