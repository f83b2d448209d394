import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  METRIC_KEYS,
  dedupeArticles,
  formatReport,
  scoreQuery,
  scoreRun,
  type EvalQuery,
  type Metrics,
} from '../../src/eval/metrics.js';

const FIX = fileURLToPath(new URL('../fixtures/multihop/', import.meta.url));

function readGzJsonl<T>(name: string): T[] {
  return gunzipSync(readFileSync(FIX + name))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

function loadRun(name: string): Map<string, string[]> {
  const rows = readGzJsonl<{ id: string; articles: string[] }>(`${name}.jsonl.gz`);
  return new Map(rows.map((r) => [r.id, r.articles]));
}

/** Rows from BASELINES.md, in METRIC_KEYS order. */
const row = (s: string): number[] =>
  s
    .trim()
    .split(/\s*\|\s*/)
    .map(Number);

const EXPECTED: Record<string, { overall: number[]; byType?: Record<string, number[]> }> = {
  fts5_article: {
    overall: row('0.6980 | 0.8519 | 0.8055 | 0.7291 | 0.6887 | 0.9672 | 0.9938 | 0.6492'),
    byType: {
      comparison_query: row('0.7603 | 0.8851 | 0.8263 | 0.7642 | 0.7220 | 0.9661 | 0.9965 | 0.7488'),
      inference_query: row('0.6070 | 0.7923 | 0.7922 | 0.6807 | 0.6654 | 0.9706 | 0.9926 | 0.4816'),
      temporal_query: row('0.7338 | 0.8865 | 0.7933 | 0.7451 | 0.6724 | 0.9640 | 0.9914 | 0.7376'),
    },
  },
  fts5_passage: {
    overall: row('0.6918 | 0.8109 | 0.8266 | 0.7311 | 0.7419 | 0.9384 | 0.9827 | 0.5814'),
    byType: {
      comparison_query: row('0.7638 | 0.8674 | 0.8367 | 0.7726 | 0.7535 | 0.9439 | 0.9895 | 0.7266'),
      inference_query: row('0.6053 | 0.7447 | 0.8289 | 0.6863 | 0.7402 | 0.9449 | 0.9792 | 0.4093'),
      temporal_query: row('0.7070 | 0.8205 | 0.8086 | 0.7328 | 0.7273 | 0.9211 | 0.9777 | 0.6089'),
    },
  },
  xapian_article: {
    overall: row('0.7029 | 0.8524 | 0.8096 | 0.7321 | 0.6936 | 0.9694 | 0.9938 | 0.6483'),
    byType: {
      comparison_query: row('0.7648 | 0.8814 | 0.8220 | 0.7625 | 0.7150 | 0.9661 | 0.9953 | 0.7430'),
      inference_query: row('0.6111 | 0.7986 | 0.8015 | 0.6875 | 0.6789 | 0.9730 | 0.9939 | 0.4865'),
      temporal_query: row('0.7404 | 0.8851 | 0.8026 | 0.7499 | 0.6827 | 0.9691 | 0.9914 | 0.7358'),
    },
  },
  xapian_passage: {
    overall: row('0.6945 | 0.8150 | 0.8255 | 0.7319 | 0.7401 | 0.9375 | 0.9805 | 0.5885'),
  },
};

const TYPE_COUNTS = { comparison_query: 856, inference_query: 816, temporal_query: 583 };

const printed = (m: Metrics): string[] => METRIC_KEYS.map((k) => m[k].toFixed(4));
const asPrinted = (xs: number[]): string[] => xs.map((x) => x.toFixed(4));

describe('reproduces BASELINES.md from baseline_runs', () => {
  const gold = readGzJsonl<EvalQuery>('gold.jsonl.gz');

  it('gold fixture is the full answerable set', () => {
    expect(gold).toHaveLength(2255);
    expect(new Set(gold.map((q) => q.id)).size).toBe(2255);
    for (const q of gold) expect(q.gold.length).toBeGreaterThanOrEqual(2);
  });

  for (const [name, exp] of Object.entries(EXPECTED)) {
    it(`${name}: overall${exp.byType ? ' and per type' : ''}`, () => {
      const run = loadRun(name);
      expect(run.size).toBe(2255);
      const rep = scoreRun(gold, run);
      expect(rep.n).toBe(2255);
      expect(printed(rep.overall)).toEqual(asPrinted(exp.overall));
      if (exp.byType) {
        expect(Object.keys(rep.byType).sort()).toEqual(Object.keys(exp.byType).sort());
        for (const [type, vals] of Object.entries(exp.byType)) {
          const m = rep.byType[type]!;
          expect(m.n).toBe(TYPE_COUNTS[type as keyof typeof TYPE_COUNTS]);
          expect(printed(m), `${name} ${type}`).toEqual(asPrinted(vals));
        }
      }
    });
  }

  it('formatReport prints the BASELINES.md numbers', () => {
    const md = formatReport(scoreRun(gold, loadRun('fts5_article')), 'FTS5 article');
    expect(md).toContain(
      '| FTS5 article | all (2255) | 0.6980 | 0.8519 | 0.8055 | 0.7291 | 0.6887 | 0.9672 | 0.9938 | 0.6492 |',
    );
    expect(md).toContain('| FTS5 article | inference (816) | 0.6070 | 0.7923 |');
  });
});

describe('scoreQuery on hand-made cases', () => {
  const L = (n: number) => Array.from({ length: n }, (_, i) => `x${i + 1}`);

  it('nDCG with 2 gold at ranks 1 and 3', () => {
    const m = scoreQuery(['a', 'b'], ['a', 'x', 'b', 'y']);
    expect(m['nDCG@10']).toBeCloseTo((1 + 1 / 2) / (1 + 1 / Math.log2(3)), 12);
    expect(m['R@5']).toBe(1);
    expect(m['R@10']).toBe(1);
    expect(m['MRR@10']).toBe(1);
    expect(m['Hit@1']).toBe(1);
    expect(m['All@10']).toBe(1);
  });

  it('recall, MRR and hits at the cut-offs', () => {
    // gold at rank 2, 6 and 11 (outside top 10)
    const run = L(12);
    run[1] = 'g1';
    run[5] = 'g2';
    run[10] = 'g3';
    const m = scoreQuery(['g1', 'g2', 'g3'], run);
    expect(m['R@5']).toBeCloseTo(1 / 3, 12);
    expect(m['R@10']).toBeCloseTo(2 / 3, 12);
    expect(m['MRR@10']).toBe(0.5);
    expect(m['Hit@1']).toBe(0);
    expect(m['Hit@5']).toBe(1);
    expect(m['Hit@10']).toBe(1);
    expect(m['All@10']).toBe(0);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m['nDCG@10']).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(7)) / idcg, 12);
  });

  it('first gold at rank 10 counts, at rank 11 does not', () => {
    const r10 = L(10);
    r10[9] = 'g';
    const m10 = scoreQuery(['g'], r10);
    expect(m10['MRR@10']).toBeCloseTo(0.1, 12);
    expect(m10['Hit@5']).toBe(0);
    expect(m10['Hit@10']).toBe(1);
    expect(m10['nDCG@10']).toBeCloseTo(1 / Math.log2(11), 12);
    const m11 = scoreQuery(['g'], [...L(10), 'g']);
    for (const k of METRIC_KEYS) expect(m11[k]).toBe(0);
  });

  it('perfect ranking scores 1 everywhere', () => {
    const m = scoreQuery(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd', 'x']);
    for (const k of METRIC_KEYS) expect(m[k]).toBeCloseTo(1, 12);
  });

  it('R@5 with 4 gold in ranks 3..6; IDCG over min(|G|,10)', () => {
    const m = scoreQuery(['a', 'b', 'c', 'd'], ['x', 'y', 'a', 'b', 'c', 'd']);
    expect(m['R@5']).toBe(0.75);
    expect(m['MRR@10']).toBeCloseTo(1 / 3, 12);
    const dcg = [3, 4, 5, 6].reduce((s, r) => s + 1 / Math.log2(r + 1), 0);
    const idcg = [1, 2, 3, 4].reduce((s, r) => s + 1 / Math.log2(r + 1), 0);
    expect(m['nDCG@10']).toBeCloseTo(dcg / idcg, 12);
  });

  it('more than 10 gold: IDCG is capped at 10 positions', () => {
    const gold = L(12);
    const m = scoreQuery(gold, gold);
    expect(m['nDCG@10']).toBeCloseTo(1, 12);
    expect(m['R@10']).toBeCloseTo(10 / 12, 12);
    expect(m['All@10']).toBe(0);
  });

  it('empty run scores 0', () => {
    const m = scoreQuery(['a', 'b'], []);
    for (const k of METRIC_KEYS) expect(m[k]).toBe(0);
  });

  it('fewer than k articles: missing slots are non-relevant', () => {
    const m = scoreQuery(['a', 'b'], ['x', 'a']);
    expect(m['R@5']).toBe(0.5);
    expect(m['R@10']).toBe(0.5);
    expect(m['MRR@10']).toBe(0.5);
    expect(m['Hit@1']).toBe(0);
    expect(m['All@10']).toBe(0);
    expect(m['nDCG@10']).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
  });

  it('duplicate ids are deduplicated, keeping the first rank', () => {
    // Without dedupe 'a' would count twice and 'b' would sit at rank 4.
    const dup = scoreQuery(['a', 'b'], ['x', 'a', 'a', 'b']);
    const clean = scoreQuery(['a', 'b'], ['x', 'a', 'b']);
    expect(dup).toEqual(clean);
    expect(dup['R@10']).toBe(1);
    // Duplicates do not take top-10 slots.
    const many = scoreQuery(['g'], ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'g']);
    expect(many['Hit@1']).toBe(0);
    expect(many['MRR@10']).toBe(0.5);
  });

  it('duplicate gold ids count once', () => {
    expect(scoreQuery(['a', 'a'], ['a'])['R@10']).toBe(1);
  });
});

