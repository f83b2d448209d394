import type { Answer } from '../core/answer.js';
import type { BotDeps } from './types.js';

/**
 * Records an answered or refused question in the stats. The stats are bookkeeping: a failed write
 * (a full disk, a locked database) is logged, and the answer already computed is still sent.
 */
export async function recordQuery(
  deps: Pick<BotDeps, 'store' | 'logger'>,
  entry: { guildId: string | null; question: string; answer: Answer; ms: number },
): Promise<void> {
  try {
    await deps.store.activity.logQuery(entry);
  } catch (err) {
    deps.logger.error({ err, guildId: entry.guildId }, 'could not record the question in the stats; answering anyway');
  }
}
