import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewsIndex } from '../../src/core/search.js';
import { COMMANDS } from '../../src/discord/bot.js';
import { archiveFacts, renderHelp } from '../../src/discord/commands/help.js';
import type { BotDeps } from '../../src/discord/types.js';
import { Store } from '../../src/store/store.js';
import { openEngine } from '../../src/engine.js';
import { addedFiles, removeAdded } from '../../src/guildArchives.js';
import { bootBot, type BootedBot } from './boot.js';
import {
  commandOptions,
  startDiscordDouble,
  type DiscordDouble,
  type InteractionRecord,
  type StoredMessage,
} from './double/server.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const MANAGE_MESSAGES = String(1n << 13n);
const MANAGE_GUILD = String(1n << 5n);
const question = (value: string) => ({ type: ApplicationCommandOptionType.String, name: 'question', value });

// What a member meets: /help, "Ask Newsdesk" on a message, pages of results, votes, and managing
// a server's own articles and feeds. One bot for the file.
describe('the member experience, end to end through the Discord double', () => {
  let discord: DiscordDouble;
  let bot: BootedBot;
  let seeds: NewsIndex;
  const own = mkdtempSync(join(tmpdir(), 'newsdesk-own-'));
  const store = new Store({ path: ':memory:' });
  const reindexed: Array<string | null> = [];

  beforeAll(async () => {
    seeds = (await openEngine({ corpus: SEEDS, indexPath: null })).index;
    discord = await startDiscordDouble();
    const deps: BotDeps = {
      index: () => seeds,
      reindex: async (guildId) => {
        reindexed.push(guildId);
        return { articles: seeds.articles.length, passages: seeds.passages.length, warnings: [], ms: 1, rebuilt: true };
      },
      logger: pino({ level: 'silent' }),
      store,
      ingest: {
        dirFor: () => own,
        added: { list: () => addedFiles(own), remove: (_guildId, name) => removeAdded(own, name) },
        fetch: { allowPrivate: true, maxBytes: 1_000_000, timeoutMs: 1000 },
        pollMinutes: 30,
        pollNow: async () => ({ added: 0, errors: 0, skipped: 0 }) as never,
      },
      answerResults: 3,
      rateLimit: { questions: 100, windowMs: 60_000 },
    };
    bot = await bootBot(discord, deps);
  });

  afterAll(async () => {
    await bot.stop();
    await discord.close();
  });

  const first = (rec: InteractionRecord) => discord.waitFor(() => rec.callbacks[0], 5000, 'a response');
  const answered = (rec: InteractionRecord): Promise<StoredMessage> =>
    discord.waitFor(
      () => {
        const m = discord.original(rec.id);
        return m && m.embeds.length > 0 ? m : undefined;
      },
      5000,
      'an answer',
    );
  const buttons = (components: unknown) =>
    (components as Array<{ components: Array<{ custom_id: string; label: string }> }>).flatMap((row) => row.components);
  const helpText = async (permissions?: string) => {
    const rec = discord.runSlashCommand('help', [], discord.newUser(), permissions ? { permissions } : {});
    const data = (await first(rec)).data as { embeds: Array<{ description: string }>; flags: number };
    expect(data.flags).toBe(64);
    return data.embeds[0]!.description;
  };

  it('/help says what Newsdesk is, lists the commands this member can use (from the registered list), an example and the archive', async () => {
    const text = await helpText('0');
    expect(text).toContain('answers questions from an archive of news articles');
    expect(text).toContain('`/ask question:` — Ask the news archive a question');
    expect(text).toContain('`Apps → Ask Newsdesk`');
    expect(text).toContain('`/help`');
    // Moderator and admin commands only for members who have the permission.
    expect(text).not.toContain('/article');
    expect(text).not.toContain('/admin');
    // The seed articles carry no dates: the size alone, and a title to try.
    expect(text).toContain(`**Archive:** ${seeds.articles.length} articles.`);
    expect(text).toContain(`**Try:** \`/ask question: ${seeds.articles[0]!.title}\``);
    const dated = archiveFacts([
      { ...seeds.articles[0]!, published: '2019-10-01' },
      { ...seeds.articles[1]!, published: '2019-10-29T08:00:00Z' },
    ]);
    expect(renderHelp([], dated).embeds[0]!.description).toContain(
      `**Archive:** 2 articles; newest: “${seeds.articles[1]!.title}” (2019-10-29).`,
    );

    const moderator = await helpText(MANAGE_MESSAGES);
    expect(moderator).toContain('`/article add file file:`');
    expect(moderator).toContain('`/article add url url:`');
    expect(moderator).toContain('`/article remove file:`');
    expect(moderator).not.toContain('/admin');
    expect(await helpText(MANAGE_GUILD)).toContain('`/admin stats`');
    // Every registered command is named in /help for a member with every permission.
    const all = await helpText(String((1n << 50n) - 1n));
    for (const c of COMMANDS) expect(all).toContain(c.type === 3 ? `Apps → ${c.name}` : `/${c.name}`);
  });

  it('answers “Ask Newsdesk” on a member’s message with that message’s text, even when the bot never saw the text', async () => {
    // Not addressed to the bot: without MessageContent its MESSAGE_CREATE carried no text.
    const said = discord.say('Where are Isis militants fleeing?', { who: discord.users.bob });
    expect(said.content).toBe('');
    const rec = discord.runMessageCommand('Ask Newsdesk', said);
    const reply = await answered(rec);
    expect(reply.content).toBe('**Q:** Where are Isis militants fleeing?');
    expect(reply.flags & 64).toBe(0);
    expect(reply.embeds[0]!.title).toMatch(/^1\. /);

    const empty = discord.runMessageCommand('Ask Newsdesk', { ...discord.say(''), content: '' });
    expect(await first(empty)).toMatchObject({
      type: 4,
      data: { content: 'That message has no text to ask about.', flags: 64 },
    });
  });

  it('offers “More results” only while there is a next page', async () => {
    const reply = await answered(
      discord.runSlashCommand('ask', [question('Where are Isis militants fleeing?')], discord.newUser()),
    );
    let next = buttons(reply.components).find((b) => b.custom_id.startsWith('nd:more:'));
    expect(next).toBeDefined();
    const pages: string[][] = [];
    let message = reply;
    for (let i = 0; next && i < 10; i++) {
      const click = discord.clickButton(message, next.custom_id);
      const data = (await first(click)).data as {
        content: string;
        embeds: Array<{ title: string }>;
        components: unknown;
      };
      // Never a page that says there is nothing more: the button would not have been there.
      expect(data.content).not.toBe('No more results for that question.');
      pages.push(data.embeds.map((e) => e.title));
      next = buttons(data.components).find((b) => b.custom_id.startsWith('nd:more:'));
      message = { ...message, components: data.components as StoredMessage['components'] };
    }
    expect(next).toBeUndefined();
    expect(pages.length).toBeGreaterThan(0);
    // The last page has no “More results”, and asking past it would give nothing.
    const after = discord.clickButton(reply, `nd:more:${3 + pages.flat().length}`);
    expect(((await first(after)).data as { content: string }).content).toBe('No more results for that question.');
  });

  it('acknowledges a vote: the buttons show the answer’s votes, a changed vote replaces the old one, and /admin stats reports it', async () => {
    const reply = await answered(discord.runSlashCommand('ask', [question('Who died in Syria?')], discord.newUser()));
    const vote = async (id: string, who = discord.users.bob) => {
      const rec = discord.clickButton(discord.message(reply.id)!, id, who);
      const cb = await first(rec);
      expect(cb.type).toBe(7);
      return buttons(discord.message(reply.id)!.components)
        .filter((b) => b.custom_id.startsWith('nd:fb:'))
        .map((b) => b.label);
    };
    expect(await vote('nd:fb:up')).toEqual(['👍 1', '👎 0']);
    expect(await vote('nd:fb:down', discord.users.alice)).toEqual(['👍 1', '👎 1']);
    expect(await vote('nd:fb:down')).toEqual(['👍 0', '👎 2']);
    expect(await store.activity.votes(reply.id)).toEqual({ up: 0, down: 2 });
    const stats = discord.runSlashCommand('admin', commandOptions('stats'), discord.newUser(), {
      permissions: MANAGE_GUILD,
    });
    const text = ((await first(stats)).data as { content: string }).content;
    expect(text).toContain('**Unhelpful answers** (more 👎 than 👍):');
    expect(text).toContain('(question text not kept) · 2 👎 0 👍');
  });

  it('lists and removes a server’s own articles, with autocomplete for the file', async () => {
    const run = (
      path: string,
      options: Array<{ type: ApplicationCommandOptionType; name: string; value: unknown }> = [],
    ) =>
      discord.runSlashCommand('article', commandOptions(path, options), discord.newUser(), {
        permissions: MANAGE_MESSAGES,
      });
    expect(((await first(run('list'))).data as { content: string }).content).toBe(
      'This server has added no articles. Add one with `/article add file` or `/article add url`.',
    );
    mkdirSync(join(own, 'added'), { recursive: true });
    writeFileSync(join(own, 'added', 'harbour-report.md'), '# Harbour report\n\nThe harbour reopened.\n');
    writeFileSync(join(own, 'added', 'river.txt'), 'River\n\nThe river rose.\n');
    expect(((await first(run('list'))).data as { content: string }).content).toBe(
      '**2 added files:**\n• `harbour-report.md`\n• `river.txt`',
    );
    const suggest = discord.runAutocomplete('article', 'file', 'harb', discord.newUser(), 'remove', MANAGE_MESSAGES);
    expect(await first(suggest)).toEqual({
      type: 8,
      data: { choices: [{ name: 'harbour-report.md', value: 'harbour-report.md' }] },
    });
    const removed = run('remove', [
      { type: ApplicationCommandOptionType.String, name: 'file', value: 'harbour-report.md' },
    ]);
    await discord.waitFor(() => discord.original(removed.id)?.content, 5000, 'the removal');
    expect(discord.original(removed.id)!.content).toBe(
      `Removed \`harbour-report.md\`. The archive now has ${seeds.articles.length} articles.`,
    );
    expect(existsSync(join(own, 'added', 'harbour-report.md'))).toBe(false);
    expect(reindexed.at(-1)).toBe(discord.guildId);
    // A name that is not one of the additions (a path out of the folder) is refused and removes nothing.
    const outside = run('remove', [
      { type: ApplicationCommandOptionType.String, name: 'file', value: '../added/river.txt' },
    ]);
    await discord.waitFor(() => discord.original(outside.id)?.content, 5000, 'the refusal');
    expect(discord.original(outside.id)!.content).toBe('This server added no such file: see /article list.');
    expect(existsSync(join(own, 'added', 'river.txt'))).toBe(true);
  });

  it('suggests the server’s feeds for /feed remove', async () => {
    const feed = (await store.feeds.add({
      guildId: discord.guildId,
      url: 'https://example.org/wire.xml',
      title: 'Valley Wire',
      addedBy: discord.users.bob.id,
    }))!;
    await store.feeds.add({
      guildId: '999999999999999999',
      url: 'https://example.org/other.xml',
      title: 'Elsewhere',
      addedBy: discord.users.bob.id,
    });
    const rec = discord.runAutocomplete('feed', 'feed', 'val', discord.newUser(), 'remove', MANAGE_MESSAGES);
    expect(await first(rec)).toEqual({
      type: 8,
      data: { choices: [{ name: `#${feed.id} Valley Wire — https://example.org/wire.xml`, value: String(feed.id) }] },
    });
  });
});
