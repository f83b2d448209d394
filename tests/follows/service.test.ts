import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NO_ALIASES } from '../../src/core/aliases.js';
import { NewsIndex } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';
import { FollowService, MemberGone, type FollowMessage } from '../../src/follows/service.js';
import { Store } from '../../src/store/store.js';

const G = '123456789012345678';
const article = (id: string, title: string, text: string): Article => ({
  id,
  title,
  tags: [],
  file: `${id}.md`,
  sections: [{ paragraphs: [text] }],
});
const ARTICLES = [
  article('dam-1', 'Dam inspection ends', 'Engineers finished inspecting the Tabqa dam on Friday.'),
  article('dam-2', 'Dam turbines repaired', 'Repairs to the turbines of the Tabqa dam were finished.'),
  article('dam-3', 'Dam level steady', 'The water level at the Tabqa dam was steady for a month.'),
  article('orchard', 'Apple harvest begins', 'Apple growers began picking a week early.'),
];

/** A store, a clock, an index over the articles, and a sender that records (or fails) each message. */
function setup(perDay = 5, fail?: (userId: string) => Error | undefined) {
  let t = Date.parse('2030-01-01T00:00:00Z');
  const now = () => new Date(t);
  const store = new Store({ path: ':memory:', now });
  const index = NewsIndex.build(ARTICLES, { aliases: NO_ALIASES, hash: 'follows' });
  const sent: Array<{ userId: string; message: FollowMessage }> = [];
  const service = new FollowService({
    store,
    index: () => index,
    sender: {
      send: async (_guildId, userId, message) => {
        const err = fail?.(userId);
        if (err) throw err;
        sent.push({ userId, message });
      },
    },
    digests: { runArrivals: async () => 0 },
    logger: pino({ level: 'silent' }),
    now,
    perDay,
    batchMs: 0,
  });
  const arrive = async (...ids: string[]) => {
    t += 60_000;
    await store.articles.markSeen(ids.map((id) => ({ id, file: `${id}.md` })));
  };
  return { store, service, sent, arrive, later: (ms: number) => (t += ms) };
}

describe('FollowService', () => {
  it('sends several arrivals in one message, each article once, nothing off the topic', async () => {
    const { store, service, sent, arrive } = setup();
    await store.follows.add({ guildId: G, userId: 'u1', topic: 'Tabqa dam' });
    await arrive('dam-1', 'dam-2', 'orchard');
    expect(await service.sweep()).toEqual({ messages: 1, dropped: 0, posted: 0 });
    expect(sent.map((s) => s.message.items.map((i) => i.articleId))).toEqual([['dam-1', 'dam-2']]);
    expect(await service.sweep()).toEqual({ messages: 0, dropped: 0, posted: 0 });
    await arrive('orchard');
    await service.sweep();
    expect(sent).toHaveLength(1);
  });

  it('holds articles past the daily limit until a day has passed', async () => {
    const { store, service, sent, arrive, later } = setup(1);
    await store.follows.add({ guildId: G, userId: 'u1', topic: 'Tabqa dam' });
    await arrive('dam-1');
    await service.sweep();
    await arrive('dam-2');
    expect((await service.sweep()).messages).toBe(0);
    later(86_400_000);
    expect((await service.sweep()).messages).toBe(1);
    expect(sent.map((s) => s.message.items.map((i) => i.articleId))).toEqual([['dam-1'], ['dam-2']]);
  });

  it('tries again after a passing failure, and drops a member who can’t be reached', async () => {
    let down = true;
    const { store, service, sent, arrive } = setup(5, (userId) =>
      userId === 'gone' ? new MemberGone('left the server (Discord error 10007)') : down ? new Error('503') : undefined,
    );
    await store.follows.add({ guildId: G, userId: 'u1', topic: 'Tabqa dam' });
    await store.follows.add({ guildId: G, userId: 'gone', topic: 'Tabqa dam' });
    await arrive('dam-3');
    expect(await service.sweep()).toEqual({ messages: 0, dropped: 1, posted: 0 });
    expect(await store.follows.sent(G, 'u1')).toEqual(new Set());
    expect((await store.follows.list(G)).map((f) => f.userId)).toEqual(['u1']);
    down = false;
    expect((await service.sweep()).messages).toBe(1);
    expect(sent.map((s) => [s.userId, s.message.items[0]!.sentence])).toEqual([
      ['u1', 'The water level at the Tabqa dam was steady for a month.'],
    ]);
  });
});
