import { describe, expect, it } from 'vitest';
import { overShards, shardWindow, type LogLine, type SentAsk } from '../../bench/liveShards.js';

// Log lines carry Date.now(); the bench's clock is performance.now(): offset = the first minus the second.
const offset = 1_000_000;
const loop = (shard: number | string, at: number, maxDelayMs: number, maxCpuMs: number | null = 5): LogLine => ({
  msg: 'event loop',
  shard,
  time: at + offset,
  maxDelayMs,
  maxCpuMs,
});
const ask = (shard: number, dispatchedAt: number, firstResponseMs?: number, statuses = [200]): SentAsk => ({
  shard,
  rec: { dispatchedAt, statuses, ...(firstResponseMs === undefined ? {} : { firstResponseMs }) },
});

describe('shardWindow', () => {
  const lines: LogLine[] = [
    loop(0, 1000, 300, 250), // the second before the window
    loop(0, 2500, 40, 12),
    loop(0, 4000, 90, 70),
    loop(0, 5800, 65, 60), // within a report interval after the window: covers its last second
    loop(0, 7000, 500, 400), // after that
    loop(1, 3000, 900, 800), // the other shard
    loop('manager', 3000, 700),
    { msg: 'answered', shard: 0, time: 3000 + offset, maxDelayMs: 999 },
  ];
  const sent: SentAsk[] = [
    ask(0, 1500, 20), // before
    ask(0, 2100, 35),
    ask(0, 3000, 3500), // answered too late: lost
    ask(0, 3500), // never answered: lost
    ask(0, 4000, 50, [404]), // the token gone: lost
    ask(0, 4500, 120),
    ask(1, 2500, 10), // the other shard
    ask(0, 5000, 10), // at the window's end: the next window's
  ];

  it("takes the shard's longest loop delay and own CPU, and its /ask, over the window only", () => {
    expect(shardWindow(lines, sent, 0, { from: 2000, to: 5000, offset })).toEqual({
      shard: 0,
      maxLoopStallMs: 90,
      maxLoopCpuMs: 70,
      maxFirstResponseMs: 3500,
      interactions: 5,
      lostInteractions: 3,
    });
  });

  it('has no stall figure when the shard logged none in the window', () => {
    const f = shardWindow(lines, sent, 1, { from: 4000, to: 5000, offset });
    expect(f).toMatchObject({ maxLoopStallMs: null, maxLoopCpuMs: null, interactions: 0, maxFirstResponseMs: 0 });
  });

  it('has no own-CPU figure when the shard had no clock for it', () => {
    const f = shardWindow([loop(0, 2500, 40, null)], [], 0, { from: 2000, to: 5000, offset });
    expect([f.maxLoopStallMs, f.maxLoopCpuMs]).toEqual([40, null]);
  });
});

describe('overShards', () => {
  const base = { scale: 10, backend: 'memory', event: 'add', articles: 6091, eventMs: 40_000, load: 0.5 } as const;
  const shard = (n: number, answerable: number | null, stall: number | null) => ({
    shard: n,
    addToAnswerableMs: answerable,
    deltaMs: answerable,
    maxLoopStallMs: stall,
    maxLoopCpuMs: stall,
    maxFirstResponseMs: 100 + n,
    interactions: 80 + n,
    lostInteractions: n,
  });

  it('reports the worst shard, and the sums of /ask and lost', () => {
    const f = overShards(base, [shard(0, 300, 40), shard(1, 700, 30)]);
    expect(f).toMatchObject({
      shards: 2,
      addToAnswerableMs: 700,
      maxLoopStallMs: 40,
      maxLoopCpuMs: 40,
      maxFirstResponseMs: 101,
      interactions: 161,
      lostInteractions: 1,
    });
    expect(f.perShard).toHaveLength(2);
  });

  it('has no figure when a shard has none (never answerable, no loop lines), and no answerable time for a rebuild', () => {
    expect(overShards(base, [shard(0, 300, 40), shard(1, null, null)])).toMatchObject({
      addToAnswerableMs: null,
      maxLoopStallMs: null,
    });
    expect(overShards({ ...base, event: 'rebuild' }, [shard(0, 300, 40), shard(1, 700, 30)]).addToAnswerableMs).toBe(
      null,
    );
  });
});
