/**
 * How long the serving event loop stalls while the archive rebuilds: a corpus of one JSON file
 * per article (MultiHop-RAG by default, replicated `--scale-factor` times under new ids) is
 * indexed, then one article is added and `Archive.reindex` runs while the loop's delay is
 * sampled (perf_hooks.monitorEventLoopDelay, plus a 10 ms timer's longest gap). On Linux it also
 * reports the most CPU the serving thread spent between two ticks (maxLoopCpuMs, from
 * /proc/thread-self/schedstat): the stall this process causes itself, without the time other
 * processes on a busy machine took the core from it. And this thread's garbage collections meanwhile
 * (perf_hooks 'gc' entries): the longest, and the time of all that took over 5 ms: what remains of the
 * stall once the load's own steps are short (scavenges of the new index's objects, 12-50 ms at 10×).
 *
 *   npx tsx bench/rebuild-stall.ts [--corpus corpus.jsonl] [--scale-factor N] [--json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { threadCpuClock } from '../src/loopMonitor.js';
import { parseArgs } from 'node:util';
import { Archive } from '../src/archive.js';

const usage = (): never => {
  process.stderr.write('usage: npx tsx bench/rebuild-stall.ts --corpus corpus.jsonl [--scale-factor N] [--json]\n');
  process.exit(2);
};
// An unknown option (--help among them) gets the usage line, not a stack trace.
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        corpus: { type: 'string' },
        'scale-factor': { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch {
    return usage();
  }
})();
const scale = Number(values['scale-factor']);
const corpusFile = values.corpus ?? usage();
if (!Number.isInteger(scale) || scale < 1) usage();
const records = readFileSync(corpusFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown> & { id: string });
const dir = mkdtempSync(join(tmpdir(), 'newsdesk-stall-'));
const corpus = join(dir, 'corpus');
mkdirSync(corpus);
for (let k = 0; k < scale; k++)
  for (const r of records) {
    const id = k === 0 ? r.id : `${r.id}-x${k}`;
    writeFileSync(join(corpus, `${id}.json`), JSON.stringify({ ...r, id }));
  }
try {
  const t0 = performance.now();
  const archive = await Archive.open({ corpus, indexPath: join(dir, 'index.bin') });
  const openMs = performance.now() - t0;
  const first = records[0]!;
  writeFileSync(
    join(corpus, 'added-one.json'),
    JSON.stringify({ ...first, id: 'added-one', title: 'A freshly added article' }),
  );
  const h = monitorEventLoopDelay({ resolution: 10 });
  const cpuMs = threadCpuClock() ?? (() => NaN);
  let last = performance.now();
  let lastCpu = cpuMs();
  let maxGap = 0;
  let maxCpu = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMs();
    maxGap = Math.max(maxGap, now - last);
    maxCpu = Math.max(maxCpu, cpu - lastCpu);
    last = now;
    lastCpu = cpu;
  }, 10);
  let longestGc = 0;
  let gcOver5 = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      longestGc = Math.max(longestGc, e.duration);
      if (e.duration > 5) gcOver5 += e.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  h.enable();
  const t1 = performance.now();
  const report = await archive.reindex();
  const reindexMs = performance.now() - t1;
  // A stall shows only when the next tick fires: let one more come before reading the figures.
  await new Promise((resolve) => setTimeout(resolve, 50));
  h.disable();
  gc.disconnect();
  clearInterval(tick);
  const result = {
    scale,
    articles: report.articles,
    openMs: Math.round(openMs),
    reindexMs: Math.round(reindexMs),
    maxLoopStallMs: Math.round(h.max / 1e6),
    maxTimerGapMs: Math.round(maxGap),
    maxLoopCpuMs: Number.isNaN(maxCpu) ? null : Math.round(maxCpu),
    longestGcMs: Math.round(longestGc),
    gcOver5Ms: Math.round(gcOver5),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
  process.stdout.write(
    values.json
      ? `${JSON.stringify(result)}\n`
      : `${Object.entries(result)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}\n`,
  );
  await archive.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
