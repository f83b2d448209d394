import { describe, expect, it } from 'vitest';
import { threadCpuClock, watchEventLoop, type LoopReport } from '../src/loopMonitor.js';

/** Holds this thread for `ms` of its own CPU (of wall time where there is no CPU clock). */
function spin(ms: number): void {
  const cpu = threadCpuClock() ?? (() => performance.now());
  const until = cpu() + ms;
  while (cpu() < until);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchEventLoop', () => {
  it('reports a stall of this thread in the window it happened in, and starts each window afresh', async () => {
    const reports: LoopReport[] = [];
    const stop = watchEventLoop((r) => reports.push(r), { everyMs: 200 });
    try {
      await sleep(250);
      const before = reports.length;
      spin(150);
      await sleep(700);
      const stalled = reports.slice(before);
      expect(Math.max(...stalled.map((r) => r.maxDelayMs))).toBeGreaterThanOrEqual(140);
      // The CPU was this thread's own: its clock says so (Linux), however busy the machine.
      if (threadCpuClock()) expect(Math.max(...stalled.map((r) => r.maxCpuMs ?? 0))).toBeGreaterThanOrEqual(140);
      // The windows after the stall's do not carry it.
      expect(stalled.slice(1).some((r) => r.maxDelayMs < 140)).toBe(true);
    } finally {
      stop();
    }
  });

  it('reports no own CPU without a thread clock, and nothing once stopped', async () => {
    const reports: LoopReport[] = [];
    const stop = watchEventLoop((r) => reports.push(r), { everyMs: 50, cpu: null });
    await sleep(180);
    stop();
    const count = reports.length;
    expect(count).toBeGreaterThan(0);
    expect(reports.every((r) => r.maxCpuMs === null && Number.isInteger(r.maxDelayMs))).toBe(true);
    await sleep(120);
    expect(reports.length).toBe(count);
  });
});
