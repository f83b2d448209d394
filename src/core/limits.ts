/**
 * Limits more than one layer checks (the environment, a server's stored settings, the commands
 * that change them), kept here so they cannot disagree. Discord's own limits are in
 * src/discord/limits.ts; the digest's in digest.ts.
 */

/** Most questions per member per rate-limit window: RATE_LIMIT_QUESTIONS, a server's setting and `/admin config rate_limit`. */
export const RATE_LIMIT_MAX_QUESTIONS = 1000;

/** Follow messages a member gets per day when the operator sets none: FOLLOW_DMS_PER_DAY and the follow service. */
export const FOLLOW_DEFAULT_PER_DAY = 5;
