import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Run in a process of its own: the test process's threads would stay at nice 10 for the files
 * after this one (a process without privileges cannot raise them again).
 */
const SCRIPT = (module: string) => `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
const { yieldOtherThreads } = await import(${JSON.stringify(module)});
const nices = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) =>
  [t, Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16])]));
const start = () => new Promise((resolve) => {
  const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
  w.on('online', () => resolve(w));
});
const first = await start();
const before = nices();
// Checks every 500 ms: the second worker comes online before the next check (at 50 ms the check could come first).
const stop = yieldOtherThreads(500);
const after = nices();
// A thread started later: lowered at the next check.
const second = await start();
const started = nices();
await new Promise((r) => setTimeout(r, 700));
const later = nices();
stop();
await first.terminate();
await second.terminate();
console.log(JSON.stringify({ pid: process.pid, before, after, started, later }));
`;

describe('yieldOtherThreads (a shard)', () => {
  it.runIf(existsSync('/proc/self/task') && process.env.NEWSDESK_TEST_BUILD !== undefined)(
    'runs every thread but the serving one at nice 10, threads started later too',
    () => {
      const module = pathToFileURL(join(process.env.NEWSDESK_TEST_BUILD!, 'src', 'threadPriority.js')).href;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT(module)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      type Nices = Record<string, number>;
      const r = JSON.parse(run.stdout) as { pid: number; before: Nices; after: Nices; started: Nices; later: Nices };
      const main = String(r.pid);
      const others = (n: Nices) => Object.entries(n).filter(([t]) => t !== main);
      // The process starts at its own nice, every thread alike.
      expect(others(r.before).every(([, n]) => n === r.before[main])).toBe(true);
      expect(others(r.before).length).toBeGreaterThan(1);
      expect(r.after[main]).toBe(r.before[main]);
      expect(others(r.after).every(([, n]) => n === 10)).toBe(true);
      // The second worker's thread started at the serving thread's nice, then was lowered.
      const fresh = Object.keys(r.started).filter((t) => !(t in r.after));
      expect(fresh.length).toBeGreaterThan(0);
      expect(fresh.some((t) => r.started[t] === r.before[main])).toBe(true);
      expect(fresh.filter((t) => t in r.later).every((t) => r.later[t] === 10)).toBe(true);
      expect(r.later[main]).toBe(r.before[main]);
    },
  );
});
