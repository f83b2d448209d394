import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/core/answer.js';
import { Store } from '../../src/store/store.js';

const answered: Answer = { question: 'q', answered: true, results: [], nearest: [] };
const refused: Answer = { question: 'q', answered: false, reason: 'weak-match', results: [], nearest: [] };
const G = '123456789012345678';
const C = '223456789012345678';

function clock(start = '2026-11-01T12:00:00Z') {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advanceDays: (d: number) => (t += d * 86_400_000) };
}

describe('Store', () => {
  it('migrates a new database, in WAL mode, and keeps data across a reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'data', 'newsdesk.db');
    const a = new Store({ path });
    expect(a.version).toBe(6);
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    await a.settings.set(G, 'answerChannels', [C]);
    a.close();
    const b = new Store({ path });
    expect(b.version).toBe(6);
    expect(await b.settings.answerChannels(G)).toEqual([C]);
    b.close();
  });

  it('refuses a database from a newer Newsdesk, changing nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'db.sqlite');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new Store({ path })).toThrow(
      'database schema version 99 is newer than this Newsdesk knows (6); upgrade Newsdesk',
    );
  });

  it('validates settings and changes nothing on a bad value', async () => {
    const s = new Store({ path: ':memory:' });
    await s.settings.set(G, 'answerChannels', [C]);
    await expect(s.settings.set(G, 'answerChannels', ['not-a-channel'])).rejects.toThrow();
    expect(await s.settings.answerChannels(G)).toEqual([C]);
    expect(await s.settings.answerChannels('999999999999999999')).toEqual([]);
  });

  it('counts votes per answer and reports the answers voted down more than up, with the question only when kept', async () => {
    const s = new Store({
      path: join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'db.sqlite'),
      storeQuestionText: true,
    });
    await s.activity.recordFeedback({
      guildId: G,
      userId: 'u1',
      messageId: 'm1',
      articleId: 'a',
      vote: -1,
      question: 'Who won?',
    });
    await s.activity.recordFeedback({
      guildId: G,
      userId: 'u2',
      messageId: 'm1',
      articleId: 'a',
      vote: -1,
      question: 'Who won?',
    });
    await s.activity.recordFeedback({
      guildId: G,
      userId: 'u3',
      messageId: 'm1',
      articleId: 'a',
      vote: 1,
      question: 'Who won?',
    });
    await s.activity.recordFeedback({
      guildId: G,
      userId: 'u1',
      messageId: 'm2',
      articleId: 'b',
      vote: 1,
      question: 'Where?',
    });
    expect(await s.activity.votes('m1')).toEqual({ up: 1, down: 2 });
    expect(await s.activity.votes('m2')).toEqual({ up: 1, down: 0 });
    expect((await s.activity.stats(G)).unhelpful).toEqual([{ question: 'Who won?', up: 1, down: 2 }]);
    await s.settings.setKeepsQuestionText(G, false);
    await s.activity.recordFeedback({
      guildId: G,
      userId: 'u1',
      messageId: 'm3',
      articleId: 'c',
      vote: -1,
      question: 'Secret?',
    });
    expect((await s.activity.stats(G)).unhelpful).toContainEqual({ question: null, up: 0, down: 1 });
    s.close();
  });

  it('keeps one feedback vote per user per answer', async () => {
    const c = clock();
    const s = new Store({ path: ':memory:', now: c.now });
    await s.activity.recordFeedback({ guildId: G, userId: 'u1', messageId: 'm1', articleId: 'a', vote: 1 });
    await s.activity.recordFeedback({ guildId: G, userId: 'u1', messageId: 'm1', articleId: 'a', vote: -1 });
    await s.activity.recordFeedback({ guildId: G, userId: 'u2', messageId: 'm1', articleId: 'a', vote: 1 });
    expect((await s.activity.stats(G)).feedback).toEqual({ up: 1, down: 1 });
  });

  it('logs questions, keeping their text only when the guild allows it, and counts the last 7 days', async () => {
    const c = clock();
    const s = new Store({ path: ':memory:', now: c.now });
    await s.activity.logQuery({ guildId: G, question: 'private one', answer: refused, ms: 1 });
    await s.settings.set(G, 'storeQuestionText', true);
    await s.activity.logQuery({ guildId: G, question: 'Who won the cup?', answer: refused, ms: 1 });
    await s.activity.logQuery({ guildId: G, question: 'who won the cup?', answer: refused, ms: 1 });
    await s.activity.logQuery({ guildId: G, question: 'Where is Tasil?', answer: answered, ms: 1 });
    expect(s.db.prepare('SELECT question FROM query_log ORDER BY id').all()).toEqual([
      { question: null },
      { question: 'Who won the cup?' },
      { question: 'who won the cup?' },
      { question: 'Where is Tasil?' },
    ]);
    expect(await s.activity.stats(G)).toMatchObject({ answered: 1, refused: 3, unanswered: [{ count: 2 }] });
    c.advanceDays(8);
    await s.activity.logQuery({ guildId: G, question: 'Where is Tasil?', answer: answered, ms: 1 });
    expect(await s.activity.stats(G)).toMatchObject({ answered: 1, refused: 0, unanswered: [] });
  });

  it('records when each article was first seen, once', async () => {
    const c = clock();
    const s = new Store({ path: ':memory:', now: c.now });
    expect(
      await s.articles.markSeen([
        { id: 'a', file: 'a.txt' },
        { id: 'b', file: 'b.txt' },
      ]),
    ).toBe(2);
    c.advanceDays(1);
    expect(
      await s.articles.markSeen([
        { id: 'a', file: 'a.txt' },
        { id: 'c', file: 'c.txt' },
      ]),
    ).toBe(1);
    expect(await s.articles.firstSeen()).toEqual(
      new Map([
        ['a', '2026-11-01T12:00:00.000Z'],
        ['b', '2026-11-01T12:00:00.000Z'],
        ['c', '2026-11-02T12:00:00.000Z'],
      ]),
    );
  });
});

