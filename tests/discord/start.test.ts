import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';
import { spawnBot, type BotProcess } from './boot.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('npm start with a token', () => {
  let discord: DiscordDouble;
  let bot: BotProcess;
  const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'s'.repeat(38)}`;

  beforeAll(async () => {
    discord = await startDiscordDouble();
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-start-'));
    bot = spawnBot({
      DISCORD_TOKEN: token,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(ROOT, 'tests/fixtures/seeds'),
      INDEX_PATH: join(data, 'index.json'),
      DATABASE_PATH: join(data, 'db.sqlite'),
      LOG_LEVEL: 'debug',
    });
    await discord.waitFor(() => discord.identifies.length > 0, 40_000, 'the bot to connect');
    // A loaded machine (CI beside other jobs) can take most of the default 20 s to start a process.
  }, 60_000);

  afterAll(async () => {
    bot.child.kill('SIGTERM');
    await bot.exited;
    await discord.close();
  });

  it('connects and answers /ask', async () => {
    await discord.waitFor(() => bot.logged('connected'), 10_000, 'the connected log line');
    const rec = discord.runSlashCommand('ask', [
      { type: ApplicationCommandOptionType.String, name: 'question', value: 'Who is Sadam al-Jamal?' },
    ]);
    const reply = await discord.waitFor(
      () => discord.original(rec.id)?.embeds.length && discord.original(rec.id),
      10_000,
      'an answer',
    );
    expect(reply && reply.embeds[0]!.description).toMatch(/security chief/);
  });

  it('never writes the token to its logs', () => {
    expect(bot.output()).not.toContain(token);
    expect(bot.output()).not.toContain('s'.repeat(38));
  });
});
