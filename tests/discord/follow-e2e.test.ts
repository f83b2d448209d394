/**
 * Following topics, end to end on the Discord double with the whole bot (runBot) on one data
 * folder, restarted where the scenario needs it: members follow a topic, an opt-in role is offered
 * in a channel and an "as they arrive" digest is scheduled; after a restart a matching article comes
 * in through a feed; then a non-matching one; then another restart. One bot at a time, one file.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { articleMetas } from '../../src/core/answerIndex.js';
import { loadConfig } from '../../src/config.js';
import { runBot, type BotRuntime } from '../../src/composition.js';
import { ROLE_BUTTON_PREFIX } from '../../src/discord/render.js';
import { articlePage, send, startWebServer } from '../ingest/server.js';
import { NO_IDENTIFY_WAIT, shardsReady } from './boot.js';
import { commandOptions, startDiscordDouble, type DiscordDouble, type InteractionRecord } from './double/server.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'f'.repeat(38)}`;
const MANAGE_MESSAGES = String(1 << 13);
const MANAGE_GUILD = String(1 << 5);
const S = ApplicationCommandOptionType.String;

const DAM = [
  'Engineers finished inspecting the Tabqa dam on the Euphrates on Friday and found the spillway gates in working order, officials said.',
  'The inspection of the Tabqa dam began in March after a winter of high water, and the dam authority said repairs to the turbines would follow.',
  'Farmers downstream said the water level at the dam had been steady for a month, and that the irrigation canals were running again.',
];
const ORCHARD = [
  'Apple growers in the northern valley began picking on Monday, a week earlier than last year, after a warm and dry summer.',
  'The growers cooperative said the harvest would be about a tenth larger than last season, with most of the fruit sold to juice makers.',
  'Pickers from nearby villages were hired for six weeks, and the cooperative opened a second packing shed to keep up with the crates.',
];
const feedOf = (base: string, slug: string, title: string) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Wire</title><item><title>${title}</title><link>${base}/${slug}</link><guid>${slug}</guid><description>Teaser only.</description></item></channel></rss>`;

describe('following topics on the Discord double', () => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let bot: BotRuntime;
  let dir: string;
  const logs: Array<Record<string, unknown>> = [];
  const role = { id: '', name: 'Dam watchers' };
  let carol: ReturnType<DiscordDouble['newUser']>;

  const start = async () => {
    const config = loadConfig({
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(dir, 'corpus'),
      INDEX_PATH: join(dir, 'index.bin'),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      ALLOW_PRIVATE_URLS: 'true',
      // No wait after an arrival: the test awaits the sweep itself.
      FOLLOW_BATCH_SECONDS: '0',
    });
    const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const line of chunk.toString().split('\n'))
            if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      }),
    );
    bot = await runBot(config, archive, { logger, clientOptions: NO_IDENTIFY_WAIT });
  };
  const restart = async () => {
    await shardsReady(discord, bot.client);
    await bot.stop();
    await start();
    // The sweep a start runs (what arrived while the bot was down), awaited.
    await bot.follows.sweep();
  };

  beforeAll(async () => {
    discord = await startDiscordDouble();
    role.id = discord.addRole(role.name).id;
    carol = discord.newUser('carol');
    web = await startWebServer({});
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const routes: Record<string, ReturnType<typeof send>> = {
        '/dam.xml': send('application/rss+xml', feedOf(web.base, 'dam', 'Dam inspection ends')),
        '/dam': send('text/html', articlePage('Dam inspection ends', DAM)),
        '/orchard.xml': send('application/rss+xml', feedOf(web.base, 'orchard', 'Apple harvest begins early')),
        '/orchard': send('text/html', articlePage('Apple harvest begins early', ORCHARD)),
      };
      (routes[new URL(req.url ?? '/', 'http://x').pathname] ?? send('text/plain', 'not found', 404))(req, res);
    });
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-follow-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
    await start();
  });

  afterAll(async () => {
    await shardsReady(discord, bot.client);
    await bot.stop();
    await discord.close();
    await web.close();
  });

  const run = (
    sub: string,
    options: Array<{ type: ApplicationCommandOptionType; name: string; value: unknown }>,
    who = discord.users.alice,
    permissions?: string,
    command = 'follow',
  ) => discord.runSlashCommand(command, commandOptions(sub, options), who, permissions ? { permissions } : {});
  const outcome = (rec: InteractionRecord) =>
    discord.waitFor(
      () => {
        const first = rec.callbacks[0];
        if (first?.type === 4) return (first.data as { content: string }).content;
        return discord.original(rec.id)?.content || undefined;
      },
      8000,
      'a response',
    );
  const dms = (who = discord.users.alice) => discord.messages(discord.dmChannel(who));

  it('follows a topic with suggestions from the archive, lists it, and refuses a topic with no words', async () => {
    const suggest = discord.runAutocomplete('follow', 'topic', 'deir', discord.users.alice, 'add');
    const choices = await discord.waitFor(() => rec8(suggest), 5000, 'choices');
    expect(choices.map((c) => c.name)).toEqual(['deir', 'Deir ez-Zor']);

    expect(await outcome(run('add', [{ type: S, name: 'topic', value: '  Tabqa   dam ' }]))).toBe(
      'You follow “Tabqa dam”: each new article on it comes to you by DM with the sentence that matches (at most 5 messages a day; several arriving together make one). Keep DMs from this server open to get them.',
    );
    expect(await outcome(run('add', [{ type: S, name: 'topic', value: 'tabqa DAM' }]))).toBe(
      'You already follow “Tabqa dam” here.',
    );
    expect(await outcome(run('add', [{ type: S, name: 'topic', value: '!!!' }]))).toBe(
      'Give a topic to follow: a name, place or subject.',
    );
    await outcome(run('add', [{ type: S, name: 'topic', value: 'Raqqa' }]));
    // Bob follows the same topic, then closes his DMs to the bot.
    await outcome(run('add', [{ type: S, name: 'topic', value: 'Tabqa dam' }], discord.users.bob));
    discord.closeDms(discord.users.bob);
    // Carol follows it too, then leaves the server.
    await outcome(run('add', [{ type: S, name: 'topic', value: 'Tabqa dam' }], carol));
    discord.leave(carol);
    expect(await outcome(run('list', []))).toMatch(
      /^You follow 2 topics here:\n• “Tabqa dam” since <t:\d+:d>\n• “Raqqa” since <t:\d+:d>$/,
    );

    const mine = discord.runAutocomplete('follow', 'topic', 'raq', discord.users.alice, 'remove');
    const [raqqa] = await discord.waitFor(() => rec8(mine), 5000, 'choices');
    expect(raqqa?.name).toBe('Raqqa');
    expect(await outcome(run('remove', [{ type: S, name: 'topic', value: String(raqqa!.value) }]))).toBe(
      'You no longer follow “Raqqa”.',
    );
    expect(await outcome(run('remove', [{ type: S, name: 'topic', value: 'Raqqa' }]))).toBe(
      'You don’t follow that topic here: see /follow list.',
    );
    expect((await bot.store.follows.list(discord.guildId)).map((f) => [f.userId, f.topic])).toEqual([
      [discord.users.alice.id, 'Tabqa dam'],
      [discord.users.bob.id, 'Tabqa dam'],
      [carol.id, 'Tabqa dam'],
    ]);
  });

  it('offers an opt-in role in a channel (admins only); a member takes it with the button', async () => {
    const channel = { type: ApplicationCommandOptionType.Channel, name: 'channel', value: discord.otherChannelId };
    const roleOption = { type: ApplicationCommandOptionType.Role, name: 'role', value: role.id };
    const topic = { type: S, name: 'topic', value: 'Tabqa dam' };
    expect(await outcome(run('channel', [channel, topic, roleOption], discord.users.bob, MANAGE_MESSAGES))).toBe(
      'You need the Manage Server permission to mark a channel for a topic.',
    );
    expect(await outcome(run('channel', [channel, topic, roleOption], discord.users.bob, MANAGE_GUILD))).toMatch(
      /^New articles on “Tabqa dam” will be posted in <#\d+> as they arrive, pinging <@&\d+>/,
    );
    const [offer] = discord.messages(discord.otherChannelId);
    expect(offer!.content).toContain(`<@&${role.id}>`);
    // The offer names the role without pinging it.
    expect(discord.pings()).toEqual([]);
    const take = discord.clickButton(offer!, `${ROLE_BUTTON_PREFIX}${role.id}`);
    expect(await outcome(take)).toBe(`You took <@&${role.id}>: its posts here will ping you.`);
    expect(discord.memberRoles(discord.users.alice)).toEqual([role.id]);
    // Bob takes it and leaves it again.
    await outcome(discord.clickButton(offer!, `${ROLE_BUTTON_PREFIX}${role.id}`, discord.users.bob));
    expect(await outcome(discord.clickButton(offer!, `${ROLE_BUTTON_PREFIX}${role.id}`, discord.users.bob))).toBe(
      `You left <@&${role.id}>: its posts no longer ping you.`,
    );
    expect(discord.memberRoles(discord.users.bob)).toEqual([]);
  });

  it('schedules an "as they arrive" digest on the topic', async () => {
    const text = await outcome(
      run(
        'schedule',
        [
          { type: ApplicationCommandOptionType.Channel, name: 'channel', value: discord.channelId },
          { type: S, name: 'when', value: 'as they arrive' },
          { type: S, name: 'topic', value: 'Tabqa dam' },
        ],
        discord.users.alice,
        MANAGE_MESSAGES,
        'digest',
      ),
    );
    expect(text).toMatch(
      /^Scheduled digest #\d+: as they arrive in <#\d+>, up to 5 new articles on “Tabqa dam”\. Each new article is posted once/,
    );
  });

  it('after a restart, a matching article from a feed makes one DM, one role post and one digest post; a closed DM drops its member', async () => {
    await restart();
    const channelBefore = discord.messages(discord.channelId).length;
    expect(
      await outcome(
        run(
          'add',
          [{ type: S, name: 'url', value: `${web.base}/dam.xml` }],
          discord.users.alice,
          MANAGE_MESSAGES,
          'feed',
        ),
      ),
    ).toMatch(/^Following/);
    await bot.follows.sweep();
    const [dm] = await discord.waitFor(() => (dms().length > 0 ? dms() : undefined), 8000, 'a DM');
    expect(dms()).toHaveLength(1);
    expect(dm!.content).toBe('📰 A new article on “Tabqa dam”. Stop with /follow remove in the server.');
    expect(dm!.embeds).toHaveLength(1);
    expect(dm!.embeds[0]).toMatchObject({
      title: 'Dam inspection ends',
      url: `${web.base}/dam`,
      footer: { text: 'Published 2030-01-05' },
    });
    expect(String(dm!.embeds[0]!.description)).toMatch(/^> .*Tabqa dam/);
    expect(dm!.allowed_mentions).toEqual({ parse: [] });
    // Its ledger key went as an enforced nonce: a send the REST client retries is posted once.
    expect(dm!.nonce).toMatch(/^[0-9a-f]{24}$/);
    expect(discord.requests.find((r) => r.path.endsWith(`/channels/${dm!.channel_id}/messages`))?.body).toMatchObject({
      nonce: dm!.nonce,
      enforce_nonce: true,
    });

    // Bob closed his DMs: nothing reached him, his follows are gone, and the reason is in the log.
    expect(dms(discord.users.bob)).toEqual([]);
    const dropped = await discord.waitFor(() => logs.find((l) => l.msg === 'follower dropped'), 5000, 'the log line');
    expect(dropped).toMatchObject({
      level: 40,
      guildId: discord.guildId,
      userId: discord.users.bob.id,
      reason: 'does not accept DMs from Newsdesk (Discord error 50007)',
    });
    const left = await discord.waitFor(
      () => logs.find((l) => l.msg === 'follower dropped' && l.userId === carol.id),
      5000,
      'the log line',
    );
    expect(left).toMatchObject({ reason: 'left the server (Discord error 10007)' });
    expect(dms(carol)).toEqual([]);
    expect((await bot.store.follows.list(discord.guildId)).map((f) => f.userId)).toEqual([discord.users.alice.id]);

    // The role post pings that role only, and its allowed_mentions name only it.
    const rolePosts = discord.messages(discord.otherChannelId).slice(1);
    expect(rolePosts).toHaveLength(1);
    expect(rolePosts[0]!.content.startsWith(`<@&${role.id}> `)).toBe(true);
    expect(rolePosts[0]!.allowed_mentions).toEqual({ parse: [], roles: [role.id] });
    expect(rolePosts[0]!.embeds.map((e) => e.title)).toEqual(['Dam inspection ends']);
    expect(discord.pings()).toEqual([{ messageId: rolePosts[0]!.id, everyone: false, users: [], roles: [role.id] }]);

    // The "as they arrive" schedule posted it once, pinging nobody.
    const posts = discord
      .messages(discord.channelId)
      .slice(channelBefore)
      .filter((m) => m.embeds.length > 0 && !m.interaction_id);
    expect(posts.map((m) => m.embeds.map((e) => e.title))).toEqual([['Dam inspection ends']]);
    expect(posts[0]!.allowed_mentions).toEqual({ parse: [] });
  });

  it('sends nothing for an article off every topic, and nothing again after another restart', async () => {
    const counts = () => [
      dms().length,
      discord.messages(discord.otherChannelId).length,
      discord.messages(discord.channelId).filter((m) => !m.interaction_id).length,
    ];
    const before = counts();
    expect(
      await outcome(
        run(
          'add',
          [{ type: S, name: 'url', value: `${web.base}/orchard.xml` }],
          discord.users.alice,
          MANAGE_MESSAGES,
          'feed',
        ),
      ),
    ).toMatch(/^Following/);
    const index = await bot.indexFor(discord.guildId);
    expect([...articleMetas(index)].some((a) => a.title === 'Apple harvest begins early')).toBe(true);
    await bot.follows.sweep();
    expect(counts()).toEqual(before);

    await restart();
    await bot.follows.sweep();
    expect(counts()).toEqual(before);
    expect(dms()).toHaveLength(1);
    // The ledger holds what was sent, once.
    expect([...(await bot.store.follows.sent(discord.guildId, discord.users.alice.id))]).toHaveLength(1);
    expect(discord.refused).toEqual([]);
    expect(discord.unknownRoutes).toEqual([]);
  });

  it('sends an article added as a file while the bot was down once, after the restart', async () => {
    await shardsReady(discord, bot.client);
    await bot.stop();
    writeFileSync(
      join(dir, 'corpus', 'tabqa-turbines.md'),
      `---\ntitle: Turbines of the Tabqa dam restart\npublished: 2030-01-09\n---\n\nThe turbines of the Tabqa dam were restarted on Thursday, the dam authority said, after a month of repairs.\n`,
    );
    await start();
    await bot.follows.sweep();
    await discord.waitFor(() => dms().length === 2, 8000, 'the second DM');
    expect(dms()[1]!.embeds.map((e) => e.title)).toEqual(['Turbines of the Tabqa dam restart']);
    expect(
      discord
        .messages(discord.otherChannelId)
        .slice(1)
        .map((m) => m.embeds.map((e) => e.title)),
    ).toEqual([['Dam inspection ends'], ['Turbines of the Tabqa dam restart']]);
    await restart();
    expect(dms()).toHaveLength(2);
    expect(discord.messages(discord.otherChannelId)).toHaveLength(3);
  });
});

/** The autocomplete choices an interaction was answered with, once it was. */
function rec8(rec: InteractionRecord): Array<{ name: string; value: unknown }> | undefined {
  const cb = rec.callbacks[0];
  return cb?.type === 8 ? ((cb.data as { choices: Array<{ name: string; value: unknown }> }).choices ?? []) : undefined;
}
