import { Cron } from 'croner';

/** A schedule the user can't have: the message says what to write instead. */
export class WhenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WhenError';
  }
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** Scheduled digests no closer together than this: a digest every few minutes is noise. */
export const MIN_INTERVAL_MINUTES = 60;

const USAGE =
  'write "daily at 09:00", "weekly on friday at 17:30", "as they arrive", or a 5-field cron pattern such as "0 9 * * 1-5"';

/**
 * What a schedule stores instead of a cron pattern when it posts each new article as it arrives
 * (batched over FOLLOW_BATCH_SECONDS) rather than at set times. Not a valid cron pattern, so no
 * timer is ever made for it by mistake.
 */
export const AS_THEY_ARRIVE = 'arrive';

/** Whether a stored schedule posts as articles arrive (no timer) rather than at set times. */
export const postsOnArrival = (pattern: string): boolean => pattern === AS_THEY_ARRIVE;

/**
 * Reads a digest schedule: "daily at HH:MM", "weekly [on DAY] at HH:MM" (Monday by default), "as
 * they arrive" or a standard 5-field cron pattern, and returns the cron pattern (checked by croner)
 * to store, or {@link AS_THEY_ARRIVE}.
 */
export function parseWhen(text: string): string {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/^(?:as (?:they|it) arrives?|on arrival|as soon as they arrive)$/.test(t)) return AS_THEY_ARRIVE;
  let pattern: string;
  const daily = /^(?:daily|every day)(?: at)? (\d{1,2})[:.h](\d{2})$/.exec(t);
  const weekly = /^(?:weekly|every week)(?: on (\w+?)s?)?(?: at)? (\d{1,2})[:.h](\d{2})$/.exec(t);
  if (daily) pattern = `${minute(daily[2]!)} ${hour(daily[1]!)} * * *`;
  else if (weekly) pattern = `${minute(weekly[3]!)} ${hour(weekly[2]!)} * * ${day(weekly[1] ?? 'monday')}`;
  else if (/^\S+( \S+){4}$/.test(t)) pattern = t;
  else throw new WhenError(`I can’t read “${text.trim().slice(0, 60)}” as a schedule: ${USAGE}.`);
  let runs: Date[];
  try {
    runs = new Cron(pattern, { paused: true, mode: '5-part' }).nextRuns(3, new Date('2026-01-01T00:00:00Z'));
  } catch {
    throw new WhenError(`“${text.trim().slice(0, 60)}” is not a valid schedule: ${USAGE}.`);
  }
  if (runs.length === 0) throw new WhenError(`“${text.trim().slice(0, 60)}” never runs: ${USAGE}.`);
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.getTime() - runs[i - 1]!.getTime() < MIN_INTERVAL_MINUTES * 60_000)
      throw new WhenError(`Digests can run at most once an hour: ${USAGE}.`);
  }
  return pattern;
}

function hour(h: string): number {
  const n = Number(h);
  if (n > 23) throw new WhenError(`${h} is not an hour: use 00 to 23.`);
  return n;
}

function minute(m: string): number {
  const n = Number(m);
  if (n > 59) throw new WhenError(`${m} is not a minute: use 00 to 59.`);
  return n;
}

function day(name: string): number {
  const i = DAYS.findIndex((d) => d.startsWith(name) && name.length >= 3);
  if (i < 0) throw new WhenError(`“${name}” is not a day of the week.`);
  return i;
}

/** A cron job for a stored pattern in a time zone (paused unless a callback is given). */
export function cronFor(pattern: string, timezone: string, run?: () => void): Cron {
  const options = { mode: '5-part' as const, timezone, protect: true, catch: true };
  return run ? new Cron(pattern, options, run) : new Cron(pattern, { ...options, paused: true });
}

/** The next time a pattern fires after `after`, in its time zone. */
export function nextFire(pattern: string, timezone: string, after: Date): Date | null {
  if (postsOnArrival(pattern)) return null;
  return cronFor(pattern, timezone).nextRun(after);
}

/** "daily at 09:00 (Europe/Rome)"-style text for a stored pattern, falling back to the pattern itself. */
export function describeWhen(pattern: string, timezone: string): string {
  if (postsOnArrival(pattern)) return 'as they arrive';
  const m = /^(\d+) (\d+) \* \* (\*|\d)$/.exec(pattern);
  if (!m) return `\`${pattern}\` (${timezone})`;
  const at = `${m[2]!.padStart(2, '0')}:${m[1]!.padStart(2, '0')}`;
  const days = m[3] === '*' ? 'daily' : `weekly on ${DAYS[Number(m[3]) % 7]}`;
  return `${days} at ${at} (${timezone})`;
}
