/**
 * Limits more than one layer checks (the environment, a server's stored settings, the commands
 * that change them), kept here so they cannot disagree. Discord's own limits are in
 * src/discord/limits.ts; the digest's in digest.ts.
 */

/** Most questions per member per rate-limit window: RATE_LIMIT_QUESTIONS, a server's setting and `/admin config rate_limit`. */
export const RATE_LIMIT_MAX_QUESTIONS = 1000;
