import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ApplicationCommandOptionType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';
import { spawnBot, type BotProcess } from './boot.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'s'.repeat(38)}`;
const ask = (value: string) => [{ type: ApplicationCommandOptionType.String, name: 'question', value }];

describe('SIGTERM to a single-process bot', () => {
  let discord: DiscordDouble;
  let bot: BotProcess;
  let dbPath: string;
  const logged = (msg: string) => bot.logged(msg);

  beforeAll(async () => {
    discord = await startDiscordDouble();
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-shutdown-'));
    dbPath = join(data, 'db.sqlite');
    // SHARDS empty (a `SHARDS=` line in .env) means one process; discord.js must not read it as shard ids.
    bot = spawnBot({
      SHARDS: '',
      DISCORD_TOKEN: token,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(ROOT, 'tests/fixtures/seeds'),
      INDEX_PATH: join(data, 'index.bin'),
      DATABASE_PATH: dbPath,
      LOG_LEVEL: 'info',
    });
    await discord.waitFor(() => logged('connected'), 20_000, 'the bot to connect');
  }, 30_000);

  afterAll(async () => {
    if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    await discord.close();
  });

  it('finishes the answer in flight, takes no new work, closes the database and exits 0', async () => {
    // Hold the bot's edit of its deferred answer until the shutdown has begun.
    let held = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    discord.intercept(async (req) => {
      if (req.method !== 'PATCH' || !req.route.endsWith('/messages/@original')) return false;
      held = true;
      await released;
      return false;
    });
    const slow = discord.runSlashCommand('ask', ask('Who is Sadam al-Jamal?'));
    await discord.waitFor(() => held, 10_000, 'the answer to be on its way');

    bot.child.kill('SIGTERM');
    await discord.waitFor(() => logged('shutting down'), 5_000, 'the shutdown to begin');
    // Arrives while the bot drains: it must be ignored, not half-answered.
    const late = discord.runSlashCommand('ask', ask('Where is Tasil?'));
    await discord.waitFor(
      () => bot.output().includes(`"interactionId":"${late.id}"`) && logged('interaction ignored: shutting down'),
      5_000,
      'the late question to be turned away',
    );
    expect(bot.child.exitCode).toBeNull();
    release();

    expect(await bot.exited).toBe(0);
    expect(discord.original(slow.id)?.embeds[0]?.description).toMatch(/security chief/);
    expect(late.callbacks).toEqual([]);
    expect(bot.output()).toContain('"finished":1');
    expect(logged('stopped')).toBe(true);

    // Closed cleanly: the WAL was checkpointed into the database and removed.
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 20_000);
});
