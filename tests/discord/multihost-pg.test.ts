import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { PgStore } from '../../src/store/pg.js';
import { PG_URL } from '../store/dialects.js';
import { send, startWebServer } from '../ingest/server.js';
import { shardOf, startDiscordDouble, type DiscordDouble, type DoubleGuild } from './double/server.js';
import { addArticleFile, addDailySchedule, spawnBot, type BotProcess } from './boot.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'c'.repeat(38)}`;
const SLOW = 60_000;
/** The fixed total of shards, and the ones each host runs. */
const SHARDS = 4;
const HOSTS = { a: [0, 1], b: [2, 3] } as const;

interface LogLine {
  msg?: string;
  host?: string;
  shard?: number | string;
  scheduleId?: number;
  posted?: number;
  guildId?: string;
}

interface Host {
  name: keyof typeof HOSTS;
  data: string;
  /** The host's shard manager, leading its own process group (its shards are in it). */
  child: ChildProcess;
  exited: Promise<unknown>;
  bot: BotProcess;
}

/** Stops a host as its machine would go: every process of its group, at once. */
function signalHost(host: Host, signal: NodeJS.Signals): void {
  try {
    process.kill(-host.child.pid!, signal);
  } catch {
    // Already gone.
  }
}

const upload =
  '---\ntitle: Bridge at Raqqa reopens\npublished: 2030-01-04\n---\n\nThe old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span, the city council said.\n';

/**
 * Two hosts (separate shard managers, data folders, corpora and index files) share one PostgreSQL
 * database (npm run test:pg), with SHARDS=4 and two shards each (SHARD_IDS): each answers its own
 * guilds; a missed scheduled digest is posted once; a curator's article added through one host is
 * quoted by the other; a server's file reaches the other host; the scheduler moves when the
 * leading host is killed.
 */
