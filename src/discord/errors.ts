import { randomBytes } from 'node:crypto';
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
