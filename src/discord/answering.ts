import { answerQuestion, type Answer } from '../core/answer.js';
import { withTimeNotes } from '../core/newer.js';
import { recordQuery } from './queryLog.js';
import type { QuestionGate } from './rateLimit.js';
import type { BotDeps } from './types.js';

/** Who asks, where, and through what: `/ask`, a mention, the context menu, "More results". */
export interface AskContext {
  command: 'ask' | 'mention' | 'context-menu' | 'more';
  guildId: string | null;
  userId: string;
}

/** What asking gave: a wait (over the rate limit), or an answer and whether a next page exists. */
export type AskOutcome = { limited: true; waitMs: number } | { limited: false; answer: Answer; more: boolean };

/**
 * "Answer this question for this member here", the one use case behind every way of asking: the
 * rate gate, the answer (one result more than shown, to know whether "More results" has anything
 * to give), the stats and one log line. Handlers only render what it returns.
 */
export async function answerFor(
  deps: BotDeps,
  gate: QuestionGate,
  ctx: AskContext,
  question: string,
  options: { offset?: number; admitted?: () => Promise<void> } = {},
): Promise<AskOutcome> {
  const offset = options.offset ?? 0;
  const waitMs = await gate(ctx.userId, ctx.guildId);
  if (waitMs > 0) {
    deps.logger.info({ ...ctx, answered: false, reason: 'rate-limited' }, 'question refused: rate limit');
    return { limited: true, waitMs };
  }
  // An interaction is acknowledged here, past the gate and before the work: Discord's 3 s window.
  await options.admitted?.();
  const started = performance.now();
  const index = await deps.index(ctx.guildId);
  const full = answerQuestion(index, question, { k: deps.answerResults + 1, offset });
  const more = full.results.length > deps.answerResults;
  // The result asked for only to know whether a next page exists is not shown: a newer article
  // it quotes may be noted under the results that are.
  const answer = more ? withTimeNotes(index, { ...full, results: full.results.slice(0, deps.answerResults) }) : full;
  const ms = performance.now() - started;
  // Another page of a question already counted is not a new question for the stats.
  if (ctx.command !== 'more') await recordQuery(deps, { guildId: ctx.guildId, question, answer, ms });
  deps.logger.info(
    { ...ctx, ms: Math.round(ms), answered: answer.answered, reason: answer.reason ?? null },
    'answered',
  );
  return { limited: false, answer, more };
}

/** The private notice for a member over the rate limit. */
export const slowDown = (waitMs: number): string =>
  `You’re asking quickly: try again in ${Math.ceil(waitMs / 1000)} s.`;
