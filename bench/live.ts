/**
 * The live archive under load: the bot on the local Discord double (real discord.js client, the
 * bot's own handlers) gets an /ask every 250 ms while one article is added to a corpus of one JSON
 * file per article (replicated `scale` times under new ids) and the archive takes it in: first as
 * a delta, then through the full rebuild in the index worker. Reports how soon the added article
 * is the first answer to a question about it, the longest event-loop stall meanwhile
 * (perf_hooks.monitorEventLoopDelay; on Linux also the serving thread's own CPU between two 10 ms
 * ticks, which a busy machine's other processes do not inflate), and the /ask that Discord would
 * have lost (no response within its 3 s).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { Archive } from '../src/archive.js';
import { answerQuestion } from '../src/core/answer.js';
import { attachHandlers, createClient } from '../src/discord/bot.js';
import { Store } from '../src/store/store.js';
import { startDiscordDouble, type InteractionRecord } from '../tests/discord/double/server.js';

export interface LiveFigures {
  scale: number;
  articles: number;
  /** From writing the new file to the archive answering a question about it with it first. */
  addToAnswerableMs: number | null;
  /** The full rebuild that follows (in the index worker, then loaded in slices). */
  rebuildMs: number;
  maxLoopStallMs: number;
  /** The serving thread's own CPU between two ticks (null where /proc/thread-self/schedstat is missing). */
  maxLoopCpuMs: number | null;
  interactions: number;
  lostInteractions: number;
}

/** The article added, with words no MultiHop-RAG article has, and the question that finds it. */
export const ADDED = {
  id: 'live-added-article',
  title: 'Zorblax festival opens in Quillmoor',
  body: 'The zorblax festival opened in Quillmoor on Saturday. Organisers said twelve thousand visitors came to see the glass boats.',
  source: 'Live Bench',
  published: '2024-01-06T10:00:00Z',
};
export const ADDED_QUESTION = 'Where did the zorblax festival open?';

export type CorpusRecord = Record<string, unknown> & { id: string };

/** Reads a corpus.jsonl (id, title, body, …). */
export function readRecords(path: string): CorpusRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusRecord);
}

/** Writes one JSON file per article into `corpus`, the records replicated `scale` times under new ids. */
export function writeScaledCorpus(records: readonly CorpusRecord[], scale: number, corpus: string): void {
  mkdirSync(corpus, { recursive: true });
  for (let k = 0; k < scale; k++) {
    for (const r of records) {
      const id = k === 0 ? r.id : `${r.id}-x${k}`;
      writeFileSync(join(corpus, `${id}.json`), JSON.stringify({ ...r, id }));
    }
  }
}

/** The serving thread's CPU time in ms (Linux), else NaN. */
function threadCpu(): () => number {
  const schedstat = '/proc/thread-self/schedstat';
  return existsSync(schedstat) ? () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6 : () => NaN;
}

