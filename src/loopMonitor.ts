import { existsSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One window of a thread's event loop (see watchEventLoop). */
export interface LoopReport {
  /** perf_hooks.monitorEventLoopDelay's longest delay over the window. */
  maxDelayMs: number;
  /**
   * The thread's own CPU between two ticks, the most over the window: a stall this thread caused,
   * which other processes on a busy machine do not inflate (null where the clock is missing).
   */
  maxCpuMs: number | null;
}

/** The calling thread's CPU time in ms (Linux: /proc/thread-self/schedstat), or null where there is none. */
export function threadCpuClock(): (() => number) | null {
  const schedstat = '/proc/thread-self/schedstat';
  return existsSync(schedstat) ? () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6 : null;
}

/**
 * Measures the calling thread's event loop and reports every `everyMs` its longest delay and its
 * longest own-CPU tick (every `tickMs`) since the last report: what a serving process logs at
 * debug level, so that a stall in a shard process can be told from one outside it. Returns stop.
 */
export function watchEventLoop(
  report: (r: LoopReport) => void,
  options: { everyMs?: number; tickMs?: number; cpu?: (() => number) | null } = {},
): () => void {
  const { everyMs = 1000, tickMs = 10 } = options;
  const cpu = options.cpu === undefined ? threadCpuClock() : options.cpu;
  const delay = monitorEventLoopDelay({ resolution: tickMs });
  delay.enable();
  let last = cpu?.() ?? 0;
  let maxCpu = 0;
  // The tick's own longest gap too: a window's reset of the histogram can fall between a stall
  // and the histogram's sample of it (both due in the same timers phase), and lose the stall.
  let lastWall = performance.now();
  let maxGap = 0;
  const tick = setInterval(() => {
    const wall = performance.now();
    maxGap = Math.max(maxGap, wall - lastWall - tickMs);
    lastWall = wall;
    if (!cpu) return;
    const now = cpu();
    maxCpu = Math.max(maxCpu, now - last);
    last = now;
  }, tickMs);
  const window = setInterval(() => {
    // The histogram's max is 0 until it has a sample, and its clock's own resolution otherwise.
    report({
      maxDelayMs: Math.round(Math.max(delay.max / 1e6, maxGap)),
      maxCpuMs: cpu ? Math.round(maxCpu) : null,
    });
    delay.reset();
    maxCpu = 0;
    maxGap = 0;
  }, everyMs);
  // Measuring never keeps a process alive.
  tick.unref();
  window.unref();
  return () => {
    clearInterval(tick);
    clearInterval(window);
    delay.disable();
  };
}
