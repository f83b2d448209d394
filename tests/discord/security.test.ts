import { readdirSync } from 'node:fs';
import { ApplicationCommandOptionType, Events, GatewayCloseCodes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { deployCommands } from '../../src/discord/deploy.js';
import { createLogger } from '../../src/lifecycle.js';
import { send, startWebServer } from '../ingest/server.js';
import { bootRuntime, type BootedRuntime } from './boot.js';
import { failRoute } from './double/faults.js';
import {
  commandOptions,
  startDiscordDouble,
  type DiscordDouble,
  type InteractionRecord,
  type StoredMessage,
} from './double/server.js';

// Issue "Hold up under faults", security part: who may run what, DMs, the token in logs.
// The real bot (runBot, real discord.js) against the double.

type Option = { type: ApplicationCommandOptionType; name: string; value?: unknown; options?: Option[] };

const MANAGE_MESSAGES = String(1n << 13n);
const MANAGE_GUILD = String(1n << 5n);
const EPHEMERAL = 64;
const SPOKESMAN = 'Who is the spokesman of Jazeera Storm?';
const str = (name: string, value: string): Option => ({ type: ApplicationCommandOptionType.String, name, value });
const int = (name: string, value: number): Option => ({ type: ApplicationCommandOptionType.Integer, name, value });
const bool = (name: string, value: boolean): Option => ({ type: ApplicationCommandOptionType.Boolean, name, value });
const sub = (name: string, options: Option[] = []): Option => ({
  type: ApplicationCommandOptionType.Subcommand,
  name,
  options,
});

/** Every file under `dir`, relative, sorted. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

/** The first response to an interaction (its callback's data). */
async function firstResponse(
  discord: DiscordDouble,
  rec: InteractionRecord,
): Promise<{ content: string; flags: number }> {
  await discord.waitFor(() => rec.callbacks.length > 0, 3000, 'a response');
  return rec.callbacks[0]!.data as { content: string; flags: number };
}

/** The bot's reply to a message someone sent, in `channelId`. */
const replyTo = (discord: DiscordDouble, asked: { id?: unknown }, channelId: string): Promise<StoredMessage> =>
  discord.waitFor(
    () =>
      discord
        .messages(channelId)
        .find((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === asked.id),
    5000,
    'a reply',
  );

const answeredAsk = (discord: DiscordDouble, rec: InteractionRecord): Promise<StoredMessage> =>
  discord.waitFor(
    () => {
      const m = discord.original(rec.id);
      return m && m.embeds.length > 0 ? m : undefined;
    },
    5000,
    'an answer',
  );

describe('security: permissions and DMs, through the double', () => {
  let discord: DiscordDouble;
  let booted: BootedRuntime;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let reindexes = 0;

  beforeAll(async () => {
    web = await startWebServer({
      '/page': send('text/html', '<article><h1>Should never be fetched</h1></article>'),
      '/feed.xml': send('application/rss+xml', '<rss><channel><title>x</title></channel></rss>'),
    });
    discord = await startDiscordDouble();
    booted = await bootRuntime(discord, { env: { LOG_LEVEL: 'silent', ALLOW_PRIVATE_URLS: 'true' } });
    const reindex = booted.archive.reindex.bind(booted.archive);
    booted.archive.reindex = () => {
      reindexes++;
      return reindex();
    };
  });
  afterAll(async () => {
    await booted.stop(3000);
    await discord.close();
    await web.close();
    expect(discord.unknownRoutes).toEqual([]);
  });

  it('registers every moderator and admin command for members with the permission only, and never in DMs; /ask works in DMs', async () => {
    const config = loadConfig({
      DISCORD_TOKEN: booted.config.DISCORD_TOKEN!,
      DISCORD_API_URL: discord.apiBase,
      DISCORD_GUILD_ID: discord.guildId,
    });
    await deployCommands(config, () => {});
    const registered = new Map(discord.commands.map((c) => [String(c.name), c]));
    expect([...registered.keys()].sort()).toEqual([
      'Ask Newsdesk',
      'admin',
      'article',
      'ask',
      'digest',
      'feed',
      'follow',
      'help',
    ]);
    const guarded = { digest: MANAGE_MESSAGES, article: MANAGE_MESSAGES, feed: MANAGE_MESSAGES, admin: MANAGE_GUILD };
    for (const [name, permission] of Object.entries(guarded)) {
      expect(registered.get(name), name).toMatchObject({
        default_member_permissions: permission,
        contexts: [0],
        integration_types: [0],
      });
      expect(registered.get(name), name).not.toHaveProperty('dm_permission');
    }
    // Every member may follow topics, in servers only; its admin subcommand checks Manage Server when it runs.
    expect(registered.get('follow')).toMatchObject({ contexts: [0], integration_types: [0] });
    expect(registered.get('follow')?.default_member_permissions ?? null).toBeNull();
    const ask = registered.get('ask')!;
    expect(ask.default_member_permissions ?? null).toBeNull();
    expect(ask.contexts).toEqual([0, 1]);
  });

  describe('a member without the permission is refused, and nothing changes', () => {
    const cases: Array<{ command: string; sub: string; options: Option[]; refusal: string }> = [
      {
        command: 'admin',
        sub: 'stats',
        options: [int('days', 3)],
        refusal: 'You need the Manage Server permission to use /admin.',
      },
      {
        command: 'admin',
        sub: 'config',
        options: [bool('answer_everywhere', true), int('rate_limit', 1), bool('keep_questions', true)],
        refusal: 'You need the Manage Server permission to use /admin.',
      },
      {
        command: 'admin',
        sub: 'reindex',
        options: [],
        refusal: 'You need the Manage Server permission to use /admin.',
      },
      {
        command: 'admin',
        sub: 'corpus',
        options: [int('page', 1)],
        refusal: 'You need the Manage Server permission to use /admin.',
      },
      { command: 'feed', sub: 'add', options: [], refusal: 'You need the Manage Messages permission to manage feeds.' },
      {
        command: 'feed',
        sub: 'list',
        options: [],
        refusal: 'You need the Manage Messages permission to manage feeds.',
      },
      {
        command: 'feed',
        sub: 'remove',
        options: [str('feed', '1')],
        refusal: 'You need the Manage Messages permission to manage feeds.',
      },
      {
        command: 'digest',
        sub: 'schedule',
        options: [],
        refusal: 'You need the Manage Messages permission to use /digest.',
      },
      {
        command: 'digest',
        sub: 'unschedule',
        options: [],
        refusal: 'You need the Manage Messages permission to use /digest.',
      },
      {
        command: 'digest',
        sub: 'post',
        options: [int('count', 3)],
        refusal: 'You need the Manage Messages permission to use /digest.',
      },
      {
        command: 'article',
        sub: 'add url',
        options: [],
        refusal: 'You need the Manage Messages permission to manage this server’s articles.',
      },
      {
        command: 'article',
        sub: 'remove',
        options: [],
        refusal: 'You need the Manage Messages permission to manage this server’s articles.',
      },
    ];
    let state: () => unknown;
    let before: unknown;

    beforeAll(async () => {
      const g = discord.guildId;
      const store = booted.bot.store;
      // Something for remove and unschedule to remove.
      const feed = (await store.feeds.add({
        guildId: g,
        url: `${web.base}/feed.xml`,
        title: 'Seeded',
        addedBy: discord.users.bob.id,
      }))!;
      const schedule = await store.digests.addSchedule({
        guildId: g,
        channelId: discord.channelId,
        cron: '0 9 * * *',
        timezone: 'UTC',
        topic: null,
        count: 3,
        createdBy: discord.users.bob.id,
      });
      await store.settings.setAnswerChannels(g, [discord.channelId]);
      // Options that would change something, had the command run.
      const byName = (c: string, s: string) => cases.find((x) => x.command === c && x.sub === s)!;
      byName('feed', 'add').options = [str('url', `${web.base}/feed.xml?new`)];
      byName('feed', 'remove').options = [str('feed', String(feed.id))];
      byName('digest', 'schedule').options = [
        { type: ApplicationCommandOptionType.Channel, name: 'channel', value: discord.channelId },
        str('when', 'daily at 09:00'),
      ];
      byName('digest', 'unschedule').options = [int('id', schedule.id)];
      byName('article', 'add url').options = [str('url', `${web.base}/page`)];
      byName('article', 'remove').options = [str('file', 'anything.md')];
      state = async () => ({
        feeds: await store.feeds.list(g),
        schedules: await store.digests.schedules(g),
        answerChannels: await store.settings.answerChannels(g),
        rateLimit: await store.settings.get(g, 'rateLimitQuestions'),
        corpus: filesUnder(booted.config.CORPUS_DIR),
        channel: discord.messages(discord.channelId).filter((m) => !m.interaction_id).length,
        articles: booted.bot.index().held().articles,
        reindexes,
        webHits: web.hits.length,
      });
      before = structuredClone(await state());
    });

    it.each(cases)('/$command $sub', async ({ command, sub: name, options, refusal }) => {
      const rec = discord.runSlashCommand(command, commandOptions(name, options), discord.newUser(), {
        permissions: '0',
      });
      expect(await firstResponse(discord, rec)).toMatchObject({ content: refusal, flags: EPHEMERAL });
      expect(rec.callbacks).toHaveLength(1);
      expect(await state()).toEqual(before);
    });

    it('still lets a member with the permission do it (the refusal was the permission)', async () => {
      const rec = discord.runSlashCommand('feed', [sub('list')], discord.newUser(), { permissions: MANAGE_MESSAGES });
      expect((await firstResponse(discord, rec)).content).toContain(`${web.base}/feed.xml`);
      expect(web.hits).toEqual([]);
    });
  });

  describe('DMs', () => {
    it('asks Discord for DMs, and for nothing privileged', async () => {
      // Guilds, GuildMessages, DirectMessages; not MessageContent (1 << 15) nor the member or presence intents.
      expect(discord.identifies.map((i) => i.intents)).toEqual([(1 << 0) | (1 << 9) | (1 << 12)]);
    });

    it('answers /ask in a DM, in the DM, and counts it without a server', async () => {
      const who = discord.newUser('dm-asker');
      const answeredBefore = (await booted.bot.store.activity.stats(null)).answered;
      const rec = discord.runSlashCommand('ask', [str('question', SPOKESMAN)], who, { dm: true });
      const answer = await answeredAsk(discord, rec);
      expect(answer.channel_id).toBe(discord.dmChannel(who));
      expect(answer.embeds[0]!.description).toContain('Mustefa Bali');
      expect((await booted.bot.store.activity.stats(null)).answered).toBe(answeredBefore + 1);
    });

    it('answers the buttons of an answer given in a DM, in the DM, privately', async () => {
      const who = discord.newUser('dm-clicker');
      const answer = await answeredAsk(
        discord,
        discord.runSlashCommand('ask', [str('question', SPOKESMAN)], who, { dm: true }),
      );
      const ids = answer.components.flatMap((row) =>
        (row.components as Array<{ custom_id: string }>).map((c) => c.custom_id),
      );
      const click = async (prefix: string) => {
        const rec = discord.clickButton(
          answer,
          ids.find((id) => id.startsWith(prefix))!,
          who,
        );
        await discord.waitFor(() => rec.callbacks.length > 0, 3000, `a response to ${prefix}`);
        expect(rec.channelId).toBe(discord.dmChannel(who));
        expect(rec.callbacks[0]).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
        return rec.callbacks[0]!.data as { content?: string; embeds: Array<{ description?: string }> };
      };
      expect((await click('nd:psg:')).embeds[0]!.description!.length).toBeGreaterThan(100);
      // "More results" is there only when there is a next page, and then it has results.
      if (ids.some((id) => id.startsWith('nd:more:')))
        expect((await click('nd:more:')).embeds.length).toBeGreaterThan(0);
      const vote = discord.clickButton(answer, 'nd:fb:up', who);
      await discord.waitFor(() => vote.callbacks.length > 0, 3000, 'the vote');
      expect(vote.channelId).toBe(discord.dmChannel(who));
      expect(vote.callbacks[0]).toMatchObject({ type: 7 });
    });

    it.each([
      { command: 'admin', options: [sub('stats')] },
      { command: 'digest', options: [sub('post')] },
      { command: 'feed', options: [sub('list')] },
      { command: 'article', options: commandOptions('add url', [str('url', 'https://example.org/')]) },
    ])('refuses /$command in a DM: it works only in a server', async ({ command, options }) => {
      const rec = discord.runSlashCommand(command, options, discord.newUser(), { dm: true });
      expect(await firstResponse(discord, rec)).toMatchObject({
        content: `/${command} works only in a server.`,
        flags: EPHEMERAL,
      });
      expect(rec.callbacks).toHaveLength(1);
    });

    it('answers a DM without a mention, in the DM channel, pinging no one', async () => {
      const who = discord.newUser('dm-chatter');
      const asked = discord.say('Where is Tasil?', { dm: true, who });
      const answer = await replyTo(discord, asked, discord.dmChannel(who));
      expect(answer.embeds.length).toBeGreaterThan(0);
      expect(answer.allowed_mentions).toMatchObject({ parse: [] });
      expect(discord.messages(discord.channelId).some((m) => m.id === answer.id)).toBe(false);
    });

    it('pings no one for a DM with @everyone and a role mention', async () => {
      const who = discord.newUser('dm-pinger');
      const asked = discord.say(`@everyone <@&${discord.guildId}> ${SPOKESMAN} @here`, { dm: true, who });
      const answer = await replyTo(discord, asked, discord.dmChannel(who));
      expect(answer.embeds.length).toBeGreaterThan(0);
      expect(answer.allowed_mentions).toMatchObject({ parse: [] });
      expect(discord.pings()).toEqual([]);
    });

    it('keeps the rate limit in DMs: past it, a DM is ignored quietly', async () => {
      const who = discord.newUser('dm-flooder');
      const limit = booted.config.RATE_LIMIT_QUESTIONS;
      const dm = discord.dmChannel(who);
      const logged = async () => {
        const s = await booted.bot.store.activity.stats(null);
        return s.answered + s.refused;
      };
      const before = await logged();
      for (let i = 0; i < limit; i++)
        await replyTo(discord, discord.say(`Where is Tasil? ${i}`, { dm: true, who }), dm);
      const over = discord.say('Where is Tasil? once more', { dm: true, who });
      // Someone else's DM afterwards is answered: the one over the limit was handled (or dropped) before it,
      // and a question handled is logged before its reply is sent.
      const other = discord.newUser('dm-other');
      await replyTo(discord, discord.say('Where is Tasil?', { dm: true, who: other }), discord.dmChannel(other));
      expect(await logged()).toBe(before + limit + 1);
      expect(
        discord
          .messages(dm)
          .filter((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === over.id),
      ).toEqual([]);
      expect(discord.messages(dm)).toHaveLength(limit);
    });
  });
});

describe('security: the token never reaches the logs', () => {
  it('keeps every segment of the token out of a whole session logged at trace', async () => {
    const id = Buffer.from('987654321098765432').toString('base64url');
    const secret = 'Zq9' + 'Wv7Lk2'.repeat(6);
    const token = `${id}.GhT1xY.${secret}`;
    let captured = '';
    let notice = '';
    const logger = createLogger('trace', undefined, { write: (line: string) => void (captured += line) });
    const discord = await startDiscordDouble();
    const booted = await bootRuntime(discord, { env: { DISCORD_TOKEN: token, LOG_LEVEL: 'trace' }, logger });
    try {
      // discord.js's own debug events say "Provided token: <id>.<timestamp>.***": the bot must not log them.
      expect(booted.bot.client.listenerCount(Events.Debug)).toBe(0);
      const client = booted.bot.client;
      // An /ask and a mention.
      await answeredAsk(discord, discord.runSlashCommand('ask', [str('question', SPOKESMAN)], discord.newUser()));
      await replyTo(
        discord,
        discord.say('Where is Tasil?', { mentionsBot: true, who: discord.newUser() }),
        discord.channelId,
      );
      // A digest post whose first try gets a 500 (retried).
      const fault = failRoute(discord, {
        method: 'POST',
        route: new RegExp(`^/channels/${discord.channelId}/messages$`),
        status: 500,
      });
      const post = discord.runSlashCommand('digest', [sub('post', [int('count', 2)])], discord.newUser(), {
        permissions: MANAGE_MESSAGES,
      });
      await discord.waitFor(
        () => discord.original(post.id)?.content.startsWith('Posted a digest'),
        5000,
        'the digest posted',
      );
      expect(fault.count).toBe(1);
      // The gateway drops; the client resumes and answers.
      const resumes = discord.gatewayPackets.filter((p) => p.t === 'RESUMED').length;
      discord.closeGateway(GatewayCloseCodes.UnknownError);
      await discord.waitFor(
        () => discord.gatewayPackets.filter((p) => p.t === 'RESUMED').length > resumes,
        5000,
        'RESUMED',
      );
      await replyTo(discord, discord.say(SPOKESMAN, { mentionsBot: true, who: discord.newUser() }), discord.channelId);
      // A 401 on the answer's edit (an interaction webhook), then on an authenticated call (the bot's token refused).
      const refused = { edit: 0, post: 0 };
      const remove = discord.intercept(({ method, route }, res) => {
        const edit = method === 'PATCH' && /\/messages\/@original$/.test(route) && refused.edit === 0;
        const post = method === 'POST' && /^\/channels\/\d+\/messages$/.test(route) && refused.post === 0;
        if (!edit && !post) return false;
        refused[edit ? 'edit' : 'post']++;
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: 0, message: '401: Unauthorized' }));
        return true;
      });
      // The edit is refused; the bot's error notice (a second edit) goes through.
      const ask = discord.runSlashCommand('ask', [str('question', 'Where is Tasil?')], discord.newUser());
      notice = await discord.waitFor(
        () =>
          refused.edit === 1 ? discord.original(ask.id)?.content.match(/reference ([0-9a-f]{8})/)?.[1] : undefined,
        5000,
        'the error notice',
      );
      discord.say(SPOKESMAN, { mentionsBot: true, who: discord.newUser() });
      await discord.waitFor(() => refused.post === 1, 5000, 'the refused reply');
      // The failures were logged (with their errors), at error level.
      await discord.waitFor(
        () => captured.split('\n').filter((l) => l.includes('"level":50')).length >= 2,
        5000,
        'the errors logged',
      );
      remove();
      expect(client.isReady()).toBe(true);
    } finally {
      await booted.stop(3000);
      await discord.close();
    }
    const messages = captured
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    // The session was logged, its failures with their errors.
    expect(messages).toEqual(expect.arrayContaining(['connected', 'unexpected error', 'message handler failed']));
    expect(captured).toContain('401: Unauthorized');
    expect(captured).toContain(notice);
    expect(captured).not.toContain(token);
    expect(captured).not.toContain(secret);
    expect(captured).not.toContain(id);
    // The config itself, if ever logged, is redacted too.
    let line = '';
    createLogger('trace', undefined, { write: (l: string) => void (line += l) }).info(
      { config: booted.config, DISCORD_TOKEN: token },
      'config',
    );
    expect(line).not.toContain(secret);
    expect(line).toContain('"config"');
  });
});