describe('scoreRun', () => {
  const queries: EvalQuery[] = [
    { id: 'q1', type: 'comparison_query', gold: ['a', 'b'] },
    { id: 'q2', type: 'comparison_query', gold: ['c'] },
    { id: 'q3', type: 'inference_query', gold: ['d'] },
  ];

  it('averages overall and per type; a missing run entry scores 0', () => {
    const run = new Map([
      ['q1', ['a', 'b']],
      ['q3', ['x', 'd']],
      ['zz', ['a']], // not a query: ignored
    ]);
    const rep = scoreRun(queries, run);
    expect(rep.n).toBe(3);
    expect(rep.overall['Hit@10']).toBeCloseTo(2 / 3, 12);
    expect(rep.overall['MRR@10']).toBeCloseTo((1 + 0 + 0.5) / 3, 12);
    expect(rep.byType['comparison_query']!.n).toBe(2);
    expect(rep.byType['comparison_query']!['R@10']).toBe(0.5);
    expect(rep.byType['inference_query']!.n).toBe(1);
    expect(rep.byType['inference_query']!['Hit@1']).toBe(0);
    expect(Object.keys(rep.overall)).toEqual([...METRIC_KEYS]);
  });

  it('empty query set gives zeros, not NaN', () => {
    const rep = scoreRun([], new Map());
    expect(rep.n).toBe(0);
    for (const k of METRIC_KEYS) expect(rep.overall[k]).toBe(0);
    expect(rep.byType).toEqual({});
  });
});

describe('dedupeArticles', () => {
  it('keeps first occurrence in order, up to k', () => {
    expect(dedupeArticles(['a', 'b', 'a', 'c', 'b', 'd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(dedupeArticles(['a', 'b', 'a', 'c', 'b', 'd'], 2)).toEqual(['a', 'b']);
    expect(dedupeArticles([], 10)).toEqual([]);
    const many = Array.from({ length: 30 }, (_, i) => `d${i % 15}`);
    expect(dedupeArticles(many)).toHaveLength(10);
  });
});
