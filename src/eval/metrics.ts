/**
 * Article-level retrieval metrics for the MultiHop-RAG protocol
 * (see the benchmark README): R@5, R@10, MRR@10, nDCG@10 (binary gains,
 * IDCG over min(|G|, 10)), Hit@1, Hit@5, Hit@10, All@10. Ranks are 1-based;
 * missing slots count as non-relevant. Pure: no I/O.
 */

export const METRIC_KEYS = ['R@5', 'R@10', 'MRR@10', 'nDCG@10', 'Hit@1', 'Hit@5', 'Hit@10', 'All@10'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
export type Metrics = Record<MetricKey, number>;

export interface EvalQuery {
  id: string;
  type: string;
  gold: string[];
}

export interface EvalReport {
  /** Mean over all queries. */
  overall: Metrics;
  /** Mean per query `type`, with the number of queries of that type. */
  byType: Record<string, Metrics & { n: number }>;
  /** Number of queries scored. */
  n: number;
}

/** Distinct items of `ids` in order of first occurrence, at most `k`. */
function distinct(ids: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    if (out.length >= k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/**
 * Maps a ranked passage list (given as the article id of each passage) to the
 * ranked list of distinct articles, keeping each article's first (best) rank,
 * truncated to `k` articles.
 */
export function dedupeArticles(passageArticleIds: readonly string[], k = 10): string[] {
  return distinct(passageArticleIds, k);
}

function zeroMetrics(): Metrics {
  return { 'R@5': 0, 'R@10': 0, 'MRR@10': 0, 'nDCG@10': 0, 'Hit@1': 0, 'Hit@5': 0, 'Hit@10': 0, 'All@10': 0 };
}

/** Metrics of one question: `ranked` is the system's article list (deduplicated defensively here). */
export function scoreQuery(gold: readonly string[], ranked: readonly string[]): Metrics {
  const G = new Set(gold);
  const m = zeroMetrics();
  if (G.size === 0) return m;
  const L = distinct(ranked, 10);
  let hits5 = 0;
  let hits10 = 0;
  let firstRank = 0;
  let dcg = 0;
  for (let i = 0; i < L.length; i++) {
    if (!G.has(L[i]!)) continue;
    const rank = i + 1;
    if (firstRank === 0) firstRank = rank;
    if (rank <= 5) hits5++;
    hits10++;
    dcg += 1 / Math.log2(rank + 1);
  }
  let idcg = 0;
  for (let i = 1; i <= Math.min(G.size, 10); i++) idcg += 1 / Math.log2(i + 1);
  m['R@5'] = hits5 / G.size;
  m['R@10'] = hits10 / G.size;
  m['MRR@10'] = firstRank > 0 ? 1 / firstRank : 0;
  m['nDCG@10'] = dcg / idcg;
  m['Hit@1'] = firstRank === 1 ? 1 : 0;
  m['Hit@5'] = hits5 > 0 ? 1 : 0;
  m['Hit@10'] = hits10 > 0 ? 1 : 0;
  m['All@10'] = hits10 === G.size ? 1 : 0;
  return m;
}

function addInto(acc: Metrics, m: Metrics): void {
  for (const k of METRIC_KEYS) acc[k] += m[k];
}

function divide(acc: Metrics, n: number): Metrics {
  const out = zeroMetrics();
  if (n === 0) return out;
  for (const k of METRIC_KEYS) out[k] = acc[k] / n;
  return out;
}

/**
 * Scores a run against the gold queries. Every query is scored; a query with
 * no entry in `run` counts as an empty list (all zeros). Entries in `run` for
 * ids not among `queries` are ignored.
 */
export function scoreRun(queries: readonly EvalQuery[], run: ReadonlyMap<string, readonly string[]>): EvalReport {
  const total = zeroMetrics();
  const perType = new Map<string, { acc: Metrics; n: number }>();
  for (const q of queries) {
    const m = scoreQuery(q.gold, run.get(q.id) ?? []);
    addInto(total, m);
    let t = perType.get(q.type);
    if (!t) {
      t = { acc: zeroMetrics(), n: 0 };
      perType.set(q.type, t);
    }
    addInto(t.acc, m);
    t.n++;
  }
  const byType: Record<string, Metrics & { n: number }> = {};
  for (const type of [...perType.keys()].sort()) {
    const t = perType.get(type)!;
    byType[type] = { ...divide(t.acc, t.n), n: t.n };
  }
  return { overall: divide(total, queries.length), byType, n: queries.length };
}

/** `x` to 4 decimals, as printed in BASELINES.md. */
export function fmt4(x: number): string {
  return x.toFixed(4);
}

/** A Markdown section with the overall row and one row per type, 4 decimals. */
export function formatReport(report: EvalReport, title: string): string {
  const head = `| system | type (n) | ${METRIC_KEYS.join(' | ')} |`;
  const sep = `|---|---|${METRIC_KEYS.map(() => '---').join('|')}|`;
  const row = (label: string, m: Metrics) =>
    `| ${title} | ${label} | ${METRIC_KEYS.map((k) => fmt4(m[k])).join(' | ')} |`;
  const lines = [`### ${title}`, '', head, sep, row(`all (${report.n})`, report.overall)];
  for (const [type, m] of Object.entries(report.byType)) {
    lines.push(row(`${type.replace(/_query$/, '')} (${m.n})`, m));
  }
  return lines.join('\n') + '\n';
}
