import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Question files of the two benchmarks, read into one shape. The format is told by each
 * record's fields: MultiHop-RAG has `question`, a `gold` list and `evidence`; NewsQA has `q`,
 * a `gold` article id (null when the archive cannot answer), `answers`, `qtype` and `named`.
 */
export interface EvalQuestion {
  id: string;
  question: string;
  /** Gold article ids; empty for a question the archive cannot answer. */
  gold: string[];
  /** Question type: MultiHop-RAG's `type`, NewsQA's `qtype`. */
  type: string;
  /** NewsQA: the question names something (a capitalised word after the first, or a digit). */
  named?: boolean;
  /** Answer strings that a quote holding the answer contains (NewsQA). */
  answers: string[];
  /** Sentences of the gold articles that support the answer (MultiHop-RAG). */
  evidence: Array<{ articleId: string; fact: string }>;
}

const MultiHopLine = z.object({
  id: z.string(),
  question: z.string(),
  type: z.string().default('query'),
  gold: z.array(z.string()).default([]),
  evidence: z.array(z.object({ article_id: z.string(), fact: z.string() })).default([]),
  answer: z.string().optional(),
});

/** MultiHop-RAG answers no quote holds as written: a yes or no of a comparison, or the null queries' verdict. */
const NOT_QUOTABLE = /^(yes|no|insufficient information)\.?$/i;

const NewsQaLine = z.object({
  id: z.string(),
  q: z.string(),
  gold: z.string().nullable(),
  answers: z.array(z.string()).default([]),
  qtype: z.string().default('other'),
  named: z.boolean().optional(),
});

/** One record of either format, or the reason it is neither. */
export function parseQuestion(record: unknown): EvalQuestion {
  if (record !== null && typeof record === 'object' && 'q' in record) {
    const r = NewsQaLine.parse(record);
    return {
      id: r.id,
      question: r.q,
      gold: r.gold === null ? [] : [r.gold],
      type: r.qtype,
      ...(r.named === undefined ? {} : { named: r.named }),
      answers: r.answers,
      evidence: [],
    };
  }
  const r = MultiHopLine.parse(record);
  return {
    id: r.id,
    question: r.question,
    gold: r.gold,
    type: r.type,
    // Its answer (a name, a date, a number) counts when a quote holds it; a yes or a no never does.
    answers: r.answer !== undefined && r.answer.trim() !== '' && !NOT_QUOTABLE.test(r.answer.trim()) ? [r.answer] : [],
    evidence: r.evidence.map((e) => ({ articleId: e.article_id, fact: e.fact })),
  };
}

/** The questions of a JSONL text; a bad line stops the run with its line number. */
export function parseQuestions(name: string, text: string): EvalQuestion[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, no: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, no }) => {
      try {
        return parseQuestion(JSON.parse(line));
      } catch (err) {
        throw new Error(`${name}:${no}: not a question record (${(err as Error).message.split('\n')[0]})`);
      }
    });
}

/** Which half a question falls in, stable by its id alone: tune on one half, check on the other. */
export function halfOf(id: string): 'a' | 'b' {
  return (createHash('sha256').update(id).digest()[0]! & 1) === 0 ? 'a' : 'b';
}
