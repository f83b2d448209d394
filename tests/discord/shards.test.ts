import { cpSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Store } from '../../src/store/store.js';
import { send, startWebServer } from '../ingest/server.js';
import { shardOf, startDiscordDouble, type DiscordDouble, type DoubleGuild } from './double/server.js';
import { addArticleFile, spawnBot, type BotProcess, type LogLine as BotLogLine } from './boot.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'s'.repeat(38)}`;

interface LogLine extends BotLogLine {
  origin?: string;
  rebuilt?: boolean;
  scheduleId?: number;
  op?: string;
  guildId?: string;
  channelId?: string;
  posted?: number;
  shardId?: number;
  changed?: number;
  added?: number;
  files?: number | string;
  byHash?: boolean;
}

/** Generous waits: the machine running the suite may be busy, and two shard processes start slowly then. */
const SLOW = 60_000;

/** The bot as a shard manager with `env` (over a token, the double and info logs); resolves once both shards are connected. */
async function startShards(discord: DiscordDouble, env: Record<string, string>): Promise<BotProcess> {
  const bot = spawnBot({
    ALLOW_PRIVATE_URLS: 'true',
    DISCORD_TOKEN: token,
    DISCORD_API_URL: discord.apiBase,
    LOG_LEVEL: 'info',
    ...env,
  });
  await discord
    .waitFor(() => bot.lines().filter((l) => l.msg === 'connected').length === 2, SLOW, 'both shards to connect')
    .catch((err: unknown) => {
      // Not returned, so no afterAll would stop it.
      bot.child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${bot.output()}`);
    });
  return bot;
}

/** Kills what is left of the bot (a test that failed before its SIGTERM), then closes the double and the web server. */
async function closeAll(
  bot: BotProcess | undefined,
  discord: DiscordDouble,
  web: { close(): Promise<unknown> },
): Promise<void> {
  if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
  await discord.close();
  await web.close();
}

describe('SHARDS', () => {
  it('is unset by default (one process), else auto or a whole number from 1', () => {
    expect(loadConfig({}).SHARDS).toBeUndefined();
    expect(loadConfig({ SHARDS: 'auto' }).SHARDS).toBe('auto');
    expect(loadConfig({ SHARDS: '4' }).SHARDS).toBe(4);
    for (const bad of ['0', '-1', '1.5', 'two', '[0]'])
      expect(() => loadConfig({ SHARDS: bad })).toThrow('SHARDS: must be auto or a whole number from 1');
  });
});

describe('SHARDS=auto: a shard manager and two shard processes', { timeout: SLOW + 10_000 }, () => {
  let discord: DiscordDouble;
  let bot: BotProcess;
  let guilds: DoubleGuild[];
  let indexPath: string;
  let corpus: string;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let missed: number;
  const upload =
    '---\ntitle: Bridge at Raqqa reopens\npublished: 2030-01-04\n---\n\nThe old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span, the city council said.\n';
  const lines = (): LogLine[] => bot.lines();

  beforeAll(async () => {
    // 'auto': the manager asks GET /gateway/bot, which recommends 2; both may identify at once.
    discord = await startDiscordDouble({ gatewayShards: 2, maxConcurrency: 16 });
    web = await startWebServer({ '/bridge.md': send('text/markdown', upload) });
    const other = discord.addGuild('Second guild', [1 - shardOf(discord.guildId, 2), 2]);
    guilds = [discord.guilds[0]!, other].sort((a, b) => shardOf(a.id, 2) - shardOf(b.id, 2));
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-shards-'));
    indexPath = join(data, 'index.bin');
    corpus = join(data, 'corpus');
    cpSync(join(ROOT, 'tests/fixtures/seeds'), corpus, { recursive: true });
    // A schedule for the guild on shard 1, made three days ago and never run: shard 0, which runs
    // the scheduler, catches it up on start and posts in a guild its own client does not hold.
    const past = new Date(Date.now() - 3 * 86_400_000);
    const store = new Store({ path: join(data, 'db.sqlite'), now: () => past });
    const onShard1 = guilds[1]!;
    missed = (
      await store.digests.addSchedule({
        guildId: onShard1.id,
        channelId: onShard1.channelId,
        cron: '0 9 * * *',
        timezone: 'UTC',
        topic: null,
        count: 2,
        createdBy: discord.users.alice.id,
      })
    ).id;
    store.close();
    bot = await startShards(discord, {
      SHARDS: 'auto',
      CORPUS_DIR: corpus,
      INDEX_PATH: indexPath,
      DATABASE_PATH: join(data, 'db.sqlite'),
    });
  }, SLOW + 10_000);

  afterAll(() => closeAll(bot, discord, web));

  it('builds the index once, in the manager; each shard loads the saved file', () => {
    const logs = lines();
    expect(logs.filter((l) => l.msg === 'index built').map((l) => l.shard)).toEqual(['manager']);
    const loaded = logs.filter((l) => l.msg === 'index loaded from cache');
    expect(loaded.map((l) => l.shard).sort()).toEqual([0, 1]);
    expect(new Set(loaded.map((l) => l.pid)).size).toBe(2);
    expect(logs.some((l) => l.msg?.startsWith('index rebuilt in a shard'))).toBe(false);
    expect(statSync(indexPath).size).toBeGreaterThan(0);
  });

  it('identifies each shard with [id, 2] and gives it only its own guild', () => {
    expect(discord.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const [shard, guild] of guilds.entries()) {
      expect(discord.shardsReceiving('GUILD_CREATE', (d) => d.id === guild.id)).toEqual([shard]);
    }
  });

  it('posts a scheduled digest for the guild on shard 1 from shard 0, which runs the scheduler', async () => {
    const guild = guilds[1]!;
    // Ran or paused: before the fix shard 0 found no such channel and paused the schedule.
    const ran = await discord.waitFor(
      () =>
        lines().find(
          (l) => (l.msg === 'scheduled digest ran' || l.msg === 'scheduled digest paused') && l.scheduleId === missed,
        ),
      SLOW,
      'the missed schedule to run',
    );
    expect(ran).toMatchObject({ msg: 'scheduled digest ran', shard: 0, channelId: guild.channelId });
    expect(ran.posted).toBeGreaterThan(0);
    const posts = discord.messages(guild.channelId).filter((m) => /^📰 \*\*News Digest #\d+\*\*/.test(m.content));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.embeds).toHaveLength(ran.posted!);
    expect(posts[0]!.allowed_mentions).toEqual({ parse: [] });
    expect(lines().filter((l) => l.msg === 'scheduled digest paused')).toEqual([]);
    // Shard 0's client does not hold that guild: what it would fetch the channel by is not in its cache.
    expect(discord.shardsReceiving('GUILD_CREATE', (d) => d.id === guild.id)).toEqual([1]);
  });

  it('sends DMs to shard 0 only, and shard 0 answers them', async () => {
    const who = discord.newUser();
    const asked = discord.say('Who is Sadam al-Jamal?', { dm: true, who });
    const reply = await discord.waitFor(
      () =>
        discord
          .messages(discord.dmChannel(who))
          .find((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === asked.id),
      SLOW,
      'an answer in the DM',
    );
    expect(reply.embeds[0]!.description).toMatch(/security chief/);
    expect(discord.shardsReceiving('MESSAGE_CREATE', (d) => d.id === asked.id)).toEqual([0]);
  });

  it('answers a question in each guild from the shard that has the guild', async () => {
    for (const [shard, guild] of guilds.entries()) {
      const rec = discord.inGuild(guild.id, () =>
        discord.runSlashCommand('ask', [
          { type: ApplicationCommandOptionType.String, name: 'question', value: 'Who is Sadam al-Jamal?' },
        ]),
      );
      const reply = await discord.waitFor(
        () => discord.original(rec.id)?.embeds.length && discord.original(rec.id),
        SLOW,
        `an answer in guild ${shard}`,
      );
      expect(reply && reply.embeds[0]!.description).toMatch(/security chief/);
      // Only the owning shard's session was sent the interaction, so only it could have answered.
      expect(discord.shardsReceiving('INTERACTION_CREATE', (d) => d.id === rec.id)).toEqual([shard]);
    }
  });

  it('rebuilds once in the manager when the corpus changes, and every shard reloads the saved index', async () => {
    writeFileSync(
      join(corpus, 'lighthouse.md'),
      '---\ntitle: Harbour lighthouse relit\npublished: 2024-05-02\n---\nThe Ventotene harbour lighthouse was relit on Thursday after eleven years of darkness, the port authority said.\n',
    );
    await discord.waitFor(
      () => lines().filter((l) => l.msg === 'index reloaded').length === 2,
      SLOW,
      'both shards to reload',
    );
    const logs = lines();
    expect(
      logs.filter((l) => l.msg === 'corpus changed: reindexed; shards reload').map((l) => [l.shard, l.rebuilt]),
    ).toEqual([['manager', true]]);
    // Every shard took the change in as a delta (the manager forwarded it), not only after the rebuild.
    await discord.waitFor(
      () => lines().filter((l) => l.msg === 'corpus change taken in as a delta').length >= 2,
      SLOW,
      'both shards to take the delta',
    );
    expect(new Set(lines().flatMap((l) => (l.msg === 'corpus change taken in as a delta' ? [l.shard] : [])))).toEqual(
      new Set([0, 1]),
    );
    // Each loaded the file by the hash the manager gave, reading no corpus file.
    expect(
      logs
        .filter((l) => l.msg === 'index reloaded')
        .map((l) => [l.shard, l.rebuilt, l.byHash])
        .sort(),
    ).toEqual([
      [0, false, true],
      [1, false, true],
    ]);
    for (const guild of guilds) {
      const rec = discord.inGuild(guild.id, () =>
        discord.runSlashCommand('ask', [
          {
            type: ApplicationCommandOptionType.String,
            name: 'question',
            value: 'When was the Ventotene lighthouse relit?',
          },
        ]),
      );
      const reply = await discord.waitFor(
        () => discord.original(rec.id)?.embeds.length && discord.original(rec.id),
        SLOW,
        'an answer from the new article',
      );
      expect(reply && reply.embeds[0]!.title).toMatch(/Harbour lighthouse relit/);
    }
  }, 60_000);

  it('keeps an upload in the guild on shard 1 to that guild, and tells shard 0 (digests, feeds) its archive changed', async () => {
    const [first, second] = guilds as [DoubleGuild, DoubleGuild];
    const rec = addArticleFile(discord, second.id, {
      name: 'bridge.md',
      url: `${web.base}/bridge.md`,
      size: upload.length,
      contentType: 'text/markdown',
    });
    const added = await discord.waitFor(() => discord.original(rec.id)?.content, SLOW, 'the upload reply');
    expect(added).toMatch(/^Added “Bridge at Raqqa reopens”/);
    const told = await discord.waitFor(
      () => lines().find((l) => l.msg === 'server archive changed on another shard'),
      SLOW,
      'shard 0 to hear of it',
    );
    expect(told).toMatchObject({ shard: 0, guildId: second.id });
    // Shard 0 took the server's change in as a delta as soon as shard 1 had, before the rebuild was saved.
    const delta = await discord.waitFor(
      () => lines().find((l) => l.msg === 'server change taken in as a delta from another shard'),
      SLOW,
      'shard 0 to take the delta',
    );
    expect(delta).toMatchObject({
      shard: 0,
      guildId: second.id,
    });
    const ask = async (guild: DoubleGuild) => {
      const q = discord.inGuild(guild.id, () =>
        discord.runSlashCommand('ask', [
          { type: ApplicationCommandOptionType.String, name: 'question', value: 'When did the Raqqa bridge reopen?' },
        ]),
      );
      const reply = await discord.waitFor(
        () => discord.original(q.id)?.embeds.length && discord.original(q.id),
        SLOW,
        'an answer',
      );
      return reply ? reply.embeds.map((e) => String(e.title)).join('\n') : '';
    };
    expect(await ask(second)).toMatch(/Bridge at Raqqa reopens/);
    expect(await ask(first)).not.toMatch(/Bridge at Raqqa reopens/);
  }, 60_000);

  it('hands a digest schedule made on shard 1 to shard 0, which runs the scheduler', async () => {
    const guild = guilds[1]!;
    const rec = discord.inGuild(guild.id, () =>
      discord.runSlashCommand(
        'digest',
        [
          {
            type: ApplicationCommandOptionType.Subcommand,
            name: 'schedule',
            options: [
              { type: ApplicationCommandOptionType.Channel, name: 'channel', value: guild.channelId },
              { type: ApplicationCommandOptionType.String, name: 'when', value: 'daily at 09:00' },
            ],
          },
        ],
        discord.newUser(),
        { permissions: String(PermissionFlagsBits.ManageMessages) },
      ),
    );
    const reply = await discord.waitFor(
      () => discord.original(rec.id)?.content && discord.original(rec.id),
      SLOW,
      'the schedule reply',
    );
    const id = Number(/Scheduled digest #(\d+)/.exec(reply ? reply.content : '')?.[1]);
    expect(reply && reply.content).toMatch(/daily at 09:00 \(UTC\).* Next: <t:\d+:F>/);
    const armed = await discord.waitFor(
      () => lines().find((l) => l.msg === 'digest schedule changed on another shard' && l.scheduleId === id),
      SLOW,
      'shard 0 to arm the schedule',
    );
    expect(armed).toMatchObject({ shard: 0, op: 'arm' });
  });

  it('stops every shard on SIGTERM to the manager and exits 0', async () => {
    const pids = [
      ...new Set(
        lines()
          .filter((l) => l.msg === 'connected')
          .map((l) => l.pid!),
      ),
    ];
    expect(pids).toHaveLength(2);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(
      lines()
        .filter((l) => l.msg === 'stopped')
        .map((l) => l.shard)
        .sort(),
    ).toEqual([0, 1, 'manager'].sort());
  });
});

/**
 * SHARDS=2 on the sqlite backend: the manager is the archive files' one writer; both shards read
 * them and ask it to take their additions in. A curator's upload on shard 1 reaches the shared
 * file, so shard 0 answers from it too; a plain server's stays in that server's own file.
 */
describe('SHARDS=2 with SEARCH_BACKEND=sqlite: one writer, two reading shards', { timeout: SLOW + 10_000 }, () => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let bot: BotProcess;
  let data: string;
  /** A guild on shard 0; a curator and a plain guild on shard 1. */
  let onShard0: DoubleGuild;
  let curator: DoubleGuild;
  let plain: DoubleGuild;
  const article = (title: string, body: string) => `---\ntitle: ${title}\npublished: 2030-02-01\n---\n\n${body}\n`;
  const ferry = article(
    'Arwad ferry service resumes',
    'The ferry between Tartus and the island of Arwad resumed its crossings on Monday after the harbour wall was rebuilt, the port authority said.',
  );
  const bridge = article(
    'Bridge at Raqqa reopens',
    'The old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span, the city council said.',
  );
  const lines = (): LogLine[] => bot.lines();

  const addFile = async (guild: DoubleGuild, name: string, body: string) => {
    const rec = addArticleFile(discord, guild.id, {
      name,
      url: `${web.base}/${name}`,
      size: body.length,
      contentType: 'text/markdown',
    });
    return discord.waitFor(() => discord.original(rec.id)?.content, SLOW, `the reply to ${name}`);
  };
  /** What a guild's shard answers a question with: the quoted titles, else the refusal. */
  const ask = async (guild: DoubleGuild, question: string) => {
    const rec = discord.inGuild(guild.id, () =>
      discord.runSlashCommand('ask', [
        { type: ApplicationCommandOptionType.String, name: 'question', value: question },
      ]),
    );
    // The deferred reply is edited once: with embeds (an answer) or text (a refusal).
    const reply = await discord.waitFor(
      () => {
        const r = discord.original(rec.id);
        return r && (r.embeds.length > 0 || r.content) ? r : undefined;
      },
      SLOW,
      'an answer',
    );
    return reply.embeds.length > 0 ? reply.embeds.map((e) => String(e.title)).join('\n') : reply.content;
  };

  beforeAll(async () => {
    discord = await startDiscordDouble({ gatewayShards: 2, maxConcurrency: 16 });
    web = await startWebServer({
      '/ferry.md': send('text/markdown', ferry),
      '/bridge.md': send('text/markdown', bridge),
    });
    onShard0 = shardOf(discord.guildId, 2) === 0 ? discord.guilds[0]! : discord.addGuild('Zero', [0, 2]);
    curator = discord.addGuild('Curators', [1, 2]);
    plain = discord.addGuild('Plain', [1, 2]);
    data = mkdtempSync(join(tmpdir(), 'newsdesk-shards-sqlite-'));
    cpSync(join(ROOT, 'tests/fixtures/seeds'), join(data, 'corpus'), { recursive: true });
    bot = await startShards(discord, {
      SHARDS: '2',
      SEARCH_BACKEND: 'sqlite',
      CURATOR_GUILD_IDS: curator.id,
      CORPUS_DIR: join(data, 'corpus'),
      INDEX_PATH: join(data, 'index.bin'),
      DATABASE_PATH: join(data, 'db.sqlite'),
    });
  }, SLOW + 10_000);

  afterAll(() => closeAll(bot, discord, web));

  it('starts: the manager builds the archive file, each shard opens it as it is', () => {
    expect(bot.output()).not.toMatch(/SEARCH_BACKEND/);
    const logs = lines();
    expect(logs.filter((l) => l.msg === 'index built').map((l) => l.shard)).toEqual(['manager']);
    expect(
      logs
        .filter((l) => l.msg === 'index loaded from cache')
        .map((l) => l.shard)
        .sort(),
    ).toEqual([0, 1]);
    expect(statSync(join(data, 'index.sqlite')).size).toBeGreaterThan(0);
  });

  it('warms each shard’s answer path, and not the manager’s, which answers nobody', async () => {
    const warmed = () =>
      lines()
        .filter((l) => l.msg === 'answer path warmed up')
        .map((l) => [l.shard, l.questions]);
    // One warm-up question per seed article (fewer than the 200 a large archive gets).
    await discord.waitFor(() => warmed().length >= 2 || undefined, SLOW, 'both shards warmed up');
    const held = lines().find((l) => l.msg === 'index built')?.articles;
    expect(warmed().sort()).toEqual([
      [0, held],
      [1, held],
    ]);
  });

  it('answers a curator’s upload on shard 1 on both shards, from the shared file the manager wrote', async () => {
    expect(await ask(onShard0, 'When did the Arwad ferry resume?')).not.toMatch(/Arwad ferry service resumes/);
    expect(await addFile(curator, 'ferry.md', ferry)).toMatch(/^Added “Arwad ferry service resumes”/);
    for (const guild of [curator, onShard0, plain])
      expect(await ask(guild, 'When did the Arwad ferry resume?')).toMatch(/Arwad ferry service resumes/);
    // The manager wrote it (the shards' connections are read-only), for shard 1, which asked.
    expect(lines().find((l) => l.msg === 'archive file written for a shard' && l.guildId === undefined)).toMatchObject({
      shard: 'manager',
      shardId: 1,
      changed: 1,
    });
    expect(lines().filter((l) => l.msg?.startsWith('could not take'))).toEqual([]);
    // The manager's watcher saw the file too: the shards only record the new article (once over both), taking nothing in.
    const recorded = () =>
      lines().filter((l) => l.msg === 'archive file changed by the manager: new articles recorded');
    await discord
      .waitFor(() => new Set(recorded().map((l) => l.shard)).size === 2, SLOW, 'both shards to record')
      .catch((err: Error) => {
        // Seen once in CI under load: say what the processes did instead, to find out why.
        const said = lines().map((l) => `${String(l.shard)}: ${l.msg ?? ''}`);
        throw new Error(`${err.message}; the last log lines:\n${said.slice(-25).join('\n')}`);
      });
    expect(recorded().reduce((sum, l) => sum + l.added!, 0)).toBe(1);
    expect(lines().filter((l) => l.msg === 'archive file written for a shard' && l.files === 'all')).toEqual([]);
  });

  it('keeps a plain server’s upload on shard 1 in its own file, answered there only', async () => {
    expect(await addFile(plain, 'bridge.md', bridge)).toMatch(/^Added “Bridge at Raqqa reopens”/);
    expect(await ask(plain, 'When did the Raqqa bridge reopen?')).toMatch(/Bridge at Raqqa reopens/);
    for (const guild of [onShard0, curator])
      expect(await ask(guild, 'When did the Raqqa bridge reopen?')).not.toMatch(/Bridge at Raqqa reopens/);
    expect(statSync(join(data, `index.guild-${plain.id}.sqlite`)).size).toBeGreaterThan(0);
    expect(
      lines().find((l) => l.msg === 'archive file written for a shard' && l.guildId === plain.id && l.shardId === 1),
    ).toMatchObject({ shard: 'manager', changed: 1 });
    // Shard 0 (digests, feeds) reads the server's file too, once the manager wrote it.
    const delta = await discord.waitFor(
      () => lines().find((l) => l.msg === 'server change taken in as a delta from another shard'),
      SLOW,
      'shard 0 to take the delta',
    );
    expect(delta).toMatchObject({ shard: 0, guildId: plain.id });
  });

  it('stops every process on SIGTERM to the manager and exits 0', async () => {
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(
      lines()
        .filter((l) => l.msg === 'stopped')
        .map((l) => String(l.shard))
        .sort(),
    ).toEqual(['0', '1', 'manager']);
  });
});
