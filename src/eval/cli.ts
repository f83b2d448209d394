import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, callerPath, intFlag, parseFlags } from '../commandLine.js';
import { answerQuestion, type Answer } from '../core/answer.js';
import type { AnswerIndex } from '../core/answerIndex.js';
import type { Article } from '../core/types.js';
import { loadCorpus } from '../corpus.js';
import { openEngine } from '../engine.js';
import { Fts5Paragraphs, SqliteFts5Peer } from './fts5.js';
import { fmt4 } from './metrics.js';
import type { BenchArticle } from './peer.js';
import { halfOf, parseQuestions, type EvalQuestion } from './questions.js';
import { textAfter } from './quotes.js';
import { scoreOutcomes, type GroupFigures, type Outcome, type ScoreReport } from './score.js';

export const EVAL_USAGE = `Usage: npm run eval -- --corpus FILE|DIR --queries FILE [--nulls FILE] [--half a|b]
                      [--reference fts5|none] [--backend memory|sqlite] [--json] [--limit N]
                      [--details FILE] [--help]
  Runs every question through the bot's answer path (refusals on, 10 results) and scores what a
  user sees: the articles (Hit@1 = top-1, R@5, R@10, MRR@10, nDCG@10, All@10), the quoted
  excerpts (excerpt answers, answer in a top-3 excerpt; evidence quoted for MultiHop-RAG) and
  the refusals, overall, per question type and per "named". Reads MultiHop-RAG and NewsQA
  question files. --nulls defaults to null_queries.jsonl or null.jsonl beside the queries file.
  --half keeps one half of the questions, split by a hash of their id. --reference fts5 (the
  default) adds SQLite FTS5 over whole articles and over paragraphs to the table. --details FILE
  writes each question's outcome as JSON lines. --backend sqlite answers from the disk-backed
  backend (SEARCH_BACKEND=sqlite; an archive file in memory here) instead of the in-memory index. Question files are JSONL; the README (Measuring)
  says which data sets they come from and the fields read.`;

/** The systems a run scores, in table order. */
export type SystemName = 'newsdesk' | 'newsdesk-ranking' | 'fts5-articles' | 'fts5-paragraphs';

export interface EvalRun {
  questions: number;
  nullQuestions: number;
  half: 'a' | 'b' | null;
  systems: Partial<Record<SystemName, ScoreReport>>;
}

export interface EvalOptions {
  reference: boolean;
  half: 'a' | 'b' | null;
  /** Which search backend answers (SEARCH_BACKEND); memory unless given. */
  backend?: 'memory' | 'sqlite';
  /** Called with each question's outcome per system, for --details. */
  onOutcome?: (system: SystemName, q: EvalQuestion, o: Outcome) => void;
}

/** An article's text as the parser read it, paragraphs apart, to find what follows an excerpt. */
function sourceText(a: Article): string {
  return [a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])]
    .filter((t) => t !== '')
    .join('\n\n');
}

function outcomeOf(answer: Answer, sources: ReadonlyMap<string, string>): Outcome {
  return {
    refused: !answer.answered,
    results: answer.results.map((r) => ({
      articleId: r.articleId,
      excerpt: r.excerpt,
      after: textAfter(sources.get(r.articleId) ?? '', r.excerpt),
    })),
  };
}

/** Articles for the FTS5 reference: a JSONL file's records as they are (as BASELINES.md indexed them), else the parsed articles. */
function referenceArticles(corpus: string, parsed: Article[]): BenchArticle[] {
  if (corpus.endsWith('.jsonl')) {
    return readFileSync(corpus, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; title: string; body: string })
      .map((r) => ({ id: r.id, title: r.title, body: r.body }));
  }
  return parsed.map((a) => ({ id: a.id, title: a.title, body: a.sections.flatMap((s) => s.paragraphs).join('\n\n') }));
}

