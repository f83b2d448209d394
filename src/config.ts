import { dirname, extname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { FOLLOW_DEFAULT_PER_DAY, RATE_LIMIT_MAX_QUESTIONS } from './core/limits.js';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
/**
 * A whole number in decimal digits within [min, max]. Hex (`0x3`), exponents (`1e1`) and
 * fractions are refused: a setting is written as people read it. An out-of-range value says the range.
 */
const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^[+-]?\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** Whether a value reads as a PostgreSQL connection URL (never echoed: it may carry a password). */
function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
}

/** Every environment variable Newsdesk reads; `.env.example` lists the same ones. */
export const ConfigSchema = z.object({
  DISCORD_TOKEN: z.string().min(50, 'looks too short to be a bot token').optional(),
  DISCORD_APPLICATION_ID: snowflake.optional(),
  DISCORD_GUILD_ID: snowflake.optional(),
  /** For tests against a local Discord double; real deployments leave it unset. */
  DISCORD_API_URL: z.url('must be a URL').optional(),
  CORPUS_DIR: z.string().min(1).default('corpus'),
  INDEX_PATH: z.string().min(1).default('data/index.bin'),
  DATABASE_PATH: z.string().min(1).default('data/newsdesk.db'),
  /**
   * Where questions are answered from: `memory`, the index held in the process (the default), or
   * `sqlite`, the archive in an SQLite file beside INDEX_PATH (see {@link searchArchivePath}) for
   * archives too large to hold (README, Large archives).
   */
  SEARCH_BACKEND: z.enum(['memory', 'sqlite'], { message: 'must be memory or sqlite' }).default('memory'),
  /**
   * Unset: SQLite at DATABASE_PATH (one machine). postgres://user:password@host:port/db (or
   * ?host=/socket/dir): PostgreSQL, shared by every process and host (see README, Running on several machines).
   */
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, 'must be a postgres:// or postgresql:// URL, e.g. postgres://newsdesk@db.example/newsdesk')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANSWER_RESULTS: intIn(1, 10).default(3),
  RATE_LIMIT_QUESTIONS: intIn(1, RATE_LIMIT_MAX_QUESTIONS).default(5),
  RATE_LIMIT_WINDOW_SECONDS: intIn(1, 3600).default(60),
  STORE_QUESTION_TEXT: boolFlag.default(false),
  FETCH_MAX_BYTES: intIn(10_000, 50_000_000).default(2_000_000),
  FETCH_TIMEOUT_SECONDS: intIn(1, 120).default(10),
  ALLOW_PRIVATE_URLS: boolFlag.default(false),
  FEED_POLL_MINUTES: intIn(5, 10_080).default(30),
  /** Follow messages (DMs about followed topics) one member gets per day at most; more articles wait for the next day. */
  FOLLOW_DMS_PER_DAY: intIn(1, 100).default(FOLLOW_DEFAULT_PER_DAY),
  /**
   * How long after new articles arrive follow messages and "as they arrive" posts wait for more to
   * go with them (seconds): several arriving together make one message, not several.
   */
  FOLLOW_BATCH_SECONDS: intIn(0, 3600).default(120),
  /** How long one file (corpus file, upload, feed item) may take to parse before it is skipped or refused. */
  PARSE_TIMEOUT_SECONDS: intIn(1, 600).default(5),
  /** How much heap the parser of one file may use (the parse thread's cap) before it is skipped or refused. */
  PARSE_MEMORY_MB: intIn(64, 16_384).default(512),
  /**
   * Where each server's own additions (/article add, its feeds) are kept: <dir>/<guild id>/. Unset:
   * `guilds/` beside the database (see {@link guildArchiveDir}). Never inside CORPUS_DIR: the shared corpus.
   */
  GUILD_ARCHIVE_DIR: z.string().min(1).optional(),
  /** Servers (comma-separated ids) whose additions go into the shared corpus that every server is answered from. */
  CURATOR_GUILD_IDS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .refine(
      (ids) => ids.every((id) => /^\d{17,20}$/.test(id)),
      'must be Discord server ids (17 to 20 digits) separated by commas',
    )
    .default([]),
  /** How many servers' own indexes (shared corpus + their additions) are held in memory at once; the rest load from disk when asked. */
  GUILD_INDEX_CACHE: intIn(1, 1000).default(8),
  /**
   * Unset: one process (today's bot). `auto` or N: this process becomes a discord.js ShardingManager
   * that builds the index once and runs the shards as child processes (see README, Sharding).
   * Only the manager reads it: discord.js overwrites SHARDS with the shard ids in each shard.
   */
  SHARDS: z
    .string()
    .regex(/^(auto|[1-9]\d{0,4})$/, 'must be auto or a whole number from 1')
    .transform((v): 'auto' | number => (v === 'auto' ? 'auto' : Number(v)))
    .optional(),
  /**
   * With DATABASE_URL: how often a process that does not lead the scheduler and poller tries to
   * (a dead leader is replaced within about this long).
   */
  LEADER_RETRY_SECONDS: intIn(1, 300).default(15),
  /**
   * The shards this host runs, of the SHARDS total (comma-separated ids from 0): several hosts
   * each run their subset, sharing state through DATABASE_URL. Unset: every shard.
   */
  SHARD_IDS: z
    .string()
    .regex(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, 'must be shard ids (whole numbers from 0) separated by commas')
    .transform((v) => [...new Set(v.split(',').map((id) => Number(id.trim())))].sort((a, b) => a - b))
    .optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Where server additions live: GUILD_ARCHIVE_DIR, else `guilds/` beside the database (or the index, for an in-memory database). */
export function guildArchiveDir(config: Pick<Config, 'GUILD_ARCHIVE_DIR' | 'DATABASE_PATH' | 'INDEX_PATH'>): string {
  if (config.GUILD_ARCHIVE_DIR) return config.GUILD_ARCHIVE_DIR;
  return join(dirname(config.DATABASE_PATH === ':memory:' ? config.INDEX_PATH : config.DATABASE_PATH), 'guilds');
}

/** The sqlite backend's archive file: INDEX_PATH with its extension made `.sqlite` (data/index.sqlite). */
export function searchArchivePath(config: Pick<Config, 'INDEX_PATH'>): string {
  const path = config.INDEX_PATH;
  const ext = extname(path);
  return `${ext ? path.slice(0, -ext.length) : path}.sqlite`;
}

/** A configuration problem, with one line per bad variable. Never includes a variable's value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One problem is one line; several are listed under a heading, one a line.
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment (empty strings count as unset); reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') relevant[key] = value.trim();
  }
  const parsed = ConfigSchema.safeParse(relevant);
  if (parsed.success) {
    // Additions kept inside the shared corpus would be read into it, for every server.
    const guilds = resolve(guildArchiveDir(parsed.data));
    const corpus = resolve(parsed.data.CORPUS_DIR);
    if (guilds === corpus || guilds.startsWith(`${corpus}${sep}`))
      throw new ConfigError([
        'GUILD_ARCHIVE_DIR: must not be inside CORPUS_DIR (set it, or move DATABASE_PATH out of the corpus)',
      ]);
    const { SHARD_IDS, SHARDS, DATABASE_URL } = parsed.data;
    if (SHARD_IDS) {
      // A host runs part of a fixed total; the others' state must be the same database.
      if (typeof SHARDS !== 'number')
        throw new ConfigError(['SHARD_IDS: needs SHARDS set to the total number of shards (a number, not auto)']);
      if (SHARD_IDS.some((id) => id >= SHARDS))
        throw new ConfigError([`SHARD_IDS: shard ids go from 0 to ${SHARDS - 1} (SHARDS=${SHARDS})`]);
      if (!DATABASE_URL)
        throw new ConfigError([
          'SHARD_IDS: needs DATABASE_URL (hosts share settings, digests and feeds through PostgreSQL)',
        ]);
    }
    return parsed.data;
  }
  throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}
