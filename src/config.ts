import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');
const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const intIn = (min: number, max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min).max(max);

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ANSWER_RESULTS: intIn(1, 10).default(3),
  RATE_LIMIT_QUESTIONS: intIn(1, 1000).default(5),
  RATE_LIMIT_WINDOW_SECONDS: intIn(1, 3600).default(60),
  STORE_QUESTION_TEXT: boolFlag.default(false),
  FETCH_MAX_BYTES: intIn(10_000, 50_000_000).default(2_000_000),
  FETCH_TIMEOUT_SECONDS: intIn(1, 120).default(10),
  ALLOW_PRIVATE_URLS: boolFlag.default(false),
  FEED_POLL_MINUTES: intIn(5, 10_080).default(30),
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
});
export type Config = z.infer<typeof ConfigSchema>;

/** A configuration problem, with one line per bad variable. Never includes a variable's value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}