describe('Store: digests and feeds', () => {
  it('keeps a pending digest out of the ledger until it is completed, then records posted and skipped articles', async () => {
    const c = clock();
    const store = new Store({ path: ':memory:', now: c.now });
    const run = await store.digests.beginRun({
      guildId: G,
      channelId: C,
      scheduleId: null,
      articleIds: ['a', 'b'],
      skippedIds: ['c'],
      options: { count: 2 },
    });
    expect((await store.digests.pendingRuns()).map((r) => r.id)).toEqual([run.id]);
    expect((await store.digests.ledger(C)).size).toBe(0);
    await store.digests.completeRun(run.id, '999');
    await store.digests.completeRun(run.id, '998');
    expect(await store.digests.pendingRuns()).toEqual([]);
    expect(await store.digests.run(run.id)).toMatchObject({
      state: 'posted',
      messageId: '999',
      articleIds: ['a', 'b'],
      options: { count: 2 },
    });
    expect([...(await store.digests.ledger(C))].map(([id, e]) => [id, e.how])).toEqual([
      ['a', 'posted'],
      ['b', 'posted'],
      ['c', 'skipped'],
    ]);
    expect((await store.digests.lastPostedRun(G))?.id).toBe(run.id);
  });

  it('stores schedules per guild, pauses them with a reason and removes only its own', async () => {
    const store = new Store({ path: ':memory:' });
    const s = await store.digests.addSchedule({
      guildId: G,
      channelId: C,
      cron: '0 9 * * *',
      timezone: 'Europe/Rome',
      topic: null,
      count: 5,
      createdBy: '1',
    });
    await store.digests.pauseSchedule(s.id, 'missing permission to post');
    expect(await store.digests.schedules(G)).toEqual([
      expect.objectContaining({ id: s.id, cron: '0 9 * * *', pausedReason: 'missing permission to post' }),
    ]);
    expect(await store.digests.removeSchedule('999999999999999999', s.id)).toBe(false);
    expect(await store.digests.removeSchedule(G, s.id)).toBe(true);
    expect(await store.digests.schedules()).toEqual([]);
  });

  it('follows a feed once per guild and remembers items by every key', async () => {
    const store = new Store({ path: ':memory:' });
    const feed = (await store.feeds.add({
      guildId: G,
      url: 'https://example.org/rss',
      title: 'Example',
      addedBy: '1',
    }))!;
    expect(
      await store.feeds.add({ guildId: G, url: 'https://example.org/rss', title: null, addedBy: '2' }),
    ).toBeUndefined();
    await store.feeds.recordItem(feed.id, ['guid-1', 'https://example.org/a'], 'a', 'feeds/1/a.md');
    expect(await store.feeds.itemKnown([G], ['https://example.org/a'])).toBe(true);
    expect(await store.feeds.itemKnown([G], ['guid-2'])).toBe(false);
    expect(await store.feeds.remove(G, 'https://example.org/rss')).toBe(true);
    expect(await store.feeds.itemKnown([G], ['guid-1'])).toBe(false);
  });

  it('knows feed items per server: one server’s feed never makes another skip an item', async () => {
    const store = new Store({ path: ':memory:' });
    const H = '323456789012345678';
    const mine = (await store.feeds.add({ guildId: G, url: 'https://example.org/rss', title: null, addedBy: '1' }))!;
    const theirs = (await store.feeds.add({
      guildId: H,
      url: 'https://spoof.example/rss',
      title: null,
      addedBy: '2',
    }))!;
    await store.feeds.recordItem(theirs.id, ['guid-1', 'https://example.org/a'], `g${H}/a`, 'feeds/2/a.md');
    expect(await store.feeds.itemKnown([G], ['guid-1'])).toBe(false);
    expect(await store.feeds.itemKnown([G], ['https://example.org/a'])).toBe(false);
    expect(await store.feeds.itemKnown([H], ['guid-1'])).toBe(true);
    // A curator's scope is every curator server.
    expect(await store.feeds.itemKnown([G, H], ['https://example.org/a'])).toBe(true);
    expect(await store.feeds.itemKnown([], ['guid-1'])).toBe(false);
    await store.feeds.recordItem(mine.id, ['guid-1'], 'a', 'feeds/1/a.md');
    expect(await store.feeds.itemKnown([G], ['guid-1'])).toBe(true);
  });

  it('gives feed items recorded before per-server dedup the server of their feed (migration 3)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'db.sqlite');
    const a = new Store({ path });
    const feed = (await a.feeds.add({ guildId: G, url: 'https://example.org/rss', title: null, addedBy: '1' }))!;
    // Back to schema 2, as an older Newsdesk left it: no guild_id on feed items.
    a.db.exec('DROP INDEX feed_item_guild_key; ALTER TABLE feed_item DROP COLUMN guild_id;');
    a.db.exec(
      'DROP INDEX digest_run_claim; ALTER TABLE digest_run DROP COLUMN run_key; ALTER TABLE digest_run DROP COLUMN owner;',
    );
    a.db.exec('DROP INDEX feedback_message; ALTER TABLE feedback DROP COLUMN question;');
    a.db.exec('DROP TABLE guild_file; DROP TABLE guild_file_change; DROP TABLE rate_limit_hit;');
    a.db
      .prepare(
        "INSERT INTO feed_item (feed_id, key, article_id, file, added_at) VALUES (?, 'old-guid', 'x', 'feeds/1/x.md', '2026-01-01')",
      )
      .run(feed.id);
    a.db.pragma('user_version = 2');
    a.close();
    const b = new Store({ path });
    expect(b.version).toBe(6);
    expect(await b.feeds.itemKnown([G], ['old-guid'])).toBe(true);
    expect(await b.feeds.itemKnown(['323456789012345678'], ['old-guid'])).toBe(false);
    b.close();
  });

  it('validates guild settings and rejects an unknown time zone', async () => {
    const store = new Store({ path: ':memory:' });
    await expect(store.settings.set(G, 'digestTimezone', 'Mars/Olympus')).rejects.toThrow(/IANA time zone/);
    await store.settings.set(G, 'digestTimezone', 'Europe/Rome');
    expect(await store.settings.get(G, 'digestTimezone')).toBe('Europe/Rome');
  });
});