describe.skipIf(!PG_URL)(
  'two hosts with two shards each on one PostgreSQL database',
  { timeout: SLOW + 10_000 },
  () => {
    let discord: DiscordDouble;
    let web: Awaited<ReturnType<typeof startWebServer>>;
    let databaseUrl: string;
    /** A guild on each shard, by shard id; the one on shard 0 is a curator. */
    let byShard: DoubleGuild[];
    const hosts: Host[] = [];
    const output: LogLine[] = [];
    let scheduleId: number;
    const logs = (msg: string, host?: string, from = 0) =>
      output.slice(from).filter((l) => l.msg === msg && (!host || l.host === host));
    const hostOf = (shard: number) => (HOSTS.a.includes(shard as 0 | 1) ? 'a' : 'b');

    const ask = async (guild: DoubleGuild, question: string) => {
      const rec = discord.inGuild(guild.id, () =>
        // A new member each time: rate limits count over every host.
        discord.runSlashCommand(
          'ask',
          [{ type: ApplicationCommandOptionType.String, name: 'question', value: question }],
          discord.newUser(),
        ),
      );
      const reply = await discord.waitFor(
        () => {
          // An answer (embeds) or a refusal (text only).
          const m = discord.original(rec.id);
          return m && (m.embeds.length > 0 || m.content) ? m : undefined;
        },
        SLOW,
        `an answer in ${guild.name}`,
      );
      return { rec, titles: reply ? reply.embeds.map((e) => String(e.title)) : [], reply };
    };

    beforeAll(async () => {
      // Both managers may start all their shards at once (max_concurrency), as a large bot's can.
      discord = await startDiscordDouble({ gatewayShards: SHARDS, maxConcurrency: 16 });
      web = await startWebServer({ '/bridge.md': send('text/markdown', upload) });
      const home = shardOf(discord.guildId, SHARDS);
      byShard = [...Array(SHARDS).keys()].map((s) =>
        s === home ? discord.guilds[0]! : discord.addGuild(`Guild on shard ${s}`, [s, SHARDS]),
      );
      // A database of its own: the hosts migrate it as a new deployment would.
      const name = `multihost_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      databaseUrl = PG_URL!.replace(/\/postgres\?/, `/${name}?`);
      // A daily schedule made three days ago that never ran: the leader catches it up on start.
      const past = new Date(Date.now() - 3 * 86_400_000);
      const seed = await PgStore.open({ url: databaseUrl, now: () => past });
      scheduleId = await addDailySchedule(seed.digests, discord);
      await seed.close();
      for (const hostName of ['a', 'b'] as const) {
        const data = mkdtempSync(join(tmpdir(), `newsdesk-host-${hostName}-`));
        const corpus = join(data, 'corpus');
        const indexPath = join(data, 'index.json');
        cpSync(join(ROOT, 'tests/fixtures/seeds'), corpus, { recursive: true });
        await (await Archive.open({ corpus, indexPath })).close();
        const bot = spawnBot(
          {
            DISCORD_TOKEN: token,
            DISCORD_API_URL: discord.apiBase,
            SHARDS: String(SHARDS),
            SHARD_IDS: HOSTS[hostName].join(','),
            CURATOR_GUILD_IDS: byShard[0]!.id,
            ALLOW_PRIVATE_URLS: 'true',
            CORPUS_DIR: corpus,
            INDEX_PATH: indexPath,
            GUILD_ARCHIVE_DIR: join(data, 'guilds'),
            DATABASE_PATH: join(data, 'unused.db'),
            DATABASE_URL: databaseUrl,
            LEADER_RETRY_SECONDS: '1',
            LOG_LEVEL: 'info',
          },
          // Its own process group: the manager and its shards are stopped (or killed) together.
          { detached: true, onLine: (line) => output.push({ ...(line as LogLine), host: hostName }) },
        );
        hosts.push({ name: hostName, data, child: bot.child, exited: bot.exited, bot });
      }
      await discord
        .waitFor(
          () => logs('connected').length === SHARDS && logs('digest scheduler started').length === 1,
          SLOW,
          'all four shards connected, one scheduler started',
        )
        .catch((err: unknown) => {
          const seen = output.map((l) => `${l.host}:${String(l.shard)} ${l.msg}`).join('\n');
          const errors = hosts.map((h) => `${h.name}: ${h.bot.output()}`).join('\n');
          throw new Error(`${(err as Error).message}\n${seen}\n${errors}`);
        });
    }, SLOW + 10_000);

    afterAll(async () => {
      await Promise.all(
        hosts.map(async (h) => {
          if (h.child.exitCode !== null || h.child.signalCode !== null) return;
          signalHost(h, 'SIGTERM');
          const timer = setTimeout(() => signalHost(h, 'SIGKILL'), 10_000);
          await h.exited;
          clearTimeout(timer);
        }),
      );
      await discord.close();
      await web.close();
    });

    it('runs shards 0 and 1 on one host and 2 and 3 on the other, each answering its own guilds', async () => {
      expect(discord.identifies.map((i) => i.shard).sort()).toEqual([...Array(SHARDS).keys()].map((s) => [s, SHARDS]));
      expect(
        logs('connected')
          .map((l) => `${l.host}:${String(l.shard)}`)
          .sort(),
      ).toEqual(['a:0', 'a:1', 'b:2', 'b:3']);
      for (const [shard, guild] of byShard.entries()) {
        const { rec, titles } = await ask(guild, 'Who is Sadam al-Jamal?');
        expect(titles.length).toBeGreaterThan(0);
        // Only the owning shard's session was sent the interaction; that shard's host answered it.
        expect(discord.shardsReceiving('INTERACTION_CREATE', (d) => d.id === rec.id)).toEqual([shard]);
        // The log line comes through the shard's and the host's pipes, which may trail the reply.
        await discord.waitFor(
          () => logs('answered').some((l) => l.guildId === guild.id),
          SLOW,
          `the answer’s log line in ${guild.name}`,
        );
        expect(logs('answered').filter((l) => l.guildId === guild.id)).toEqual([
          expect.objectContaining({ host: hostOf(shard), shard }),
        ]);
      }
    });

    it('posts the missed digest exactly once, from the one shard that leads', async () => {
      const leaders = output.filter((l) => l.msg?.startsWith('leading'));
      expect(leaders).toHaveLength(1);
      // Each host's first shard competes for leadership: the leader is one of them.
      expect([0, 2]).toContain(leaders[0]!.shard);
      await discord.waitFor(
        () => logs('scheduled digest ran').some((l) => l.scheduleId === scheduleId),
        SLOW,
        'the digest to run',
      );
      const posts = discord.messages().filter((m) => /News Digest #\d+/.test(m.content));
      expect(posts).toHaveLength(1);
      expect(logs('scheduled digest ran').map((l) => l.host)).toEqual([leaders[0]!.host]);
    });

    it('quotes, on a guild of the other host, an article a curator added through one host, within seconds', async () => {
      const curator = byShard[0]!;
      const elsewhere = byShard[2]!;
      // Not in the seed corpus: the other host's guild has no answer with it before.
      expect((await ask(elsewhere, 'When did the Raqqa bridge reopen?')).titles.join('\n')).not.toMatch(
        /Bridge at Raqqa reopens/,
      );
      const rec = addArticleFile(discord, curator.id, {
        name: 'bridge.md',
        url: `${web.base}/bridge.md`,
        size: upload.length,
        contentType: 'text/markdown',
      });
      const added = await discord.waitFor(() => discord.original(rec.id)?.content, SLOW, 'the upload reply');
      expect(added).toMatch(/^Added “Bridge at Raqqa reopens” \(`added\/bridge\.md`\)/);
      const addedAt = Date.now();
      // Host b's follower writes it into b's corpus; b's manager sees it there and its shards take the delta.
      const copy = join(hosts.find((h) => h.name === 'b')!.data, 'corpus', 'added', 'bridge.md');
      await discord.waitFor(() => existsSync(copy), 20_000, 'the article in host b’s corpus');
      expect(readFileSync(copy, 'utf8')).toBe(upload);
      const from = output.length;
      await discord.waitFor(
        () =>
          logs('corpus change taken in as a delta', 'b', from)
            .map((l) => l.shard)
            .includes(2),
        20_000,
        'host b’s shard 2 to take the article in',
      );
      expect(Date.now() - addedAt).toBeLessThan(15_000);
      const { rec: q, titles } = await ask(elsewhere, 'When did the Raqqa bridge reopen?');
      expect(titles[0]).toMatch(/Bridge at Raqqa reopens/);
      const line = await discord.waitFor(
        () => logs('answered').find((l) => l.guildId === elsewhere.id),
        SLOW,
        'the answer’s log line',
      );
      expect(line.host).toBe('b');
      expect(discord.shardsReceiving('INTERACTION_CREATE', (d) => d.id === q.id)).toEqual([2]);
      // Host a made the change: its own followers skip it in the log (its corpus has it already).
      expect(logs('shared corpus files changed on another host: written', 'a')).toEqual([]);
      expect(logs('shared corpus files changed on another host: written', 'b').length).toBeGreaterThan(0);
    });

    it('copies a server’s file added through one host into the other host’s folder', async () => {
      // As /article add on host a leaves it: the file in the database (mirrored from a's folder).
      const guild = byShard[3]!;
      const store = await PgStore.open({ url: databaseUrl });
      await store.guildFiles.put(guild.id, 'added/from-a.md', '---\ntitle: Shared across hosts\n---\n\nA body.');
      await store.close();
      for (const h of hosts) {
        const file = join(h.data, 'guilds', guild.id, 'added', 'from-a.md');
        await discord.waitFor(() => existsSync(file), 10_000, `the file on host ${h.name}`);
        expect(readFileSync(file, 'utf8')).toContain('Shared across hosts');
      }
      // Every shard follows the log and takes the file in (each host's shards share its folder).
      const takenIn = () =>
        logs('server files changed on another host: taken in')
          .filter((l) => l.guildId === guild.id)
          .map((l) => l.host);
      await discord.waitFor(() => new Set(takenIn()).size === 2, 10_000, 'both hosts to take the file in');
      expect([...new Set(takenIn())].sort()).toEqual(['a', 'b']);
    });

    it('moves the scheduler to the other host when the leading host is killed', async () => {
      const leader = output.find((l) => l.msg?.startsWith('leading'))!.host!;
      const other = hosts.find((h) => h.name !== leader)!;
      const killed = hosts.find((h) => h.name === leader)!;
      signalHost(killed, 'SIGKILL');
      await killed.exited;
      const started = Date.now();
      await discord.waitFor(
        () => logs('digest scheduler started', other.name).length === 1,
        20_000,
        'the other host to lead',
      );
      // LEADER_RETRY_SECONDS=1: taken over at the next try or two.
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  },
);
