import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../../src/discord/commands/index.js';
import { helpEntries } from '../../src/discord/commands/help.js';
import { loadConfig } from '../../src/config.js';
import { deployCommands } from '../../src/discord/deploy.js';
import { DISCORD_LIMITS } from '../../src/discord/limits.js';
import { MAX_QUESTION_CHARS } from '../../src/core/answer.js';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';

describe('npm run deploy:commands', () => {
  let discord: DiscordDouble;
  beforeAll(async () => {
    discord = await startDiscordDouble();
  });
  afterAll(() => discord.close());

  const token = 'x'.repeat(72);

  it('registers /ask in the configured guild, asking Discord for the application id', async () => {
    const lines: string[] = [];
    await deployCommands(
      loadConfig({ DISCORD_TOKEN: token, DISCORD_GUILD_ID: discord.guildId, DISCORD_API_URL: discord.apiBase }),
      (l) => lines.push(l),
    );
    expect(discord.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v10/oauth2/applications/@me',
      `PUT /api/v10/applications/${discord.appId}/guilds/${discord.guildId}/commands`,
    ]);
    expect(discord.commands.map((c) => c.name)).toEqual([
      'ask',
      'Ask Newsdesk',
      'help',
      'digest',
      'article',
      'feed',
      'admin',
      'follow',
    ]);
    // Digests for those who manage messages, admin for those who manage the server.
    expect(discord.commands[3]).toMatchObject({
      default_member_permissions: String(1 << 13),
      contexts: [0],
      integration_types: [0],
    });
    // The message context-menu command: type 3, no description, in servers and DMs.
    expect(discord.commands[1]).toMatchObject({ type: 3, contexts: [0, 1], integration_types: [0] });
    expect(discord.commands[1]).not.toHaveProperty('description');
    expect(discord.commands[6]).toMatchObject({
      default_member_permissions: '32',
      contexts: [0],
      integration_types: [0],
    });
    // Where a command may be used is said with contexts (0 server, 1 DM with the bot), not the deprecated dm_permission.
    expect(discord.commands[0]).toMatchObject({ contexts: [0, 1], integration_types: [0] });
    expect(discord.commands.filter((c) => 'dm_permission' in c).map((c) => c.name)).toEqual([]);
    const question = (
      discord.commands[0]!.options as Array<{ name: string; max_length?: number; autocomplete?: boolean }>
    )[0]!;
    expect(question).toMatchObject({ name: 'question', max_length: MAX_QUESTION_CHARS, autocomplete: true });
    expect(lines).toEqual([
      `Registered /ask, “Ask Newsdesk” (message menu), /help, /digest, /article, /feed, /admin, /follow in guild ${discord.guildId}.`,
    ]);
  });

  it('registers globally without a guild', async () => {
    await deployCommands(
      loadConfig({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiBase }),
      () => {},
    );
    expect(discord.requests.at(-1)!.path).toBe(`/api/v10/applications/${discord.appId}/commands`);
  });

  it('refuses without a token, naming the variable', async () => {
    await expect(deployCommands(loadConfig({}))).rejects.toThrow('DISCORD_TOKEN: required to register commands');
  });

  it('keeps command names and descriptions within Discord’s limits', () => {
    for (const c of discord.commands) {
      expect(String(c.description ?? '').length).toBeLessThanOrEqual(100);
      // Slash command names are lower case; context-menu names may have capitals and spaces.
      expect(String(c.name)).toMatch(c.type === 3 ? /^.{1,32}$/u : /^[\p{Ll}\p{N}_-]{1,32}$/u);
    }
    expect(DISCORD_LIMITS.customId).toBe(100);
  });

  it('lists in README every command and subcommand /help lists (both from the one command list)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(
      readme.indexOf('| command | who | what |'),
      readme.indexOf('`/help` lists exactly these'),
    );
    const rows = table
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| command') && !l.startsWith('|---'));
    // No row for a command that does not exist.
    const names = COMMAND_MODULES.map((m) => (m.data.type === 3 ? `**${m.data.name}**` : `\`/${m.data.name}`));
    for (const r of rows)
      expect(
        names.some((n) => r.split(' | ')[0]!.includes(n)),
        r,
      ).toBe(true);
    for (const m of COMMAND_MODULES) {
      for (const e of helpEntries(m)) {
        const [head, ...words] = e.usage
          .replace(/^Apps → /, '')
          .split(' ')
          .filter((w) => !w.endsWith(':'));
        // A row holding the command and each of its subcommand words (`/digest post|preview|…` counts).
        const wanted = e.usage.startsWith('Apps → ')
          ? [`**${e.usage.slice('Apps → '.length)}**`]
          : [`\`${head!}`, ...words];
        expect(
          rows.find((r) => wanted.every((w) => r.split(' | ')[0]!.includes(w))),
          e.usage,
        ).toBeDefined();
      }
    }
  });
});