describe('claiming a digest (processes sharing one database)', () => {
  const run = (articleIds: string[], runKey: string | null = null) => ({
    guildId: G,
    channelId: C,
    scheduleId: 1,
    articleIds,
    skippedIds: [],
    options: {},
    runKey,
  });

  it('gives a run key to one store only, refuses while another live store posts in the channel, and re-selects after a post', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-claim-')), 'db.sqlite');
    const a = new Store({ path });
    const b = new Store({ path });
    const first = await a.digests.claimRun(run(['x', 'y'], 'schedule 1 at 2026-11-01T09:00:00.000Z'));
    expect(first).toMatchObject({ claimed: true, run: { state: 'pending', owner: a.owner } });
    expect(await b.digests.claimRun(run(['x', 'y'], 'schedule 1 at 2026-11-01T09:00:00.000Z'))).toEqual({
      claimed: false,
      why: 'taken',
    });
    expect(await b.digests.claimRun(run(['z']))).toEqual({ claimed: false, why: 'busy' });
    // Its own pending run does not make a store wait for itself (its in-process queue orders those).
    expect(await a.digests.claimRun(run(['w']))).toMatchObject({ claimed: true });
    if (!first.claimed) throw new Error('unreachable');
    await a.digests.completeRun(first.run.id, '1');
    await a.digests.failRun((await a.digests.pendingRuns())[0]!.id, 'test');
    expect(await b.digests.claimRun(run(['x', 'z']))).toEqual({ claimed: false, why: 'stale' });
    expect(await b.digests.claimRun(run(['z']))).toMatchObject({ claimed: true });
    a.close();
    b.close();
  });

  it('leaves a live store’s pending run alone, and lets one store adopt it once its owner is gone', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-claim-')), 'db.sqlite');
    const a = new Store({ path });
    const b = new Store({ path });
    const c = new Store({ path });
    const pending = await a.digests.beginRun(run(['x']));
    expect(await b.digests.orphanedRuns()).toEqual([]);
    a.close();
    expect((await b.digests.orphanedRuns()).map((r) => r.id)).toEqual([pending.id]);
    expect(await b.digests.adoptRun(pending.id, pending.owner)).toBe(true);
    expect(await c.digests.adoptRun(pending.id, pending.owner)).toBe(false);
    expect(await c.digests.orphanedRuns()).toEqual([]);
    b.close();
    c.close();
  });

  it('releases a failed run’s key, so its schedule can try that run again', async () => {
    const store = new Store({ path: ':memory:' });
    const key = 'schedule 1 at 2026-11-01T09:00:00.000Z';
    const first = await store.digests.claimRun(run(['x'], key));
    if (!first.claimed) throw new Error('not claimed');
    await store.digests.failRun(first.run.id, 'HTTP 503');
    expect(await store.digests.claimRun(run(['x'], key))).toMatchObject({ claimed: true });
    store.close();
  });
});
