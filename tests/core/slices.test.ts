import { describe, expect, it } from 'vitest';
import { finish, sliced } from '../../src/core/slices.js';

/** Steps that record each step taken (`name`:`i`) in `log`, and return `value`. */
function* counted<T>(name: string, n: number, log: string[], value: T): Generator<void, T> {
  for (let i = 0; i < n; i++) {
    log.push(`${name}:${i}`);
    yield;
  }
  return value;
}

/** A turn of the event loop: the immediates queued before it have run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('sliced', () => {
  it('gives what the steps return, as finish does', async () => {
    const log: string[] = [];
    expect(await sliced(counted('a', 5, log, 42))).toBe(42);
    expect(finish(counted('b', 5, log, 'done'))).toBe('done');
    expect(log).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'a:4', 'b:0', 'b:1', 'b:2', 'b:3', 'b:4']);
  });

  it('takes no step inside the call: the first waits for a turn of the event loop', async () => {
    const log: string[] = [];
    const run = sliced(counted('a', 3, log, null));
    // A caller's own work, and whatever its continuation does, is never one stretch with a step.
    expect(log).toEqual([]);
    await run;
    expect(log).toEqual(['a:0', 'a:1', 'a:2']);
  });

  it('runs every run to its end, whenever each started, and each gets its own value', async () => {
    const log: string[] = [];
    const first = sliced(counted('a', 200, log, 'a'));
    await turn();
    const second = sliced(counted('b', 200, log, 'b'));
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(log.filter((s) => s.startsWith('a:'))).toHaveLength(200);
    expect(log.filter((s) => s.startsWith('b:'))).toHaveLength(200);
    // Each run's steps in order.
    expect(log.filter((s) => s.startsWith('b:'))).toEqual(Array.from({ length: 200 }, (_, i) => `b:${i}`));
  });

  it('shares one budget a turn between runs, with the timers phase between turns', async () => {
    // The timers phase runs between two turns: the steps of one turn see the same count.
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const seen: number[] = [];
    function* slow(): Generator<void, void> {
      for (let i = 0; i < 4; i++) {
        const until = performance.now() + 6;
        while (performance.now() < until) {
          /* a step of 6 ms */
        }
        seen.push(turns);
        yield;
      }
    }
    try {
      // Two runs of four 6 ms steps and a budget of 8 ms a turn between them: two steps a turn at
      // most (a budget each would let both runs take two steps in the same turn: four).
      await Promise.all([sliced(slow()), sliced(slow())]);
    } finally {
      clearInterval(tick);
    }
    expect(seen).toHaveLength(8);
    const perTurn = new Map<number, number>();
    for (const t of seen) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(2);
    expect(perTurn.size).toBeGreaterThanOrEqual(4);
  });

  it('rejects a run whose step throws, and the others go on', async () => {
    const log: string[] = [];
    // eslint-disable-next-line require-yield
    function* failing(): Generator<void, never> {
      throw new Error('broken step');
    }
    const bad = sliced(failing());
    const good = sliced(counted('a', 50, log, 'ok'));
    await expect(bad).rejects.toThrow('broken step');
    expect(await good).toBe('ok');
    expect(log).toHaveLength(50);
  });

  it('takes a run started by another run’s step into the same line', async () => {
    const log: string[] = [];
    let inner: Promise<string> | undefined;
    function* outer(): Generator<void, string> {
      yield;
      inner = sliced(counted('inner', 3, log, 'inner'));
      yield;
      return 'outer';
    }
    expect(await sliced(outer())).toBe('outer');
    expect(await inner).toBe('inner');
    expect(log).toEqual(['inner:0', 'inner:1', 'inner:2']);
  });
});
