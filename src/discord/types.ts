import type { Logger } from 'pino';
import type { Answer } from '../core/answer.js';
import type { NewsIndex } from '../core/search.js';
import type { ReindexReport } from '../archive.js';

/** What the bot keeps between messages; the SQLite store implements it, tests may pass a fake. */
export interface BotStore {
  /** Channels where mentions are answered in a guild; empty means everywhere. */
  answerChannels(guildId: string): string[];
  recordFeedback(f: { guildId: string | null; userId: string; messageId: string; articleId: string; vote: 1 | -1 }): void;
  logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): void;
}

/** Everything the Discord layer needs from the rest of Newsdesk. */
export interface BotDeps {
  /** The current index (it may be swapped by a reindex). */
  index: () => NewsIndex;
  /** Rebuilds the index from the corpus and swaps it in on success. */
  reindex: () => Promise<ReindexReport>;
  logger: Logger;
  store: BotStore;
  answerResults: number;
  rateLimit: { questions: number; windowMs: number };
  now?: () => number;
}

/** A store that keeps nothing: for a bot run without a database. */
export const NO_STORE: BotStore = {
  answerChannels: () => [],
  recordFeedback: () => {},
  logQuery: () => {},
};
