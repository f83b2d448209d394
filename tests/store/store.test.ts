import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer } from '../../src/core/answer.js';
import { Store } from '../../src/store/store.js';
import { DIALECTS, PG_URL, closeAll } from './dialects.js';

const answered: Answer = { question: 'q', answered: true, results: [], nearest: [] };
const refused: Answer = { question: 'q', answered: false, reason: 'weak-match', results: [], nearest: [] };
afterEach(closeAll);

const G = '123456789012345678';
const C = '223456789012345678';

function clock(start = '2026-11-01T12:00:00Z') {
  let t = new Date(start).getTime();
  return { now: () => new Date(t), advanceDays: (d: number) => (t += d * 86_400_000) };
}

describe.each(DIALECTS)('Store ($name)', (d) => {
  it('validates settings and changes nothing on a bad value', async () => {
    const s = await d.open();
    await s.settings.set(G, 'answerChannels', [C]);
    await expect(s.settings.set(G, 'answerChannels', ['not-a-channel'])).rejects.toThrow();
    expect(await s.settings.answerChannels(G)).toEqual([C]);
    expect(await s.settings.answerChannels('999999999999999999')).toEqual([]);
  });

  it('counts votes per answer and reports the answers voted down more than up, with the question only when kept', async () => {
    const s = await d.open({ storeQuestionText: true });
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
    await s.close();
  });

  it('keeps one feedback vote per user per answer', async () => {
    const c = clock();
    const s = await d.open({ now: c.now });
    await s.activity.recordFeedback({ guildId: G, userId: 'u1', messageId: 'm1', articleId: 'a', vote: 1 });
    await s.activity.recordFeedback({ guildId: G, userId: 'u1', messageId: 'm1', articleId: 'a', vote: -1 });
    await s.activity.recordFeedback({ guildId: G, userId: 'u2', messageId: 'm1', articleId: 'a', vote: 1 });
    expect((await s.activity.stats(G)).feedback).toEqual({ up: 1, down: 1 });
  });

  it('logs questions, keeping their text only when the guild allows it, and counts the last 7 days', async () => {
    const c = clock();
    const s = await d.open({ now: c.now });
    await s.activity.logQuery({ guildId: G, question: 'private one', answer: refused, ms: 1 });
    await s.settings.set(G, 'storeQuestionText', true);
    await s.activity.logQuery({ guildId: G, question: 'Who won the cup?', answer: refused, ms: 1 });
    await s.activity.logQuery({ guildId: G, question: 'who won the cup?', answer: refused, ms: 1 });
    await s.activity.logQuery({ guildId: G, question: 'Where is Tasil?', answer: answered, ms: 1 });
    expect(await d.rows(s, 'SELECT question FROM query_log ORDER BY id')).toEqual([
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
    const s = await d.open({ now: c.now });
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

describe.each(DIALECTS)('Store: digests and feeds ($name)', (d) => {
  it('keeps a pending digest out of the ledger until it is completed, then records posted and skipped articles', async () => {
    const c = clock();
    const store = await d.open({ now: c.now });
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
    const store = await d.open();
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

  it('keeps members’ follows per server, claims each article for a member once, and counts messages per day', async () => {
    const c = clock();
    const store = await d.open({ now: c.now });
    const H = '323456789012345678';
    const f = (await store.follows.add({ guildId: G, userId: 'u1', topic: 'Islamic State' }))!;
    expect(f).toMatchObject({
      guildId: G,
      userId: 'u1',
      topic: 'Islamic State',
      createdAt: '2026-11-01T12:00:00.000Z',
    });
    expect(await store.follows.add({ guildId: G, userId: 'u1', topic: ' islamic  state' })).toBeUndefined();
    await store.follows.add({ guildId: G, userId: 'u2', topic: 'floods' });
    await store.follows.add({ guildId: H, userId: 'u1', topic: 'floods' });
    expect((await store.follows.list(G, 'u1')).map((x) => x.topic)).toEqual(['Islamic State']);
    expect((await store.follows.list(G)).map((x) => x.userId)).toEqual(['u1', 'u2']);
    expect(await store.follows.list()).toHaveLength(3);

    expect(await store.follows.claim(G, 'u1', 'm1', ['a', 'b'])).toBe(true);
    // One article already sent: nothing of the second message is recorded.
    expect(await store.follows.claim(G, 'u1', 'm2', ['b', 'c'])).toBe(false);
    expect(await store.follows.sent(G, 'u1')).toEqual(new Set(['a', 'b']));
    expect(await store.follows.claim(H, 'u1', 'm3', ['b'])).toBe(true);
    expect(await store.follows.messagesSince('u1', new Date('2026-11-01T00:00:00Z'))).toBe(2);
    await store.articles.markSeen([{ id: 'old', file: 'old.md' }]);
    await store.follows.release(H, 'u1', 'm3');
    expect(await store.follows.sent(H, 'u1')).toEqual(new Set());
    c.advanceDays(1.5);
    expect(await store.follows.claim(G, 'u1', 'm4', ['c'])).toBe(true);
    expect(await store.follows.messagesSince('u1', new Date(c.now().getTime() - 86_400_000))).toBe(1);
    await store.articles.markSeen([{ id: 'new', file: 'new.md' }]);
    expect([...(await store.articles.seenSince(new Date(c.now().getTime() - 60_000))).keys()]).toEqual(['new']);
    expect((await store.articles.seenSince(new Date('2026-11-01T00:00:00Z'))).size).toBe(2);

    expect(await store.follows.remove(G, 'u2', f.id)).toBe(false);
    expect(await store.follows.remove(G, 'u1', f.id)).toBe(true);
    expect(await store.follows.dropMember(H, 'u1')).toBe(1);
    expect((await store.follows.list()).map((x) => [x.guildId, x.userId])).toEqual([[G, 'u2']]);
    await store.forgetGuild(G);
    expect(await store.follows.list()).toEqual([]);
    expect(await store.follows.sent(G, 'u1')).toEqual(new Set());
  });

  it('keeps the role a schedule pings, and none by default', async () => {
    const store = await d.open();
    const base = { guildId: G, channelId: C, cron: 'arrive', timezone: 'UTC', topic: 'x', count: 10, createdBy: '1' };
    const plain = await store.digests.addSchedule(base);
    const pinging = await store.digests.addSchedule({ ...base, roleId: '423456789012345678' });
    expect(plain.roleId).toBeNull();
    expect((await store.digests.schedule(pinging.id))?.roleId).toBe('423456789012345678');
  });

  it('follows a feed once per guild and remembers items by every key', async () => {
    const store = await d.open();
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
    const store = await d.open();
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

  it('validates guild settings and rejects an unknown time zone', async () => {
    const store = await d.open();
    await expect(store.settings.set(G, 'digestTimezone', 'Mars/Olympus')).rejects.toThrow(/IANA time zone/);
    await store.settings.set(G, 'digestTimezone', 'Europe/Rome');
    expect(await store.settings.get(G, 'digestTimezone')).toBe('Europe/Rome');
  });
});

describe.each(DIALECTS)('claiming a digest (processes sharing one database, $name)', (d) => {
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
    const db = d.fresh();
    const a = await d.open({ db });
    const b = await d.open({ db });
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
    await a.close();
    await b.close();
  });

  it('leaves a live store’s pending run alone, and lets one store adopt it once its owner is gone', async () => {
    const db = d.fresh();
    const a = await d.open({ db });
    const b = await d.open({ db });
    const c = await d.open({ db });
    const pending = await a.digests.beginRun(run(['x']));
    expect(await b.digests.orphanedRuns()).toEqual([]);
    await a.close();
    expect((await b.digests.orphanedRuns()).map((r) => r.id)).toEqual([pending.id]);
    expect(await b.digests.adoptRun(pending.id, pending.owner)).toBe(true);
    expect(await c.digests.adoptRun(pending.id, pending.owner)).toBe(false);
    expect(await c.digests.orphanedRuns()).toEqual([]);
    await b.close();
    await c.close();
  });

  it('releases a failed run’s key, so its schedule can try that run again', async () => {
    const store = await d.open();
    const key = 'schedule 1 at 2026-11-01T09:00:00.000Z';
    const first = await store.digests.claimRun(run(['x'], key));
    if (!first.claimed) throw new Error('not claimed');
    await store.digests.failRun(first.run.id, 'HTTP 503');
    expect(await store.digests.claimRun(run(['x'], key))).toMatchObject({ claimed: true });
    await store.close();
  });
});

describe('Store (SQLite only)', () => {
  it('migrates a new database, in WAL mode, and keeps data across a reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'data', 'newsdesk.db');
    const a = new Store({ path });
    expect(a.version).toBe(8);
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    await a.settings.set(G, 'answerChannels', [C]);
    a.close();
    const b = new Store({ path });
    expect(b.version).toBe(8);
    expect(await b.settings.answerChannels(G)).toEqual([C]);
    b.close();
  });
  it('refuses a database from a newer Newsdesk, changing nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'db.sqlite');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new Store({ path })).toThrow(
      'database schema version 99 is newer than this Newsdesk knows (8); upgrade Newsdesk',
    );
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
    a.db.exec(
      'DROP TABLE follow; DROP TABLE follow_ledger; DROP INDEX article_seen_at; ALTER TABLE digest_schedule DROP COLUMN role_id;',
    );
    a.db
      .prepare(
        "INSERT INTO feed_item (feed_id, key, article_id, file, added_at) VALUES (?, 'old-guid', 'x', 'feeds/1/x.md', '2026-01-01')",
      )
      .run(feed.id);
    a.db.pragma('user_version = 2');
    a.close();
    const b = new Store({ path });
    expect(b.version).toBe(8);
    expect(await b.feeds.itemKnown([G], ['old-guid'])).toBe(true);
    expect(await b.feeds.itemKnown(['323456789012345678'], ['old-guid'])).toBe(false);
    b.close();
  });
});

describe.each(DIALECTS)('settings changes, servers’ files and the change log ($name)', (d) => {
  it('applies a settings change whole or not at all, and reads its own writes', async () => {
    const s = await d.open();
    await s.settings.set(G, 'answerChannels', [C]);
    const seen = await s.settings.configure(G, (draft) => {
      draft.set('digestCount', 4);
      return draft.get('digestCount');
    });
    expect(seen).toBe(4);
    await expect(
      s.settings.configure(G, (draft) => {
        draft.set('answerChannels', []);
        draft.set('digestCount', 9);
        throw new Error('refused midway');
      }),
    ).rejects.toThrow('refused midway');
    expect(await s.settings.answerChannels(G)).toEqual([C]);
    expect(await s.settings.get(G, 'digestCount')).toBe(4);
    // An invalid value is refused as it is set, before anything is written.
    await expect(s.settings.configure(G, (draft) => draft.set('digestCount', 0))).rejects.toThrow();
    expect(await s.settings.get(G, 'digestCount')).toBe(4);
  });

  it('keeps each server’s files with a log of changes another host can replay, and forgets a server', async () => {
    const c = clock();
    const s = await d.open({ now: c.now });
    const H = '323456789012345678';
    await s.guildFiles.put(G, 'a.md', '# A\n\nfirst');
    await s.guildFiles.put(G, 'a.md', '# A\n\nsecond');
    await s.guildFiles.put(H, 'b.md', '# B');
    expect(await s.guildFiles.list(G)).toEqual([
      { guildId: G, file: 'a.md', content: '# A\n\nsecond', at: '2026-11-01T12:00:00.000Z' },
    ]);
    expect((await s.guildFiles.read(H, 'b.md'))?.content).toBe('# B');
    expect(await s.guildFiles.read(H, 'a.md')).toBeUndefined();
    const all = await s.guildFiles.changesSince(0);
    expect(all.map((x) => [x.guildId, x.file, x.op])).toEqual([
      [G, 'a.md', 'put'],
      [G, 'a.md', 'put'],
      [H, 'b.md', 'put'],
    ]);
    expect(await s.guildFiles.remove(G, 'missing.md')).toBe(false);
    expect(await s.guildFiles.remove(H, 'b.md')).toBe(true);
    const after = await s.guildFiles.changesSince(all.at(-1)!.seq);
    expect(after.map((x) => [x.guildId, x.file, x.op])).toEqual([[H, 'b.md', 'delete']]);
    expect(await s.forgetGuild(G)).toBe(1);
    expect(await s.guildFiles.list(G)).toEqual([]);
    // Only the deletion of the forgotten server's files is left in the log.
    const log = await s.guildFiles.changesSince(0);
    expect(log.filter((x) => x.guildId === G).map((x) => [x.file, x.op])).toEqual([['a.md', 'delete']]);
  });
});

describe.skipIf(!PG_URL)('PostgreSQL only', () => {
  const pg = DIALECTS.find((x) => x.name === 'postgres')!;

  it('has one migration per SQLite migration, and refuses a database from a newer Newsdesk', async () => {
    const { MIGRATIONS } = await import('../../src/store/migrations.js');
    const { PG_MIGRATIONS } = await import('../../src/store/pgMigrations.js');
    expect(PG_MIGRATIONS).toHaveLength(MIGRATIONS.length);
    const db = pg.fresh();
    const s = await pg.open({ db });
    expect(await s.schemaVersion()).toBe(8);
    await pg.rows(s, 'UPDATE newsdesk_schema SET version = 99');
    await expect(pg.open({ db })).rejects.toThrow(
      `database schema version 99 is newer than this Newsdesk knows (${MIGRATIONS.length}); upgrade Newsdesk`,
    );
  });

  it('shares rate limits between processes: one member’s questions count on every host', async () => {
    const c = clock();
    const db = pg.fresh();
    const a = await pg.open({ db, now: c.now });
    const b = await pg.open({ db, now: c.now });
    expect(await a.limits!.take('u1', 2, 60_000)).toBe(0);
    expect(await b.limits!.take('u1', 2, 60_000)).toBe(0);
    expect(await a.limits!.take('u1', 2, 60_000)).toBe(60_000);
    expect(await b.limits!.take('u2', 2, 60_000)).toBe(0);
    // Many at once from both: exactly the limit gets through.
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).limits!.take('u3', 3, 60_000)));
    expect(burst.filter((w) => w === 0)).toHaveLength(3);
    c.advanceDays(1);
    expect(await b.limits!.take('u1', 2, 60_000)).toBe(0);
  });

  it('opens from many hosts at once on a new schema: one creates it, every host migrates and works', async () => {
    // Several rounds: the race between concurrent CREATE SCHEMA IF NOT EXISTS is a matter of timing.
    for (let round = 0; round < 4; round++) {
      const db = pg.fresh();
      const stores = await Promise.all(Array.from({ length: 5 }, () => pg.open({ db })));
      for (const s of stores) expect(await s.schemaVersion()).toBe(8);
    }
  });
  it('claims one digest once when two hosts race for the same scheduled run', async () => {
    const db = pg.fresh();
    const stores = await Promise.all([pg.open({ db }), pg.open({ db }), pg.open({ db })]);
    const claim = (s: (typeof stores)[number]) =>
      s.digests.claimRun({
        guildId: G,
        channelId: C,
        scheduleId: 1,
        articleIds: ['x'],
        skippedIds: [],
        options: {},
        runKey: 'schedule 1 at 2026-11-01T09:00:00.000Z',
      });
    const results = await Promise.all([...stores, ...stores].map(claim));
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.filter((r) => !r.claimed && r.why === 'taken')).toHaveLength(5);
  });
  it('leads again on a new session when the leader’s connection is cut, and keeps others out meanwhile', async () => {
    const db = pg.fresh();
    const [a, b] = [await pg.open({ db }), await pg.open({ db })];
    expect(await a.tryLead!()).toBe(true);
    expect(await b.tryLead!()).toBe(false);
    // The server drops a's session (a restart, a network cut): its locks go with it.
    await pg.rows(
      b,
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = 3 AND granted",
    );
    await expect
      .poll(() => pg.rows(b, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 3"))
      .toEqual([]);
    expect(await a.tryLead!()).toBe(true);
    expect(await b.tryLead!()).toBe(false);
    // a's pending digests still count as a live process's: its owner lock was taken again.
    await a.digests.beginRun({
      guildId: G,
      channelId: C,
      scheduleId: null,
      articleIds: ['x'],
      skippedIds: [],
      options: {},
    });
    expect(await b.digests.orphanedRuns()).toEqual([]);
  });

  it('elects one leader among processes, and another takes over once the leader is gone', async () => {
    const { Leadership } = await import('../../src/leadership.js');
    const { default: pino } = await import('pino');
    const db = pg.fresh();
    const stores = [await pg.open({ db }), await pg.open({ db })];
    const events: string[] = [];
    const elect = (i: number) =>
      new Leadership({
        tryLead: () => stores[i]!.tryLead!(),
        onLead: async () => void events.push(`lead ${i}`),
        onLose: () => void events.push(`lose ${i}`),
        logger: pino({ level: 'silent' }),
        retryMs: 50,
      });
    const [a, b] = [elect(0), elect(1)];
    await a.start();
    await b.start();
    expect([a.leading, b.leading]).toEqual([true, false]);
    // Checking again keeps it where it is.
    await a.tick();
    await b.tick();
    expect([a.leading, b.leading]).toEqual([true, false]);
    // The leader's process dies: its session, and so its lock, goes.
    a.stop();
    await stores[0]!.close();
    await expect.poll(() => b.leading, { timeout: 2000, interval: 20 }).toBe(true);
    expect(events).toEqual(['lead 0', 'lead 1']);
    b.stop();
  });
});
