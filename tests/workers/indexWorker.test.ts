import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { answerQuestion } from '../../src/core/answer.js';
import { prepareIndex, type PrepareIndex } from '../../src/engine.js';
import {
  configureParsing,
  indexWorker,
  prepareInWorker,
  yieldIndexWorker,
} from '../../src/workers/indexWorkerClient.js';
import { tildeMarkdown } from './hostile.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const article = (id: string, title: string, body: string) => `${JSON.stringify({ id, title, body })}\n`;

function corpus() {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-worker-'));
  cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
  return { corpus: join(dir, 'corpus'), indexPath: join(dir, 'index.bin') };
}

describe('rebuilding in the index worker', () => {
  beforeAll(() => configureParsing({ PARSE_TIMEOUT_SECONDS: 1, PARSE_MEMORY_MB: 256 }));
  afterAll(() => indexWorker().close());

  it('skips a corpus file over the parse budget with a warning naming it, indexes the rest, and keeps the event loop free meanwhile', async () => {
    const paths = corpus();
    const archive = await Archive.open(paths);
    const before = archive.index.articles.length;
    writeFileSync(join(paths.corpus, 'flood.md'), tildeMarkdown());
    writeFileSync(
      join(paths.corpus, 'zeppelin.jsonl'),
      article('zeppelin', 'Zeppelin lands in Raqqa', 'A zeppelin landed in Raqqa on Tuesday, witnesses said.'),
    );
    // The longest gap between 10 ms ticks while the rebuild runs: in this thread, the flood
    // alone would hold the loop for 20 s and more; in the worker, only loading the result does.
    let last = performance.now();
    let longest = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = performance.now();
    const report = await archive.reindex();
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 30));
    clearInterval(timer);
    expect(report.warnings).toContainEqual({ file: 'flood.md', reason: 'took longer than 1 s to parse; skipped' });
    expect(report.articles).toBe(before + 1);
    expect(answerQuestion(archive.index, 'Where did the zeppelin land?').results[0]?.articleId).toBe('zeppelin');
    expect(ms).toBeGreaterThan(1000);
    // Generous for a loaded machine: the loop ticked all along.
    expect(longest).toBeLessThan(1000);
    expect(ticks).toBeGreaterThan(10);
    // Remembered: the next rebuild skips the file without spending the budget on it again.
    writeFileSync(
      join(paths.corpus, 'more.jsonl'),
      article('more', 'Ferry resumes', 'The ferry to Arwad resumed on Sunday.'),
    );
    const again = await archive.reindex();
    expect(again.warnings).toContainEqual({ file: 'flood.md', reason: 'took longer than 1 s to parse; skipped' });
    expect(again.articles).toBe(before + 2);
    await archive.close();
  }, 60_000);

  it('a reindex asked for during a rebuild runs again after it, so a change the running one missed is indexed', async () => {
    const paths = corpus();
    let hold: Promise<void> = Promise.resolve();
    // Prepared in this thread, then held: the running rebuild has listed the corpus before the change below.
    const prepare: PrepareIndex = async (options, force) => {
      const prepared = await prepareIndex(options, undefined, force);
      await hold;
      return prepared;
    };
    const archive = await Archive.open(paths, prepare);
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const first = archive.reindex();
    await new Promise((resolve) => setTimeout(resolve, 200));
    writeFileSync(
      join(paths.corpus, 'late.jsonl'),
      article('late', 'Late arrival', 'A late article about the Orontes river flood.'),
    );
    const second = archive.reindex();
    const third = archive.reindex();
    expect(third).toBe(second);
    release();
    hold = Promise.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(a.articles).toBe(5);
    expect(b.articles).toBe(6);
    expect(archive.index.articles.map((x) => x.id)).toContain('late');
    await archive.close();
  });
});

describe('yieldIndexWorker (the shard manager)', () => {
  /** The nice value of each of this process's threads (Linux), by thread id. */
  const threadNices = (): number[] =>
    readdirSync('/proc/self/task').map((t) =>
      Number(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
    );

  it.runIf(existsSync('/proc/self/task'))(
    'runs the index worker at nice 19 from its next job, the serving thread unchanged',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'newsdesk-nice-'));
      cpSync(new URL('../fixtures/seeds', import.meta.url).pathname, join(dir, 'corpus'), { recursive: true });
      const own = () => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ')[16]);
      const ownBefore = own();
      const before = threadNices().filter((n) => n === 19).length;
      yieldIndexWorker();
      await prepareInWorker({
        kind: 'shared',
        options: { corpus: join(dir, 'corpus'), indexPath: join(dir, 'i.bin') },
      });
      const nices = threadNices();
      // The worker and the parse thread it started for the job.
      expect(nices.filter((n) => n === 19).length).toBeGreaterThanOrEqual(before + 2);
      expect(own()).toBe(ownBefore);
    },
  );
});
