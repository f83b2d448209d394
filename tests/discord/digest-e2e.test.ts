import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, Status } from 'discord.js';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { loadConfig } from '../../src/config.js';
import { runBot, type BotRuntime } from '../../src/composition.js';
import { discordPoster } from '../../src/discord/digestPoster.js';
import { markerOf } from '../../src/digests/service.js';
import { startDiscordDouble, type DiscordDouble, type InteractionRecord, type StoredMessage } from './double/server.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'d'.repeat(38)}`;
const MANAGE_MESSAGES = String(1 << 13);

type Opt = { type: ApplicationCommandOptionType; name: string; value: unknown };

/** A clock the test moves by hand: the bot's store, digests and schedules all read it. */
function clock(iso: string) {
  let t = Date.parse(iso);
  return { now: () => new Date(t), set: (at: string) => (t = Date.parse(at)) };
}

describe('digests, end to end through the Discord double', () => {
  let discord: DiscordDouble;
  let dir: string;
  const time = clock('2030-01-07T08:59:00Z');
  let bot: BotRuntime | undefined;

  const start = async (logger = pino({ level: 'silent' })): Promise<BotRuntime> => {
    const config = loadConfig({
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(dir, 'corpus'),
      INDEX_PATH: join(dir, 'index.json'),
      DATABASE_PATH: join(dir, 'newsdesk.db'),
      LOG_LEVEL: 'silent',
    });
    const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
    bot = await runBot(config, archive, {
      now: time.now,
      logger,
      clientOptions: { ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) } },
    });
    return bot;
  };
  const stop = async () => {
    if (!bot) return;
    const client = bot.client;
    await discord.waitFor(() => client.ws.shards.every((s) => s.status === Status.Ready), 2000, 'ready');
    await bot.stop();
    bot = undefined;
  };
  const digest = (sub: string, options: Opt[] = [], permissions = MANAGE_MESSAGES) =>
    discord.runSlashCommand(
      'digest',
      [{ type: ApplicationCommandOptionType.Subcommand, name: sub, options }],
      discord.newUser(),
      { permissions },
    );
  const text = async (rec: InteractionRecord): Promise<string> => {
    const m = await discord.waitFor(
      () => {
        const first = rec.callbacks[0];
        if (first?.type === 4) return (first.data as { content: string }).content;
        const edited = discord.original(rec.id);
        return edited?.content ? edited.content : undefined;
      },
      5000,
      'a response',
    );
    return m;
  };
  const digests = (channelId: string): StoredMessage[] =>
    discord.messages(channelId).filter((m) => m.content.includes('News Digest #') && !m.interaction_id);
  const titles = (messages: StoredMessage[]) => messages.flatMap((m) => m.embeds.map((e) => String(e.title)));

  beforeAll(async () => {
    discord = await startDiscordDouble();
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-digest-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
  });

  afterEach(stop);

  afterAll(async () => {
    await discord.close();
  });

  it('refuses /digest to a member without Manage Messages, and changes nothing', async () => {
    await start();
    const rec = digest('post', [], '0');
    expect(await text(rec)).toBe('You need the Manage Messages permission to use /digest.');
    expect(rec.callbacks[0]).toMatchObject({ data: { flags: 64 } });
    expect(digests(discord.channelId)).toEqual([]);
  });

  it('previews privately, then posts each article once: a post, the rest, then nothing new', async () => {
    await start();
    const preview = digest('preview', [{ type: ApplicationCommandOptionType.Integer, name: 'count', value: 3 }]);
    await discord.waitFor(() => preview.callbacks.length > 0, 3000, 'the preview');
    const shown = preview.callbacks[0]!.data as {
      flags: number;
      embeds: Array<{ title: string; description: string }>;
      content: string;
    };
    expect(shown.flags).toBe(64);
    expect(shown.embeds).toHaveLength(3);
    for (const e of shown.embeds) expect(e.description.length).toBeGreaterThanOrEqual(20);
    expect(digests(discord.channelId)).toEqual([]);

    expect(await text(digest('post', [{ type: ApplicationCommandOptionType.Integer, name: 'count', value: 3 }]))).toBe(
      `Posted a digest of 3 articles in <#${discord.channelId}>.`,
    );
    expect(titles(digests(discord.channelId))).toEqual(shown.embeds.map((e) => e.title));
    expect(await text(digest('post', [{ type: ApplicationCommandOptionType.Integer, name: 'count', value: 3 }]))).toBe(
      `Posted a digest of 2 articles in <#${discord.channelId}>.`,
    );
    expect(await text(digest('post'))).toBe(
      `Nothing new to post in <#${discord.channelId}>: every article has been posted there already.`,
    );
    const posted = titles(digests(discord.channelId));
    expect(posted).toHaveLength(5);
    expect(new Set(posted).size).toBe(5);
    expect(digests(discord.channelId).every((m) => JSON.stringify(m.allowed_mentions) === '{"parse":[]}')).toBe(true);
  });

  it('explains why an article was or was not in the last digest', async () => {
    const b = await start();
    const last = (await b.store.digests.lastPostedRun(discord.guildId, discord.channelId))!;
    const titleOf = (id: string) => b.index().article(b.index().articleNumber(id)!).title;
    const earlier = [...(await b.store.digests.ledger(discord.channelId))].find(([, e]) => e.runId < last.id)![0];
    const why = (title: string) =>
      digest('why', [{ type: ApplicationCommandOptionType.String, name: 'article', value: title }]);
    const included = await text(why(titleOf(last.articleIds[0]!)));
    expect(included).toMatch(new RegExp(`and the last digest in <#${discord.channelId}> \\(<t:\\d+:f>\\): `));
    expect(included).toMatch(/included|was in/i);
    expect(await text(why(titleOf(earlier)))).toMatch(/already posted/i);
  });

  it('posts a scheduled digest exactly once across a restart, then only what is new', async () => {
    time.set('2030-01-07T08:59:00Z');
    await start();
    const scheduled = await text(
      digest('schedule', [
        { type: ApplicationCommandOptionType.Channel, name: 'channel', value: discord.otherChannelId },
        { type: ApplicationCommandOptionType.String, name: 'when', value: 'daily at 09:00' },
        { type: ApplicationCommandOptionType.Integer, name: 'count', value: 2 },
      ]),
    );
    expect(scheduled).toMatch(/^Scheduled digest #(\d+): daily at 09:00 \(UTC\) in <#\d+>, up to 2 new articles\./);
    await stop();
    expect(digests(discord.otherChannelId)).toEqual([]);

    // The bot was down at 09:00: on start it runs the missed digest once.
    time.set('2030-01-07T09:01:00Z');
    const b = await start();
    expect(digests(discord.otherChannelId)).toHaveLength(1);
    expect(digests(discord.otherChannelId)[0]!.embeds).toHaveLength(2);
    const ledger = [...(await b.store.digests.ledger(discord.otherChannelId)).values()];
    expect(ledger.filter((e) => e.how === 'posted')).toHaveLength(2);
    expect(ledger.filter((e) => e.how === 'skipped')).toHaveLength(3);
    await stop();

    // Started again the same morning: nothing is due, nothing is posted.
    time.set('2030-01-07T09:02:00Z');
    await start();
    await stop();
    expect(digests(discord.otherChannelId)).toHaveLength(1);

    // A new article arrives; the next morning's digest carries only it.
    writeFileSync(
      join(dir, 'corpus', 'new.md'),
      '---\ntitle: Harbour of Tartus reopens to cargo ships\npublished: 2030-01-07\n---\n\nThe harbour of Tartus reopened to cargo ships on Tuesday after two weeks of repairs, the port authority said.\n',
    );
    time.set('2030-01-08T09:00:30Z');
    await start();
    const after = digests(discord.otherChannelId);
    expect(after).toHaveLength(2);
    expect(titles([after[1]!])).toEqual(['Harbour of Tartus reopens to cargo ships']);

    const list = await text(digest('list'));
    expect(list).toMatch(
      /\*\*#\d+\*\* <#\d+> · daily at 09:00 \(UTC\) · up to 2 · next <t:\d+:R> · last ran <t:\d+:R>/,
    );
  });

  it('pauses a schedule whose channel refuses the bot, and says why in /digest list and in the log', async () => {
    time.set('2030-01-09T06:59:00Z');
    const b = await start();
    const refusing = '900000000000000001';
    discord.refusing.add(refusing);
    const schedule = await b.store.digests.addSchedule({
      guildId: discord.guildId,
      channelId: refusing,
      cron: '0 7 * * *',
      timezone: 'UTC',
      topic: null,
      count: 3,
      createdBy: discord.users.alice.id,
    });
    await stop();
    time.set('2030-01-09T07:05:00Z');
    const logs: Array<Record<string, unknown>> = [];
    await start(
      pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
    );
    const list = await text(digest('list'));
    expect(list).toMatch(
      new RegExp(
        `<#${refusing}> · daily at 07:00 \\(UTC\\) · up to 3 · ⏸ paused: Newsdesk lacks permission to post there`,
      ),
    );
    expect(logs.filter((l) => l.msg === 'scheduled digest paused')).toEqual([
      expect.objectContaining({
        level: 40,
        scheduleId: schedule.id,
        channelId: refusing,
        reason: `Newsdesk lacks permission to post there (<#${refusing}>, Discord error 50013)`,
      }),
    ]);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
    expect(await bot!.store.digests.pendingRuns()).toEqual([]);
    expect((await bot!.store.digests.ledger(refusing)).size).toBe(0);
  });

  it('settles a digest interrupted by a crash: found in the channel, or posted once', async () => {
    const b = await start();
    const channel = discord.otherChannelId;
    // Crash after posting, before recording: the message is there, the run still pending.
    const posted = await b.store.digests.beginRun({
      guildId: discord.guildId,
      channelId: channel,
      scheduleId: null,
      articleIds: [],
      skippedIds: [],
      options: {},
    });
    await discordPoster(b.client).post(channel, {
      runId: posted.id,
      marker: markerOf(posted.id),
      topic: null,
      items: [{ articleId: 'x', title: 'Already out', summary: 'This digest reached the channel before the crash.' }],
    });
    // Crash before posting: nothing in the channel, the run pending.
    const lost = await b.store.digests.beginRun({
      guildId: discord.guildId,
      channelId: channel,
      scheduleId: null,
      articleIds: [...(await b.store.digests.ledger(channel)).keys()].slice(0, 1),
      skippedIds: [],
      options: {},
    });
    // Pending, but its only article has left the archive since: nothing to post.
    const gone = await b.store.digests.beginRun({
      guildId: discord.guildId,
      channelId: channel,
      scheduleId: null,
      articleIds: ['no-longer-here'],
      skippedIds: [],
      options: {},
    });
    const before = digests(channel).length;
    await stop();
    await start();
    expect(digests(channel).length).toBe(before + 1);
    expect(digests(channel).filter((m) => m.content.includes(`Digest #${posted.id}**`))).toHaveLength(1);
    expect(digests(channel).filter((m) => m.content.includes(`Digest #${lost.id}**`))).toHaveLength(1);
    expect(await bot!.store.digests.pendingRuns()).toEqual([]);
    expect((await bot!.store.digests.run(posted.id))!.state).toBe('posted');
    expect(await bot!.store.digests.run(gone.id)).toMatchObject({
      state: 'failed',
      error: 'its articles are no longer in the archive',
    });
    expect((await bot!.store.digests.ledger(channel)).has('no-longer-here')).toBe(false);
  });
});
