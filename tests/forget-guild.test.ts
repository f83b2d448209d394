import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../src/core/answer.js';
import { Store } from '../src/store/store.js';
import { nodeCommand } from './setup/tsx.js';

const ROOT = new URL('..', import.meta.url).pathname;
const GONE = '123456789012345678';
const KEPT = '223456789012345678';
const answer: Answer = { question: 'q', answered: true, results: [], nearest: [] };

/** A database with the same rows for two servers. */
async function seed(path: string): Promise<void> {
  const store = new Store({ path });
  for (const [g, channel] of [
    [GONE, '900000000000000001'],
    [KEPT, '900000000000000002'],
  ] as const) {
    await store.settings.set(g, 'digestCount', 3);
    const feed = (await store.feeds.add({ guildId: g, url: 'https://example.org/rss', title: null, addedBy: '1' }))!;
    await store.feeds.recordItem(feed.id, ['guid-1'], `g${g}/a`, 'feeds/1/a.md');
    await store.digests.addSchedule({
      guildId: g,
      channelId: channel,
      cron: '0 9 * * *',
      timezone: 'UTC',
      topic: null,
      count: 3,
      createdBy: '1',
    });
    const run = await store.digests.beginRun({
      guildId: g,
      channelId: channel,
      scheduleId: null,
      articleIds: [`g${g}/a`],
      skippedIds: [],
      options: {},
    });
    await store.digests.completeRun(run.id, '1');
    await store.activity.logQuery({ guildId: g, question: 'q', answer, ms: 1 });
    await store.activity.recordFeedback({ guildId: g, userId: '1', messageId: `m${g}`, articleId: 'x', vote: 1 });
    await store.articles.markSeen([{ id: `g${g}/a`, file: 'added/a.md' }]);
  }
  store.close();
}

describe('npm run forget-guild', () => {
  it('removes one server’s folder, saved index and rows, and nothing of any other server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-forget-'));
    const db = join(dir, 'db.sqlite');
    await seed(db);
    for (const g of [GONE, KEPT]) {
      mkdirSync(join(dir, 'guilds', g, 'added'), { recursive: true });
      writeFileSync(join(dir, 'guilds', g, 'added', 'a.md'), '---\ntitle: A\n---\n\nText.\n');
      writeFileSync(join(dir, `index.guild-${g}.bin`), 'x');
    }
    const env = {
      PATH: process.env.PATH ?? '',
      CORPUS_DIR: join(ROOT, 'tests/fixtures/seeds'),
      INDEX_PATH: join(dir, 'index.bin'),
      DATABASE_PATH: db,
    };
    const cli = (...args: string[]) =>
      spawnSync(...nodeCommand('src/cli.ts', ['forget-guild', ...args]), {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
    const bad = cli('../etc');
    expect([bad.status, bad.stderr]).toEqual([
      2,
      'newsdesk forget-guild: SERVER_ID must be a Discord id, 17 to 20 digits\n',
    ]);
    const r = cli(GONE);
    expect(r.stdout).toBe(
      `Forgot server ${GONE}: removed ${join(dir, 'guilds', GONE)}, its saved index and 8 database rows.\n`,
    );
    expect(r.status).toBe(0);
    expect([existsSync(join(dir, 'guilds', GONE)), existsSync(join(dir, `index.guild-${GONE}.bin`))]).toEqual([
      false,
      false,
    ]);
    expect([
      existsSync(join(dir, 'guilds', KEPT, 'added', 'a.md')),
      existsSync(join(dir, `index.guild-${KEPT}.bin`)),
    ]).toEqual([true, true]);
    const store = new Store({ path: db });
    const count = (table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect(
      [
        'guild_settings',
        'feed',
        'feed_item',
        'digest_schedule',
        'digest_run',
        'digest_ledger',
        'query_log',
        'feedback',
        'article_seen',
      ].map(count),
    ).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect((await store.feeds.list()).map((f) => f.guildId)).toEqual([KEPT]);
    expect([...(await store.articles.firstSeen()).keys()]).toEqual([`g${KEPT}/a`]);
    store.close();
  });
});
