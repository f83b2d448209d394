import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { answerQuestion } from '../core/answer.js';
import { openEngine } from '../engine.js';
import { formatReport, scoreRun, type EvalQuery } from './metrics.js';

const USAGE = `Usage: npm run eval -- --corpus FILE|DIR --queries FILE [--nulls FILE] [--json] [--limit N]
  Scores Newsdesk's answers with the MultiHop-RAG article-level protocol (R@5, R@10, MRR@10,
  nDCG@10, Hit@1/5/10, All@10, per question type) and its refusal rates. --nulls defaults to
  null_queries.jsonl beside the queries file.`;

const QueryLine = z.object({ id: z.string(), question: z.string(), type: z.string().default('query'), gold: z.array(z.string()).default([]) });
type QueryLine = z.infer<typeof QueryLine>;

/** Reads a JSONL file of questions; a bad line stops the run with its line number. */
export function readQueries(path: string): QueryLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, no: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, no }) => {
      try {
        return QueryLine.parse(JSON.parse(line));
      } catch (err) {
        throw new Error(`${path}:${no}: not a question record (${(err as Error).message.split('\n')[0]})`);
      }
    });
}

export interface EvalOutcome {
  metrics: ReturnType<typeof scoreRun>;
  refusedAnswerable: number;
  refusedNull: number | null;
  questions: number;
  nullQuestions: number;
}

/** Runs every question through the answer path the bot uses and scores it. */
export async function evaluate(corpus: string, queries: QueryLine[], nulls: QueryLine[] | null): Promise<EvalOutcome> {
  const { index } = await openEngine({ corpus, indexPath: null });
  const run = new Map<string, string[]>();
  let refused = 0;
  for (const q of queries) {
    // Ranking is scored with refusals off, so a refused question still shows what was found.
    run.set(q.id, answerQuestion(index, q.question, { k: 10, refuse: false }).results.map((r) => r.articleId));
    if (!answerQuestion(index, q.question, { k: 1 }).answered) refused++;
  }
  const refusedNull = nulls ? nulls.filter((q) => !answerQuestion(index, q.question, { k: 1 }).answered).length : null;
  const gold: EvalQuery[] = queries.map((q) => ({ id: q.id, type: q.type, gold: q.gold }));
  return {
    metrics: scoreRun(gold, run),
    refusedAnswerable: refused / Math.max(1, queries.length),
    refusedNull: nulls ? refusedNull! / Math.max(1, nulls.length) : null,
    questions: queries.length,
    nullQuestions: nulls?.length ?? 0,
  };
}

export async function runEval(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      nulls: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
  });
  if (!values.corpus || !values.queries) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let queries = readQueries(values.queries);
  if (values.limit) queries = queries.slice(0, Number(values.limit));
  const nullsPath = values.nulls ?? join(dirname(values.queries), 'null_queries.jsonl');
  const nulls = existsSync(nullsPath) ? readQueries(nullsPath) : null;
  const outcome = await evaluate(values.corpus, queries, nulls);
  if (values.json) {
    const byType = Object.fromEntries(Object.entries(outcome.metrics.byType).map(([t, m]) => [t, m]));
    process.stdout.write(
      `${JSON.stringify({ ...outcome.metrics.overall, n: outcome.questions, byType, refusedAnswerable: outcome.refusedAnswerable, refusedNull: outcome.refusedNull, nullQuestions: outcome.nullQuestions })}\n`,
    );
    return 0;
  }
  process.stdout.write(formatReport(outcome.metrics, 'newsdesk'));
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(`\nRefused: ${pct(outcome.refusedAnswerable)} of ${outcome.questions} answerable questions`);
  process.stdout.write(outcome.refusedNull === null ? '\n' : `, ${pct(outcome.refusedNull)} of ${outcome.nullQuestions} unanswerable ones\n`);
  return 0;
}
