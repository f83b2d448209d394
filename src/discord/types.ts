import type { Logger } from 'pino';
import type { NewsIndex } from '../core/search.js';
import type { ReindexReport } from '../archive.js';
import type { Store } from '../store/store.js';
import type { DigestScheduler, DigestService } from '../digests/service.js';
import type { FetchOptions } from '../ingest/fetch.js';
import type { PollSummary } from '../feedPoller.js';

/** Everything the Discord layer needs from the rest of Newsdesk. */
export interface BotDeps {
  /** The current index (it may be swapped by a reindex). */
  index: () => NewsIndex;
  /** Rebuilds the index from the corpus and swaps it in on success. */
  reindex: () => Promise<ReindexReport>;
  logger: Logger;
  /** Settings, feedback, the query log and digests (SQLite). */
  store: Store;
  /** Digests: posting, schedules, explanations (absent: /digest explains it is unavailable). */
  digests?: { service: DigestService; scheduler: DigestScheduler };
  /** Adding articles and following feeds (absent: those commands explain they are unavailable). */
  ingest?: { corpusDir: string; fetch: FetchOptions; pollMinutes: number; pollNow: (feedId: number) => Promise<PollSummary> };
  answerResults: number;
  rateLimit: { questions: number; windowMs: number };
  now?: () => number;
}
