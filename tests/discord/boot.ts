import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, PermissionFlagsBits, Status, type Client, type ClientOptions } from 'discord.js';
import type { Logger } from 'pino';
import { Archive } from '../../src/archive.js';
import { loadConfig, type Config } from '../../src/config.js';
import { runBot, type BotRuntime } from '../../src/composition.js';
import { attachHandlers, createClient } from '../../src/discord/bot.js';
import type { BotDeps } from '../../src/discord/types.js';
import type { DigestStore } from '../../src/store/parts.js';
import { nodeCommand } from '../setup/tsx.js';
import { commandOptions, type DiscordDouble, type InteractionRecord } from './double/server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;

/** discord.js spaces IDENTIFYs out (5 s apart); the double has no such limit, so the tests do not wait. */
export const NO_IDENTIFY_WAIT = {
  ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
} satisfies Partial<ClientOptions>;

/** Waits until every shard of `client` is Ready: a shard destroyed while it waits to reconnect keeps reconnecting. */
export function shardsReady(discord: DiscordDouble, client: Client, ms = 2000): Promise<unknown> {
  return discord.waitFor(() => client.ws.shards.every((s) => s.status === Status.Ready), ms, 'shards ready');
}

export interface BootedBot {
  client: Client;
  /** Waits for the shards to be Ready (at most `readyMs`), then destroys the client. The double stays open. */
  stop(readyMs?: number): Promise<void>;
}

/** The bot's handlers with `deps` on a discord.js client logged in to the double; resolves once the client is ready. */
export async function bootBot(discord: DiscordDouble, deps: BotDeps): Promise<BootedBot> {
  const client = createClient({ rest: { api: discord.apiBase }, ...NO_IDENTIFY_WAIT });
  attachHandlers(client, deps);
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login('test-token');
  await ready;
  return {
    client,
    stop: async (readyMs) => {
      await shardsReady(discord, client, readyMs);
      await client.destroy();
    },
  };
}

export interface BootRuntimeOptions {
  /** Config variables over the defaults (a token, the double's URL, and a corpus, index and database in a temp folder). */
  env?: Record<string, string>;
  logger?: Logger;
  /** The clock runBot gives the store, digests and schedules. */
  now?: () => Date;
  /** The corpus copied into the temp folder (default: the seed articles). */
  corpus?: string;
}

export interface BootedRuntime {
  bot: BotRuntime;
  archive: Archive;
  config: Config;
  /** The temp folder: corpus/, index.json and newsdesk.db. */
  dir: string;
  /** Waits for the shards to be Ready (at most `readyMs`), then stops the bot. The double stays open. */
  stop(readyMs?: number): Promise<void>;
}

/** The whole bot (runBot: archive, database, digests) against the double, with a temp copy of the corpus. */
export async function bootRuntime(discord: DiscordDouble, options: BootRuntimeOptions = {}): Promise<BootedRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bot-'));
  cpSync(options.corpus ?? SEEDS, join(dir, 'corpus'), { recursive: true });
  const config = loadConfig({
    DISCORD_TOKEN: `${'N'.repeat(24)}.${'x'.repeat(6)}.${'b'.repeat(38)}`,
    DISCORD_API_URL: discord.apiBase,
    CORPUS_DIR: join(dir, 'corpus'),
    INDEX_PATH: join(dir, 'index.json'),
    DATABASE_PATH: join(dir, 'newsdesk.db'),
    ...options.env,
  });
  const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
  const bot = await runBot(config, archive, {
    clientOptions: NO_IDENTIFY_WAIT,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    bot,
    archive,
    config,
    dir,
    stop: async (readyMs) => {
      await shardsReady(discord, bot.client, readyMs);
      await bot.stop();
    },
  };
}

/** Stops bot processes: SIGTERM, then SIGKILL for one still running after 10 s. */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }),
  );
}

/** A daily 09:00 UTC digest schedule in the double's channel (made in the past, it has a missed run to catch up). */
export async function addDailySchedule(
  digests: Pick<DigestStore, 'addSchedule'>,
  discord: DiscordDouble,
): Promise<number> {
  const schedule = await digests.addSchedule({
    guildId: discord.guildId,
    channelId: discord.channelId,
    cron: '0 9 * * *',
    timezone: 'UTC',
    topic: null,
    count: 3,
    createdBy: discord.users.alice.id,
  });
  return schedule.id;
}

/** A line of a bot process's JSON log: the fields the tests read (pino writes more). */
export interface LogLine {
  msg?: string;
  shard?: number | string;
  pid?: number;
  [field: string]: unknown;
}

export interface BotProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The JSON log lines written so far, in order (a line still being written is left for later). */
  lines(): LogLine[];
  /** Everything written on stdout and stderr so far, for a failure message. */
  output(): string;
  /** Whether a log line with this `msg` has been written. */
  logged(msg: string): boolean;
}

/**
 * Newsdesk's entry point (src/main.ts: one process, or a shard manager with SHARDS) as a child
 * process on plain node over the run's compiled copy (tests/setup/tsx.ts), with `env` and PATH
 * only as its environment. `detached` makes it lead a process group, so that its shards can be
 * signalled with it; `onLine` hears each log line as it comes.
 */
export function spawnBot(
  env: Record<string, string>,
  options: { detached?: boolean; onLine?: (line: LogLine) => void } = {},
): BotProcess {
  const child = spawn(...nodeCommand('src/main.ts', []), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.detached ? { detached: true } : {}),
  });
  const lines: LogLine[] = [];
  let output = '';
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    output += b.toString();
    const complete = (partial + b.toString()).split('\n');
    partial = complete.pop()!;
    for (const l of complete) {
      if (!l.startsWith('{')) continue;
      const line = JSON.parse(l) as LogLine;
      lines.push(line);
      options.onLine?.(line);
    }
  });
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    lines: () => lines,
    output: () => output,
    logged: (msg) => lines.some((l) => l.msg === msg),
  };
}

/** `/article add file` in `guildId` with the file at `url`, sent by a new member with Manage Messages. */
export function addArticleFile(
  discord: DiscordDouble,
  guildId: string,
  file: { name: string; url: string; size: number; contentType: string },
): InteractionRecord {
  return discord.inGuild(guildId, () => {
    const attachment = discord.attach(file.name, file.url, file.size, file.contentType);
    return discord.runSlashCommand(
      'article',
      commandOptions('add file', [{ type: ApplicationCommandOptionType.Attachment, name: 'file', value: attachment }]),
      discord.newUser(),
      { permissions: String(PermissionFlagsBits.ManageMessages) },
    );
  });
}
