import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { UsageError } from '../../src/commandLine.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { evaluate, formatEval, runEval, type EvalRun } from '../../src/eval/cli.js';
import { halfOf, parseQuestion, parseQuestions } from '../../src/eval/questions.js';
import { endsMidSentence, holdsAnswer, normaliseQuote, quotesEvidence, textAfter } from '../../src/eval/quotes.js';
import { scoreOutcomes, type Outcome } from '../../src/eval/score.js';

describe('question files', () => {
  it('reads a NewsQA record: one gold article, answers, qtype and named; a null gold is unanswerable', () => {
    expect(
      parseQuestion({ id: 'n1', q: 'Who won?', gold: 'a1', answers: ['the team'], qtype: 'who', named: false }),
    ).toEqual({
      id: 'n1',
      question: 'Who won?',
      gold: ['a1'],
      type: 'who',
      named: false,
      answers: ['the team'],
      evidence: [],
    });
    const unanswerable = parseQuestion({
      id: 'n2',
      q: 'Where?',
      gold: null,
      answers: ['x'],
      absent_story: 's',
      qtype: 'where',
      names_in_corpus: true,
    });
    expect(unanswerable.gold).toEqual([]);
    expect(unanswerable.named).toBeUndefined();
  });

  it('reads a MultiHop-RAG record with its evidence facts by article', () => {
    const q = parseQuestion({
      id: 'q1',
      question: 'Did both report it?',
      type: 'comparison_query',
      answer: 'Yes',
      gold: ['d1', 'd2'],
      evidence: [{ article_id: 'd1', title: 't', source: 's', published_at: null, fact: 'A fact.' }],
    });
    expect(q).toEqual({
      id: 'q1',
      question: 'Did both report it?',
      gold: ['d1', 'd2'],
      type: 'comparison_query',
      answers: [],
      evidence: [{ articleId: 'd1', fact: 'A fact.' }],
    });
  });

  it("counts a MultiHop-RAG answer a quote can hold, never a yes, a no or the null queries' verdict", () => {
    const record = (answer: string) =>
      parseQuestion({ id: 'q', question: 'Who?', type: 'inference_query', answer, gold: ['d1'], evidence: [] });
    expect(record('Sam Bankman-Fried').answers).toEqual(['Sam Bankman-Fried']);
    for (const answer of ['Yes', 'no', 'Insufficient information.', ' ']) expect(record(answer).answers).toEqual([]);
  });

  it('names the file and line of a record that is neither format', () => {
    expect(() => parseQuestions('qs.jsonl', '{"id":"a","q":"x","gold":"g"}\n\n{"id":"b"}\n')).toThrow(
      /^qs\.jsonl:3: not a question record/,
    );
  });

  it('splits questions into two stable halves by id', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `id-${i}`);
    const a = ids.filter((id) => halfOf(id) === 'a').length;
    expect(a).toBeGreaterThan(900);
    expect(a).toBeLessThan(1100);
    expect(ids.map(halfOf)).toEqual(ids.map(halfOf));
    expect(halfOf('q0000')).toBe(halfOf('q0000'));
  });
});

describe('what an excerpt holds', () => {
  it('finds an answer case-insensitively, with white space collapsed and curly quotes folded', () => {
    expect(normaliseQuote('  The “Big”\n  Dog’s  ')).toBe('the "big" dog\'s');
    expect(holdsAnswer('He said the  Blue\nRiver’s banks burst.', ["blue river's banks"])).toBe(true);
    expect(holdsAnswer('He said the river burst.', ['blue river', ''])).toBe(false);
  });

  it('counts evidence as quoted when the fact is inside or a run of 8 words is shared', () => {
    const fact = 'The committee voted on Tuesday to approve the new budget for schools.';
    expect(quotesEvidence(`Officials said: ${fact} Then they left.`, fact)).toBe(true);
    // Eight consecutive words of the fact, in other surroundings.
    expect(quotesEvidence('Reports say the committee voted on Tuesday to approve the new plan.', fact)).toBe(true);
    // Only seven.
    expect(quotesEvidence('Reports say the committee voted on Tuesday to approve a plan.', fact)).toBe(false);
  });

  it('sees an excerpt that stops at an abbreviation or before a lower-case word as cut mid-sentence', () => {
    expect(endsMidSentence('Officials met with U.S.')).toBe(true);
    expect(endsMidSentence('The bill was backed by Sen.')).toBe(true);
    expect(endsMidSentence('It was Smith vs.')).toBe(true);
    expect(endsMidSentence('The match ended.', ' and then they left')).toBe(true);
    expect(endsMidSentence('The match ended.', ' Then they left.')).toBe(false);
    // At the end of a paragraph, "U.S." ends the sentence.
    expect(endsMidSentence('They moved to the U.S.', '\n\nNext paragraph')).toBe(false);
    // Cut on purpose.
    expect(endsMidSentence('They moved to the…')).toBe(false);
  });

  it('finds the text after an excerpt in its source, line breaks and ellipses aside', () => {
    expect(textAfter('One two.\nThree four five. Six.', '…two. Three four…')).toBe(' five. Six.');
    expect(textAfter('abc', 'not there')).toBe('');
  });
});

