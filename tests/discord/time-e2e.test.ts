import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewsIndex } from '../../src/core/search.js';
import { openEngine } from '../../src/engine.js';
import { customIds } from '../../src/discord/render.js';
import { Store } from '../../src/store/store.js';
import { NEWER_ID, OLDER_ID, newerCorpus } from '../fixtures/newer/corpus.js';
import { bootBot, type BootedBot } from './boot.js';
import { startDiscordDouble, type DiscordDouble, type StoredMessage } from './double/server.js';

const question = (value: string) => ({ type: ApplicationCommandOptionType.String, name: 'question', value });

describe('time-aware answers on the Discord double', () => {
  let discord: DiscordDouble;
  let bot: BootedBot;
  let index: NewsIndex;

  beforeAll(async () => {
    index = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    discord = await startDiscordDouble();
    bot = await bootBot(discord, {
      index: () => index,
      reindex: async () => ({ articles: 0, passages: 0, warnings: [], ms: 0, rebuilt: false }),
      logger: pino({ level: 'silent' }),
      store: new Store({ path: ':memory:' }),
      // One quote per answer: the newer article is not quoted beside the older one.
      answerResults: 1,
      rateLimit: { questions: 10, windowMs: 60_000 },
    });
  });

  afterAll(async () => {
    await bot.stop();
    await discord.close();
  });

  it('notes the newer article under a quote of the older one, and its button quotes the newer one', async () => {
    const rec = discord.runSlashCommand(
      'ask',
      [question('Which Isis leaders fled after the death of al-Baghdadi?')],
      discord.newUser(),
    );
    const reply = await discord.waitFor(
      () => {
        const m = discord.original(rec.id);
        return m && m.embeds.length > 0 ? m : undefined;
      },
      5000,
      'an answer',
    );
    const older = index.articles.find((a) => a.id === OLDER_ID)!;
    const newer = index.articles.find((a) => a.id === NEWER_ID)!;
    expect(reply.embeds).toHaveLength(1);
    expect(reply.embeds[0]!.title).toBe(`1. ${older.title}`);
    expect((reply.embeds[0]!.footer as { text?: string } | undefined)?.text).toBe('2019-10-29');
    expect(reply.embeds[0]!.description).toMatch(
      /\n\n🕒 Newer in the archive: Syria, the hunt for Isis leaders after al-Baghdadi’s death reaches Hasaka and Manbij, 2019-12-04$/,
    );
    const ids = (reply as StoredMessage).components.flatMap((row) =>
      (row.components as Array<{ custom_id: string }>).map((c) => c.custom_id),
    );
    expect(ids).toContain(customIds.newer(NEWER_ID));

    const click = discord.clickButton(reply, customIds.newer(NEWER_ID), discord.newUser());
    await discord.waitFor(() => click.callbacks.length > 0, 3000, 'the newer article quoted');
    const shown = click.callbacks[0]!.data as {
      flags: number;
      content: string;
      embeds: Array<{ title: string; description: string; footer?: { text: string } }>;
    };
    expect(shown.flags).toBe(64);
    expect(shown.content).toContain('Which Isis leaders fled after the death of al-Baghdadi?');
    expect(shown.embeds).toHaveLength(1);
    expect(shown.embeds[0]!.title).toBe(`1. ${newer.title}`);
    expect(shown.embeds[0]!.footer?.text).toBe('2019-12-04');
    expect(shown.embeds[0]!.description).toMatch(/Baghdadi/);
    // Nothing in the archive is newer than the newer article: no note under it.
    expect(shown.embeds[0]!.description).not.toContain('Newer in the archive');
  });
});
