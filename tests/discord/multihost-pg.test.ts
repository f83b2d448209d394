import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { PgStore } from '../../src/store/pg.js';
import { PG_URL } from '../store/dialects.js';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';
import { addDailySchedule, stopProcesses } from './boot.js';
import { nodeCommand } from '../setup/tsx.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'c'.repeat(38)}`;
const SLOW = 60_000;

interface LogLine {
  msg?: string;
  host?: string;
  scheduleId?: number;
  posted?: number;
  guildId?: string;
}

interface Host {
  name: string;
  data: string;
  child: ReturnType<typeof spawn>;
}

/**
 * Two hosts (separate processes, data folders, corpora and index files) share one PostgreSQL
 * database (npm run test:pg): a missed scheduled digest is posted once, one process leads, the other
 * takes over when the leader is killed, and a server's file added through one host reaches the other.
 */
describe.skipIf(!PG_URL)('two hosts on one PostgreSQL database', { timeout: SLOW + 10_000 }, () => {
  let discord: DiscordDouble;
  let databaseUrl: string;
  const hosts: Host[] = [];
  const output: LogLine[] = [];
  let scheduleId: number;
  const logs = (msg: string, host?: string) => output.filter((l) => l.msg === msg && (!host || l.host === host));

  beforeAll(async () => {
    discord = await startDiscordDouble();
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
    for (const hostName of ['a', 'b']) {
      const data = mkdtempSync(join(tmpdir(), `newsdesk-host-${hostName}-`));
      const corpus = join(data, 'corpus');
      const indexPath = join(data, 'index.json');
      cpSync(join(ROOT, 'tests/fixtures/seeds'), corpus, { recursive: true });
      await (await Archive.open({ corpus, indexPath })).close();
      const child = spawn(...nodeCommand('src/main.ts', []), {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          DISCORD_TOKEN: token,
          DISCORD_API_URL: discord.apiBase,
          CORPUS_DIR: corpus,
          INDEX_PATH: indexPath,
          DATABASE_PATH: join(data, 'unused.db'),
          DATABASE_URL: databaseUrl,
          LEADER_RETRY_SECONDS: '1',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let partial = '';
      child.stdout!.on('data', (b: Buffer) => {
        const text = partial + b.toString();
        const complete = text.split('\n');
        partial = complete.pop()!;
        for (const l of complete) if (l.startsWith('{')) output.push({ ...(JSON.parse(l) as LogLine), host: hostName });
      });
      hosts.push({ name: hostName, data, child });
    }
    await discord.waitFor(
      () => logs('connected').length === 2 && logs('digest scheduler started').length === 1,
      SLOW,
      'both hosts connected, one scheduler started',
    );
  }, SLOW + 10_000);

  afterAll(async () => {
    await stopProcesses(hosts.map((h) => h.child));
    await discord.close();
  });

  it('posts the missed digest exactly once, from the one host that leads', async () => {
    const leaders = output.filter((l) => l.msg?.startsWith('leading'));
    expect(leaders).toHaveLength(1);
    await discord.waitFor(
      () => logs('scheduled digest ran').some((l) => l.scheduleId === scheduleId),
      SLOW,
      'the digest to run',
    );
    const posts = discord.messages().filter((m) => /News Digest #\d+/.test(m.content));
    expect(posts).toHaveLength(1);
    expect(logs('scheduled digest ran').map((l) => l.host)).toEqual([leaders[0]!.host]);
  });

  it('copies a server’s file added through one host into the other host’s folder', async () => {
    // As /article add on host a leaves it: the file in the database (mirrored from a's folder).
    const store = await PgStore.open({ url: databaseUrl });
    await store.guildFiles.put(discord.guildId, 'added/from-a.md', '---\ntitle: Shared across hosts\n---\n\nA body.');
    await store.close();
    for (const h of hosts) {
      const file = join(h.data, 'guilds', discord.guildId, 'added', 'from-a.md');
      await discord.waitFor(() => existsSync(file), 10_000, `the file on host ${h.name}`);
      expect(readFileSync(file, 'utf8')).toContain('Shared across hosts');
    }
    // Each host logs once the file is written and taken into its index: a moment after the file appears.
    const takenIn = () =>
      logs('server files changed on another host: taken in')
        .map((l) => l.host)
        .sort();
    await discord.waitFor(() => takenIn().length >= 2, 10_000, 'both hosts to take the file in');
    expect(takenIn()).toEqual(['a', 'b']);
  });

  it('moves the scheduler to the other host when the leader is killed', async () => {
    const leader = output.find((l) => l.msg?.startsWith('leading'))!.host!;
    const other = hosts.find((h) => h.name !== leader)!;
    const killed = hosts.find((h) => h.name === leader)!.child;
    const gone = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await gone;
    const started = Date.now();
    await discord.waitFor(
      () => logs('digest scheduler started', other.name).length === 1,
      20_000,
      'the other host to lead',
    );
    // LEADER_RETRY_SECONDS=1: taken over at the next try or two.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