describe('scoring what users see', () => {
  const qs = [
    parseQuestion({ id: 'a', q: 'Who?', gold: 'd1', answers: ['Ann Lee'], qtype: 'who', named: true }),
    parseQuestion({ id: 'b', q: 'When?', gold: 'd2', answers: ['May 4'], qtype: 'when', named: false }),
    parseQuestion({ id: 'c', q: 'What?', gold: 'd3', answers: ['a cat'], qtype: 'what', named: false }),
    parseQuestion({ id: 'n', q: 'Where?', gold: null, answers: ['x'], qtype: 'where' }),
  ];
  const outcomes = new Map<string, Outcome>([
    [
      'a',
      {
        refused: false,
        results: [
          { articleId: 'd1', excerpt: 'Said Ann  Lee.' },
          { articleId: 'd9', excerpt: 'x' },
        ],
      },
    ],
    [
      'b',
      {
        refused: false,
        results: [
          { articleId: 'd7', excerpt: 'no' },
          { articleId: 'd2', excerpt: 'On May 4 it rained.' },
        ],
      },
    ],
    // Refused: the gold article listed here must not count.
    ['c', { refused: true, results: [{ articleId: 'd3', excerpt: 'a cat' }] }],
    ['n', { refused: true, results: [] }],
  ]);

  it('scores the first excerpt, any of the top three, and refusals; a refused question misses everything', () => {
    const r = scoreOutcomes(qs, outcomes);
    expect(r.overall).toMatchObject({
      n: 3,
      'Hit@1': 1 / 3,
      'R@10': 2 / 3,
      excerptAnswers: 1 / 3,
      top3Answers: 2 / 3,
      refusedCount: 1,
      nullN: 1,
      nullRefused: 1,
    });
    expect(r.byType.when).toMatchObject({ n: 1, 'Hit@1': 0, 'MRR@10': 0.5, excerptAnswers: 0, top3Answers: 1 });
    expect(r.byNamed).toEqual({
      named: expect.objectContaining({ n: 1, excerptAnswers: 1 }),
      unnamed: expect.objectContaining({ n: 2, refused: 0.5 }),
    });
    expect(r.byType.where).toMatchObject({ n: 0, nullN: 1, nullRefused: 1 });
    // A system without quotes has no excerpt figures.
    expect(scoreOutcomes(qs, outcomes, false).overall.excerptAnswers).toBeNull();
  });

  it('counts evidence quoted per gold article in the top 10, by its first result', () => {
    const q = parseQuestion({
      id: 'm',
      question: 'q',
      type: 't',
      gold: ['d1', 'd2', 'd3'],
      evidence: [
        { article_id: 'd1', fact: 'alpha beta gamma.' },
        { article_id: 'd2', fact: 'delta epsilon.' },
        { article_id: 'd3', fact: 'zeta.' },
      ],
    });
    const o: Outcome = {
      refused: false,
      results: [
        { articleId: 'd1', excerpt: 'So alpha beta gamma.' },
        { articleId: 'd2', excerpt: 'nothing here' },
        // A later result of the same article does not count again.
        { articleId: 'd1', excerpt: 'x' },
        { articleId: 'd8', excerpt: 'delta epsilon.' },
      ],
    };
    expect(scoreOutcomes([q], new Map([['m', o]])).overall).toMatchObject({ evidenceQuoted: 0.5, evidenceArticles: 2 });
  });
});