/** Runs every question through each system and scores the outcomes. */
export async function evaluate(
  corpus: string,
  questions: readonly EvalQuestion[],
  options: EvalOptions,
): Promise<EvalRun> {
  const index: AnswerIndex =
    options.backend === 'sqlite'
      ? (await (await import('../search/sqlite.js')).openSqliteCorpus({ corpus, path: ':memory:' })).index
      : (await openEngine({ corpus, indexPath: null })).index;
  const { articles } = await loadCorpus(corpus);
  const sources = new Map(articles.map((a) => [a.id, sourceText(a)]));
  const kept = options.half ? questions.filter((q) => halfOf(q.id) === options.half) : [...questions];
  const runs: Array<[SystemName, (q: string) => Outcome, boolean]> = [
    // What users get: refusals on, the bot's own cut of weak later results.
    ['newsdesk', (q) => outcomeOf(answerQuestion(index, q, { k: 10 }), sources), true],
    // The ranking alone, as the bench scores it: nothing refused, every result kept.
    ['newsdesk-ranking', (q) => outcomeOf(answerQuestion(index, q, { k: 10, refuse: false }), sources), true],
  ];
  const closers: Array<() => void> = [];
  if (options.reference) {
    const ref = referenceArticles(corpus, articles);
    const whole = new SqliteFts5Peer();
    whole.build(ref);
    const paragraphs = new Fts5Paragraphs(ref);
    closers.push(
      () => whole.close(),
      () => paragraphs.close(),
    );
    runs.push([
      'fts5-articles',
      (q) => ({ refused: false, results: whole.search(q, 10).map((articleId) => ({ articleId })) }),
      false,
    ]);
    runs.push([
      'fts5-paragraphs',
      (q) => ({
        refused: false,
        results: paragraphs.search(q, 10).map((h) => ({ articleId: h.articleId, excerpt: h.paragraph, after: '' })),
      }),
      true,
    ]);
  }
  const systems: EvalRun['systems'] = {};
  try {
    for (const [name, run, quotes] of runs) {
      const outcomes = new Map<string, Outcome>();
      for (const q of kept) {
        const o = run(q.question);
        outcomes.set(q.id, o);
        options.onOutcome?.(name, q, o);
      }
      systems[name] = scoreOutcomes(kept, outcomes, quotes);
    }
  } finally {
    for (const close of closers) close();
  }
  const nullQuestions = kept.filter((q) => q.gold.length === 0).length;
  return { questions: kept.length - nullQuestions, nullQuestions, half: options.half, systems };
}

const pct = (x: number | null) => (x === null ? '–' : fmt4(x));

const COLUMNS: Array<[string, (f: GroupFigures) => string]> = [
  ['top-1', (f) => fmt4(f['Hit@1'])],
  ['R@5', (f) => fmt4(f['R@5'])],
  ['R@10', (f) => fmt4(f['R@10'])],
  ['MRR@10', (f) => fmt4(f['MRR@10'])],
  ['nDCG@10', (f) => fmt4(f['nDCG@10'])],
  ['All@10', (f) => fmt4(f['All@10'])],
  ['excerpt answers', (f) => pct(f.excerptAnswers)],
  ['top-3 excerpt', (f) => pct(f.top3Answers)],
  ['evidence quoted', (f) => pct(f.evidenceQuoted)],
  ['refused', (f) => (f.n > 0 ? `${f.refusedCount}/${f.n}` : '–')],
  ['null refused', (f) => (f.nullN > 0 ? `${Math.round(f.nullRefused! * f.nullN)}/${f.nullN}` : '–')],
  ['mid-sentence', (f) => (f.excerpts > 0 ? `${f.midSentence}/${f.excerpts}` : '–')],
];