/** Adds one article to a `scale`× corpus while the bot answers /ask on the double; see the top of this file. */
export async function measureLive(
  records: readonly CorpusRecord[],
  scale: number,
  questions: readonly string[],
  log: (m: string) => void = () => {},
): Promise<LiveFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-live-'));
  const corpus = join(dir, 'corpus');
  writeScaledCorpus(records, scale, corpus);
  const discord = await startDiscordDouble();
  const store = new Store({ path: ':memory:' });
  let archive: Archive | null = null;
  const client = createClient({
    rest: { api: discord.apiBase },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
  });
  try {
    const opened = performance.now();
    archive = await Archive.open({ corpus, indexPath: join(dir, 'index.bin') });
    const live = archive;
    // As the bot does when it watches the corpus: the delta's parse thread is started before any change.
    await live.warm();
    log(
      `live ${scale}x: ${live.index.articles.length} articles opened in ${Math.round(performance.now() - opened)} ms`,
    );
    attachHandlers(client, {
      index: () => live.index,
      reindex: () => Promise.reject(new Error('not in the benchmark')),
      logger: pino({ level: 'silent' }),
      store,
      answerResults: 3,
      rateLimit: { questions: 1_000_000, windowMs: 1000 },
    });
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    await client.login('bench-token');
    await ready;

    const sent: InteractionRecord[] = [];
    let q = 0;
    const traffic = setInterval(() => {
      const question = questions[q++ % questions.length]!;
      sent.push(
        discord.runSlashCommand('ask', [
          { type: ApplicationCommandOptionType.String, name: 'question', value: question.slice(0, 1000) },
        ]),
      );
    }, 250);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const cpu = threadCpu();
    let lastCpu = cpu();
    let maxCpu = 0;
    const tick = setInterval(() => {
      const now = cpu();
      maxCpu = Math.max(maxCpu, now - lastCpu);
      lastCpu = now;
    }, 10);
    delay.enable();
    // A second of traffic before the change, so a stall at its start shows.
    await new Promise((r) => setTimeout(r, 1000));
    const added = performance.now();
    writeFileSync(join(corpus, `${ADDED.id}.json`), JSON.stringify(ADDED));
    // Named, as the watcher names what it saw change (without it every file's stamp is checked).
    const rebuild = live.reindex([`${ADDED.id}.json`]);
    let addToAnswerableMs: number | null = null;
    for (let polled = 0; addToAnswerableMs === null && performance.now() - added < 120_000; polled++) {
      if (answerQuestion(live.index, ADDED_QUESTION, { k: 3 }).results[0]?.articleId === ADDED.id)
        addToAnswerableMs = performance.now() - added;
      else await new Promise((r) => setTimeout(r, 10));
    }
    await rebuild;
    const rebuildMs = performance.now() - added;
    // The rebuilt index must answer it too; then a second more of traffic.
    if (answerQuestion(live.index, ADDED_QUESTION, { k: 3 }).results[0]?.articleId !== ADDED.id)
      addToAnswerableMs = null;
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(traffic);
    await discord
      .waitFor(
        () => sent.every((r) => r.statuses.length > 0 || performance.now() - r.dispatchedAt > 4000),
        15_000,
        'the last answers',
      )
      .catch(() => {});
    delay.disable();
    clearInterval(tick);
    const lost = sent.filter(
      (r) => r.firstResponseMs === undefined || r.firstResponseMs > 3000 || r.statuses.includes(404),
    ).length;
    return {
      scale,
      articles: live.index.articles.length,
      addToAnswerableMs: addToAnswerableMs === null ? null : Math.round(addToAnswerableMs),
      rebuildMs: Math.round(rebuildMs),
      maxLoopStallMs: Math.round(delay.max / 1e6),
      maxLoopCpuMs: Number.isNaN(maxCpu) ? null : Math.round(maxCpu),
      interactions: sent.length,
      lostInteractions: lost,
    };
  } finally {
    await client.destroy();
    await discord.close();
    await archive?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The live section of the bench tables (empty when the run was skipped). */
export function formatLive(figures: readonly LiveFigures[]): string {
  if (figures.length === 0) return '';
  return [
    '',
    '## Live archive: one article added during /ask traffic (every 250 ms) on the Discord double',
    '',
    '| scale | articles | added → answerable ms | full rebuild ms | longest stall ms | own CPU ms | /ask | lost |',
    '|---|---|---|---|---|---|---|---|',
    ...figures.map(
      (f) =>
        `| ${f.scale}× | ${f.articles} | ${f.addToAnswerableMs ?? '–'} | ${f.rebuildMs} | ${f.maxLoopStallMs} | ${f.maxLoopCpuMs ?? '–'} | ${f.interactions} | ${f.lostInteractions} |`,
    ),
    '',
  ].join('\n');
}

/**
 * The command line of the live benches (this file and liveShards.ts): `--corpus corpus.jsonl
 * --queries queries.jsonl [--scale-factor N]`, the data's paths required (it is not in the
 * repository). Exits with 2 and one line when they are missing.
 */
export async function liveArgs(
  script: string,
): Promise<{ records: CorpusRecord[]; scale: number; questions: string[] }> {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      'scale-factor': { type: 'string', default: '1' },
    },
  });
  const scale = Number(values['scale-factor']);
  if (!values.corpus || !values.queries || !Number.isInteger(scale) || scale < 1) {
    process.stderr.write(
      `usage: npx tsx bench/${script} --corpus corpus.jsonl --queries queries.jsonl [--scale-factor N]\n`,
    );
    process.exit(2);
  }
  const questions = readRecords(values.queries)
    .slice(0, 200)
    .map((q) => String(q.question ?? q.query));
  return { records: readRecords(values.corpus), scale, questions };
}

/** `npx tsx bench/live.ts --corpus corpus.jsonl --queries queries.jsonl [--scale-factor N]`: one live run, JSON on stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { records, scale, questions } = await liveArgs('live.ts');
  const figures = await measureLive(records, scale, questions, (m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
