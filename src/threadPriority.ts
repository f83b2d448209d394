import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The nice value a shard's threads other than its serving thread run at (see yieldOtherThreads).
 * 10, not 19: V8's helpers do part of each collection the serving thread waits on (a scavenge's
 * parallel tasks, a mark-compact's marking), and at 19 they weighed no more than other sessions'
 * evals at 19 (15 against 15, where nice 10 weighs 110 and nice 0 1,024), so the serving thread sat
 * blocked in a collection while they waited for a core. bench/liveShards.ts, SHARDS=2 at 10x,
 * alternating runs: the longest stall of a run (both shards, add and rebuild) 61-83 ms in 6 runs
 * at 10, 65-106 ms in 6 at 19 (two over 100), 112-132 ms in 3 with V8's own threads at 0 (load
 * 0.9-1.9; docs/measurements.md, thirteenth session).
 */
export const OTHER_THREADS_NICE = 10;

/**
 * Sets every thread of this process but the serving one (the main thread) to nice 10, now and
 * every `everyMs` after (threads start later: libuv's pool at its first file read, the parse
 * thread, V8's workers), so that on a busy machine the serving thread takes a core before its own
 * background work does: V8's concurrent marking, compiling, the delta's parse, the reload's reads.
 * Linux only (nice is per thread there, and /proc/self/task names the threads); elsewhere it does
 * nothing. Returns stop.
 *
 * Why (SHARDS=2 at 10x, bench/liveShards.ts, 2 cores): the longest stalls of a shard's event loop
 * were its serving thread waiting for a core while its own V8 helpers marked the heap at the start
 * of a reload (a 119 ms stall: 62 ms run, 63 waited, 241 ms of the process's CPU in it) and while
 * both shards' parse threads parsed the added file. See docs/measurements.md, "eleventh session".
 */
export function yieldOtherThreads(everyMs = 1000): () => void {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return () => {};
  }
  const niced = new Set<number>();
  const lower = (ids: readonly string[]) => {
    // A thread id is used again once its thread has ended.
    const present = new Set(ids.map(Number));
    for (const tid of niced) if (!present.has(tid)) niced.delete(tid);
    for (const t of ids) {
      const tid = Number(t);
      if (tid === process.pid || niced.has(tid)) continue;
      try {
        setPriority(tid, OTHER_THREADS_NICE);
        niced.add(tid);
      } catch {
        // The thread has ended, or this process may not change it: it runs as it did.
      }
    }
  };
  lower(tasks);
  const timer = setInterval(() => {
    try {
      lower(readdirSync('/proc/self/task'));
    } catch {
      // /proc went away: nothing to do.
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
