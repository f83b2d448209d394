/**
 * Scores what users see: for each question, the answer the bot gave (refused, or its results
 * with their quoted excerpts) against the gold articles, answers and evidence. A refused
 * question misses everything. Figures come overall, per question type and per `named`. Pure.
 */
import { METRIC_KEYS, scoreQuery, type Metrics } from './metrics.js';
import type { EvalQuestion } from './questions.js';
import { endsMidSentence, holdsAnswer, quotesEvidence } from './quotes.js';

/** One result as shown: its article and its quote (none for a system that only ranks articles). */
export interface ShownResult {
  articleId: string;
  excerpt?: string;
  /** Source text right after the excerpt, for the mid-sentence check ('' when unknown). */
  after?: string;
}

/** What a system did with one question. */
export interface Outcome {
  refused: boolean;
  results: ShownResult[];
}

/** How many results a reader sees by default, for "answer in a top-3 excerpt". */
export const SHOWN_RESULTS = 3;

export interface GroupFigures extends Metrics {
  /** Answerable questions. */
  n: number;
  /** First result is a gold article and its excerpt holds an answer (null: no answers or no excerpts). */
  excerptAnswers: number | null;
  /** One of the first three results is a gold article whose excerpt holds an answer. */
  top3Answers: number | null;
  /** Share of gold articles in the top 10 whose excerpt quotes that article's evidence (null: no evidence). */
  evidenceQuoted: number | null;
  /** Gold articles in the top 10 that have evidence: the denominator of `evidenceQuoted`. */
  evidenceArticles: number;
  /** Share of answerable questions refused. */
  refused: number;
  refusedCount: number;
  /** Unanswerable questions of the group, and the share refused. */
  nullN: number;
  nullRefused: number | null;
  /** Excerpts among the first three results of answered questions, and how many stop mid-sentence. */
  excerpts: number;
  midSentence: number;
}

export interface ScoreReport {
  overall: GroupFigures;
  byType: Record<string, GroupFigures>;
  /** NewsQA only: `named` and `unnamed`. */
  byNamed: Record<string, GroupFigures>;
}

interface Acc {
  metrics: Metrics;
  n: number;
  answers: number;
  answersAsked: number;
  top3: number;
  evidenceHeld: number;
  evidenceArticles: number;
  refused: number;
  nullN: number;
  nullRefused: number;
  excerpts: number;
  midSentence: number;
}

const newAcc = (): Acc => ({
  metrics: Object.fromEntries(METRIC_KEYS.map((k) => [k, 0])) as Metrics,
  n: 0,
  answers: 0,
  answersAsked: 0,
  top3: 0,
  evidenceHeld: 0,
  evidenceArticles: 0,
  refused: 0,
  nullN: 0,
  nullRefused: 0,
  excerpts: 0,
  midSentence: 0,
});

/** The contribution of one question to its groups' figures. */
function scoreOne(q: EvalQuestion, o: Outcome, quotes: boolean, into: Acc[]): void {
  const shown = o.refused ? [] : o.results;
  let excerpts = 0;
  let mid = 0;
  for (const r of shown.slice(0, SHOWN_RESULTS)) {
    if (r.excerpt === undefined) continue;
    excerpts++;
    if (endsMidSentence(r.excerpt, r.after ?? '')) mid++;
  }
  if (q.gold.length === 0) {
    for (const acc of into) {
      acc.nullN++;
      if (o.refused) acc.nullRefused++;
      acc.excerpts += excerpts;
      acc.midSentence += mid;
    }
    return;
  }
  const gold = new Set(q.gold);
  const m = scoreQuery(
    q.gold,
    shown.map((r) => r.articleId),
  );
  const asked = q.answers.length > 0 && quotes;
  const answers = (r: ShownResult | undefined) =>
    r !== undefined && gold.has(r.articleId) && r.excerpt !== undefined && holdsAnswer(r.excerpt, q.answers);
  const first = asked && answers(shown[0]);
  const top3 = asked && shown.slice(0, SHOWN_RESULTS).some(answers);
  // Each gold article in the top 10 once, by its first (best) result.
  let evidenceArticles = 0;
  let evidenceHeld = 0;
  const seen = new Set<string>();
  for (const r of shown) {
    if (seen.size >= 10) break;
    if (seen.has(r.articleId)) continue;
    seen.add(r.articleId);
    const facts = q.evidence.filter((e) => e.articleId === r.articleId);
    if (!gold.has(r.articleId) || facts.length === 0 || r.excerpt === undefined) continue;
    evidenceArticles++;
    if (facts.some((f) => quotesEvidence(r.excerpt!, f.fact))) evidenceHeld++;
  }
  for (const acc of into) {
    acc.n++;
    for (const k of METRIC_KEYS) acc.metrics[k] += m[k];
    if (asked) acc.answersAsked++;
    if (first) acc.answers++;
    if (top3) acc.top3++;
    acc.evidenceArticles += evidenceArticles;
    acc.evidenceHeld += evidenceHeld;
    if (o.refused) acc.refused++;
    acc.excerpts += excerpts;
    acc.midSentence += mid;
  }
}

function figures(acc: Acc): GroupFigures {
  const per = (x: number, n: number) => (n > 0 ? x / n : 0);
  const metrics = Object.fromEntries(METRIC_KEYS.map((k) => [k, per(acc.metrics[k], acc.n)])) as Metrics;
  return {
    ...metrics,
    n: acc.n,
    excerptAnswers: acc.answersAsked > 0 ? acc.answers / acc.answersAsked : null,
    top3Answers: acc.answersAsked > 0 ? acc.top3 / acc.answersAsked : null,
    evidenceQuoted: acc.evidenceArticles > 0 ? acc.evidenceHeld / acc.evidenceArticles : null,
    evidenceArticles: acc.evidenceArticles,
    refused: per(acc.refused, acc.n),
    refusedCount: acc.refused,
    nullN: acc.nullN,
    nullRefused: acc.nullN > 0 ? acc.nullRefused / acc.nullN : null,
    excerpts: acc.excerpts,
    midSentence: acc.midSentence,
  };
}

/**
 * Scores every question's outcome (a question with no outcome counts as refused). `quotes`: the
 * system shows excerpts, so the excerpt figures apply to it.
 */
export function scoreOutcomes(
  questions: readonly EvalQuestion[],
  outcomes: ReadonlyMap<string, Outcome>,
  quotes = true,
): ScoreReport {
  const overall = newAcc();
  const byType = new Map<string, Acc>();
  const byNamed = new Map<string, Acc>();
  const group = (map: Map<string, Acc>, key: string) => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = newAcc()));
    return acc;
  };
  for (const q of questions) {
    const into = [overall, group(byType, q.type)];
    if (q.named !== undefined) into.push(group(byNamed, q.named ? 'named' : 'unnamed'));
    scoreOne(q, outcomes.get(q.id) ?? { refused: true, results: [] }, quotes, into);
  }
  const record = (map: Map<string, Acc>) =>
    Object.fromEntries([...map.keys()].sort().map((k) => [k, figures(map.get(k)!)]));
  return { overall: figures(overall), byType: record(byType), byNamed: record(byNamed) };
}