/** The run as Markdown tables: every system overall, then per type and per `named`. */
export function formatEval(run: EvalRun): string {
  const head = `| system | group (n) | ${COLUMNS.map(([c]) => c).join(' | ')} |\n|---|---|${COLUMNS.map(() => '---').join('|')}|`;
  // A group of unanswerable questions only has nothing to rank: its cells stay empty but the refusals.
  const cellOf = (f: GroupFigures, name: string, cell: (f: GroupFigures) => string) =>
    f.n === 0 && !/null|mid/.test(name) ? '–' : cell(f);
  const row = (system: string, group: string, f: GroupFigures) =>
    `| ${system} | ${group} (${f.n}+${f.nullN}) | ${COLUMNS.map(([name, cell]) => cellOf(f, name, cell)).join(' | ')} |`;
  const entries = Object.entries(run.systems) as Array<[SystemName, ScoreReport]>;
  const out = [
    `### ${run.half ? `half ${run.half}: ` : ''}${run.questions} answerable + ${run.nullQuestions} unanswerable questions`,
    '',
    head,
    ...entries.map(([name, r]) => row(name, 'all', r.overall)),
  ];
  for (const [title, pick] of [
    ['type', (r: ScoreReport) => r.byType],
    ['named', (r: ScoreReport) => r.byNamed],
  ] as const) {
    const rows = entries.flatMap(([name, r]) => Object.entries(pick(r)).map(([g, f]) => row(name, g, f)));
    if (rows.length > 0) out.push('', `By ${title}:`, '', head, ...rows);
  }
  out.push('', 'n = answerable+unanswerable; figures over the answerable ones; a refused question misses everything.');
  return `${out.join('\n')}\n`;
}

function defaultNulls(queries: string): string | null {
  for (const name of ['null_queries.jsonl', 'null.jsonl']) {
    const path = join(dirname(queries), name);
    if (path !== queries && existsSync(path)) return path;
  }
  return null;
}

export async function runEval(argv: string[]): Promise<number> {
  const { values: flags } = parseFlags({
    args: argv,
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      nulls: { type: 'string' },
      half: { type: 'string' },
      reference: { type: 'string', default: 'fts5' },
      backend: { type: 'string', default: 'memory' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      details: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (flags.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (!flags.corpus || !flags.queries) throw new UsageError('give --corpus and --queries (see --help)');
  if (flags.half !== undefined && flags.half !== 'a' && flags.half !== 'b')
    throw new UsageError('--half must be a or b');
  if (flags.reference !== 'fts5' && flags.reference !== 'none')
    throw new UsageError('--reference must be fts5 or none');
  if (flags.backend !== 'memory' && flags.backend !== 'sqlite')
    throw new UsageError('--backend must be memory or sqlite');
  const limit = flags.limit === undefined ? Infinity : intFlag('--limit', flags.limit, 1, Number.MAX_SAFE_INTEGER);
  // Paths are the caller's, not the package root's (npm runs scripts from the root).
  const values = {
    ...flags,
    corpus: callerPath(flags.corpus),
    queries: callerPath(flags.queries),
    ...(flags.nulls !== undefined ? { nulls: callerPath(flags.nulls) } : {}),
    ...(flags.details !== undefined ? { details: callerPath(flags.details) } : {}),
  };
  for (const [flag, given, path] of [
    ['--corpus', flags.corpus, values.corpus],
    ['--queries', flags.queries, values.queries],
    ['--nulls', flags.nulls, values.nulls],
  ] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag}: no such file or directory: ${given}`);
  }
  const read = (path: string) => parseQuestions(path, readFileSync(path, 'utf8'));
  const answerable = read(values.queries).slice(0, limit);
  const nullsPath = values.nulls ?? defaultNulls(values.queries);
  const nulls = nullsPath ? read(nullsPath).map((q) => ({ ...q, gold: [] })) : [];
  const details: string[] = [];
  const run = await evaluate(values.corpus, [...answerable, ...nulls], {
    reference: values.reference === 'fts5',
    backend: values.backend as 'memory' | 'sqlite',
    half: (values.half as 'a' | 'b' | undefined) ?? null,
    ...(values.details
      ? { onOutcome: (system, q, o) => details.push(JSON.stringify({ system, id: q.id, ...o })) }
      : {}),
  });
  if (values.details) writeFileSync(values.details, `${details.join('\n')}\n`);
  process.stdout.write(values.json ? `${JSON.stringify(run)}\n` : formatEval(run));
  return 0;
}
