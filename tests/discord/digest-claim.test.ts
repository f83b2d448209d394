import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { Store } from '../../src/store/store.js';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';
import { addDailySchedule, spawnBot, stopProcesses, type BotProcess, type LogLine as BotLogLine } from './boot.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const token = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'c'.repeat(38)}`;
/** Generous: two bot processes start slowly on a busy machine. */
const SLOW = 60_000;
/** Discord's latency on posting a message: it widens the window in which both processes would post. */
const POST_LATENCY_MS = 1000;

interface LogLine extends BotLogLine {
  scheduleId?: number;
  posted?: number;
}

/**
 * Two bot processes on one database (a second bot started by mistake, or a restart overlapping the
 * old process) catch up the same missed schedule at once: the digest is claimed in the database
 * before it is posted, so exactly one of them posts it.
 */
describe('two processes on one database', { timeout: SLOW + 10_000 }, () => {
  let discord: DiscordDouble;
  const bots: BotProcess[] = [];
  let dbPath: string;
  let scheduleId: number;
  const lines = (): LogLine[] => bots.flatMap((b) => b.lines());

  beforeAll(async () => {
    discord = await startDiscordDouble();
    // Both processes log in together (each waits at GET /gateway/bot for the other), so their
    // catch-ups overlap however unevenly they start on a busy machine.
    let arrived = 0;
    discord.intercept(async ({ method, route }) => {
      if (method === 'GET' && route === '/gateway/bot') {
        arrived++;
        await discord.waitFor(() => arrived >= 2, SLOW, 'both processes at the gateway').catch(() => {});
      }
      if (method === 'POST' && /^\/channels\/\d+\/messages$/.test(route))
        await new Promise((r) => setTimeout(r, POST_LATENCY_MS));
      return false;
    });
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-claim-'));
    const corpus = join(data, 'corpus');
    const indexPath = join(data, 'index.json');
    dbPath = join(data, 'db.sqlite');
    cpSync(join(ROOT, 'tests/fixtures/seeds'), corpus, { recursive: true });
    // The index is built once here, so neither process writes it while the other reads it.
    await (await Archive.open({ corpus, indexPath })).close();
    // A daily schedule made three days ago that never ran: each process catches it up on start.
    const past = new Date(Date.now() - 3 * 86_400_000);
    const store = new Store({ path: dbPath, now: () => past });
    scheduleId = await addDailySchedule(store.digests, discord);
    store.close();
    for (let i = 0; i < 2; i++) {
      bots.push(
        spawnBot({
          DISCORD_TOKEN: token,
          DISCORD_API_URL: discord.apiBase,
          CORPUS_DIR: corpus,
          INDEX_PATH: indexPath,
          DATABASE_PATH: dbPath,
          LOG_LEVEL: 'info',
        }),
      );
    }
    await discord
      .waitFor(
        () => lines().filter((l) => l.msg === 'digest scheduler started').length === 2,
        SLOW,
        'both schedulers to start',
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${bots.map((b) => b.output()).join('\n')}`);
      });
  }, SLOW + 10_000);

  afterAll(async () => {
    await stopProcesses(bots.map((b) => b.child));
    await discord.close();
  });

  it('posts the missed digest exactly once', async () => {
    const posts = discord.messages().filter((m) => /News Digest #\d+/.test(m.content));
    expect(posts.map((m) => m.content)).toHaveLength(1);
    const attempts = discord.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(`/channels/${discord.channelId}/messages`),
    );
    expect(attempts).toHaveLength(1);
    const ran = lines().filter((l) => l.msg === 'scheduled digest ran' && l.scheduleId === scheduleId);
    expect(ran.filter((l) => (l.posted ?? 0) > 0)).toHaveLength(1);
    expect(posts[0]!.embeds).toHaveLength(ran.find((l) => (l.posted ?? 0) > 0)!.posted!);
  });

  it('records one posted run, nothing left pending, and each article once in the channel’s ledger', async () => {
    const store = new Store({ path: dbPath });
    try {
      const runs = store.db
        .prepare('SELECT state, article_ids FROM digest_run WHERE channel_id = ?')
        .all(discord.channelId) as Array<{ state: string; article_ids: string }>;
      expect(runs.map((r) => r.state)).toEqual(['posted']);
      expect(await store.digests.pendingRuns()).toEqual([]);
      const posted = [...(await store.digests.ledger(discord.channelId)).values()].filter((e) => e.how === 'posted');
      expect(posted).toHaveLength((JSON.parse(runs[0]!.article_ids) as string[]).length);
    } finally {
      store.close();
    }
  });
});
