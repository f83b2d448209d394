import { randomBytes } from 'node:crypto';
import {
  DiscordAPIError,
  RESTJSONErrorCodes,
  type InteractionDeferReplyOptions,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from 'pino';

/** A mistake the user can fix: its message is safe to show them. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** What the user sees for an error: the safe message of a UserError, else a generic one with a reference id that is logged with the details. */
export function describeError(err: unknown, logger: Logger, context: Record<string, unknown>): string {
  if (err instanceof UserError) return err.message;
  const ref = randomBytes(4).toString('hex');
  logger.error({ ...context, ref, err }, 'unexpected error');
  return `Something went wrong on our side (reference ${ref}). Please try again later.`;
}

/**
 * Defers a reply, surviving a deferral Discord took but answered with a 5xx: @discordjs/rest sends
 * it again and the retry gets 40060 (already acknowledged). Newsdesk acknowledges each interaction
 * once, so 40060 here means the first attempt went through and the reply can be edited as usual.
 */
export async function deferOnce(
  interaction: RepliableInteraction,
  options: InteractionDeferReplyOptions = {},
): Promise<void> {
  try {
    await interaction.deferReply(options);
  } catch (err) {
    if (!(err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged))
      throw err;
    interaction.deferred = true;
  }
}