describe('npm run eval on a tiny archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = join(dir, 'corpus.jsonl');
  const articles = [
    {
      id: 'a1',
      title: 'Harbor bridge reopens after repairs',
      body: 'The harbor bridge reopened on Monday after two years of repairs.\n\nThe work cost $40 million, the U.S. Department of Transportation said.',
    },
    {
      id: 'a2',
      title: 'Orchard owners fight frost',
      body: 'Orchard owners lit fires overnight to protect the apple blossoms.\n\nFrost had destroyed half the crop last spring.',
    },
    {
      id: 'a3',
      title: 'Library opens new wing',
      body: 'The city library opened a new wing for children on Saturday.\n\nMayor Ruiz cut the ribbon.',
    },
  ];
  writeFileSync(corpus, `${articles.map((a) => JSON.stringify({ ...a, source: 'Test' })).join('\n')}\n`);
  const questions = join(dir, 'questions.jsonl');
  const rows = [
    {
      id: 'x1',
      q: 'How much did the harbor bridge repairs cost?',
      gold: 'a1',
      answers: ['$40 million'],
      qtype: 'how-many',
      named: false,
    },
    {
      id: 'x2',
      q: 'What did orchard owners light to protect apple blossoms?',
      gold: 'a2',
      answers: ['fires'],
      qtype: 'what',
      named: false,
    },
    {
      id: 'x3',
      q: 'Who cut the ribbon at the library wing?',
      gold: 'a3',
      answers: ['Mayor Ruiz'],
      qtype: 'who',
      named: false,
    },
  ];
  writeFileSync(questions, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(
    join(dir, 'null.jsonl'),
    `${JSON.stringify({ id: 'z1', q: 'Which volcano erupted in Iceland last week?', gold: null, answers: ['Hekla'], qtype: 'which', names_in_corpus: false })}\n`,
  );

  it('scores Newsdesk beside the FTS5 reference, from the NewsQA format, with its null file found beside', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await runEval(['--corpus', corpus, '--queries', questions, '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const run = JSON.parse(out.join('')) as EvalRun;
    expect(run).toMatchObject({ questions: 3, nullQuestions: 1, half: null });
    expect(Object.keys(run.systems)).toEqual(['newsdesk', 'newsdesk-ranking', 'fts5-articles', 'fts5-paragraphs']);
    expect(run.systems.newsdesk!.overall).toMatchObject({
      n: 3,
      'Hit@1': 1,
      excerptAnswers: 1,
      refusedCount: 0,
      nullN: 1,
      nullRefused: 1,
    });
    expect(run.systems['fts5-articles']!.overall).toMatchObject({ 'Hit@1': 1, excerptAnswers: null });
    expect(run.systems['fts5-paragraphs']!.overall.excerptAnswers).toBe(1);
    expect(Object.keys(run.systems.newsdesk!.byType)).toEqual(['how-many', 'what', 'which', 'who']);
    expect(formatEval(run)).toContain('| newsdesk | all (3+1) | 1.0000 |');
  });

  it('keeps one half of the questions with --half, and the two halves make the whole', async () => {
    const all = [...parseQuestions('q', rowsText(rows))];
    const a = await evaluate(corpus, all, { reference: false, half: 'a' });
    const b = await evaluate(corpus, all, { reference: false, half: 'b' });
    expect(a.questions + b.questions).toBe(3);
    expect(a.questions).toBe(rows.filter((r) => halfOf(r.id) === 'a').length);
    expect(Object.keys(a.systems)).toEqual(['newsdesk', 'newsdesk-ranking']);
  });

  it('refuses bad options with a short message and no run', async () => {
    await expect(runEval(['--corpus', corpus, '--queries', questions, '--half', 'c'])).rejects.toThrow(
      new UsageError('--half must be a or b'),
    );
    await expect(runEval(['--corpus', corpus, '--queries', join(dir, 'nope.jsonl')])).rejects.toThrow(
      new UsageError(`--queries: no such file or directory: ${join(dir, 'nope.jsonl')}`),
    );
  });
});

function rowsText(rows: object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n');
}
