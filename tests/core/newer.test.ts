import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, quoteArticle } from '../../src/core/answer.js';
import { askedTime } from '../../src/core/dates.js';
import { DEFAULT_NEWER, carryProfiles, heldProfiles, newerArticles, profileOf } from '../../src/core/newer.js';
import type { NewsIndex } from '../../src/core/search.js';
import { openEngine } from '../../src/engine.js';
import { answerJson, renderAnswerText } from '../../src/render/text.js';
import { NEWER_ID, OLDER_ID, newerCorpus } from '../fixtures/newer/corpus.js';

const NOW = new Date('2020-01-10T12:00:00Z');

describe('time-aware answers', () => {
  let index: NewsIndex;
  const at = (id: string) => index.articles.findIndex((a) => a.id === id);
  beforeAll(async () => {
    index = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
  });

  it('finds the later article on the same subject, and none for an undated or unrelated one', () => {
    const found = newerArticles(index, [at(OLDER_ID)], new Set());
    expect(found.get(at(OLDER_ID))).toEqual({
      articleId: NEWER_ID,
      title: 'Syria, the hunt for Isis leaders after al-Baghdadi’s death reaches Hasaka and Manbij',
      published: '2019-12-04',
    });
    // Nothing is newer than the newest; an undated article has no "later".
    expect(newerArticles(index, [at(NEWER_ID), at('003_673823d6fb807e77')], new Set()).size).toBe(0);
    // An article the answer quotes already is never proposed.
    expect(newerArticles(index, [at(OLDER_ID)], new Set([at(NEWER_ID)])).size).toBe(0);
  });

  it('keeps what a note reads per index: the notes are those worked out afresh, whatever the answer quotes', () => {
    const numbers = index.articles.map((_, a) => a);
    // A copy of the options is never kept (see followsOf): it works every note out afresh.
    const afresh = { ...DEFAULT_NEWER };
    let noted = 0;
    for (const a of numbers)
      for (const skip of [new Set<number>(), ...numbers.filter((b) => b !== a).map((b) => new Set([a, b]))]) {
        // Asked twice: the second is read from what the first kept.
        for (let i = 0; i < 2; i++)
          expect(newerArticles(index, [a], skip)).toEqual(newerArticles(index, [a], skip, afresh));
        noted += newerArticles(index, [a], skip).size;
      }
    expect(noted).toBeGreaterThan(0);
  });

  it('notes the newer article under a quote of the older one, with asOf, in text and JSON', () => {
    const answer = answerQuestion(index, 'Which Isis leaders fled after the death of al-Baghdadi?', { k: 1, now: NOW });
    expect(answer.results.map((r) => r.articleId)).toEqual([OLDER_ID]);
    expect(answer.results[0]!.newer?.articleId).toBe(NEWER_ID);
    expect(answer.asOf).toBe('2019-10-29');
    const text = renderAnswerText(answer);
    expect(text).toContain(
      'Newer in the archive: Syria, the hunt for Isis leaders after al-Baghdadi’s death reaches Hasaka and Manbij, 2019-12-04',
    );
    expect(text).toContain('\n   2019-10-29\n');
    const json = answerJson(answer) as { asOf: string; results: Array<{ published: string; newer: unknown }> };
    expect(json.asOf).toBe('2019-10-29');
    expect(json.results[0]).toMatchObject({
      published: '2019-10-29',
      newer: { articleId: NEWER_ID, published: '2019-12-04' },
    });
  });

  it('works out again over a rebuilt index what answers worked out over the old one, answering as a cold index', async () => {
    const question = 'Which Isis leaders fled after the death of al-Baghdadi?';
    const rebuilt = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    const cold = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    // Nothing worked out over a fresh index: nothing to carry.
    expect([...carryProfiles(cold, rebuilt)]).toHaveLength(0);
    answerQuestion(index, question, { k: 1, now: NOW });
    // A step for each profile the answer worked out (the quoted article's, and its candidates').
    expect([...carryProfiles(index, rebuilt)].length).toBeGreaterThan(1);
    expect(answerQuestion(rebuilt, question, { k: 1, now: NOW })).toEqual(
      answerQuestion(cold, question, { k: 1, now: NOW }),
    );
  });

  it('keeps profiles in their order of use, and carries the most recently used over a rebuild', async () => {
    const fresh = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    const [first, second] = [0, 1];
    profileOf(fresh, first, DEFAULT_NEWER);
    profileOf(fresh, second, DEFAULT_NEWER);
    // Used again: it moves after the other, which would be let go first.
    profileOf(fresh, first, DEFAULT_NEWER);
    expect(heldProfiles(fresh)).toEqual([second, first]);
    // With room for one, the one used last is carried; with room for all, all, in the same order.
    const one = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    expect([...carryProfiles(fresh, one, 1)]).toHaveLength(1);
    expect(heldProfiles(one)).toEqual([one.articleNumber(fresh.article(first).id)]);
    const all = (await openEngine({ corpus: newerCorpus(), indexPath: null })).index;
    expect([...carryProfiles(fresh, all)]).toHaveLength(2);
    expect(heldProfiles(all).map((a) => all.article(a).id)).toEqual([second, first].map((a) => fresh.article(a).id));
  });

  it('says "undated" for an article without a date', () => {
    const answer = answerQuestion(index, 'Who is Sadam al-Jamal?', { k: 1, now: NOW });
    expect(answer.results[0]!.published).toBeUndefined();
    expect(renderAnswerText(answer).split('\n')[1]).toBe('   undated');
  });

  it('puts the newer article first when the question asks for the latest', () => {
    const plain = answerQuestion(index, 'Which Isis leaders fled after al-Baghdadi’s death?', { now: NOW });
    const latest = answerQuestion(index, 'Which Isis leaders fled after al-Baghdadi’s death, latest?', { now: NOW });
    expect(plain.results[0]!.articleId).toBe(OLDER_ID);
    expect(latest.results[0]!.articleId).toBe(NEWER_ID);
    expect(latest.results.map((r) => r.articleId)).toContain(OLDER_ID);
  });

  it('prefers a period asked by date, keeps to one counted back from now when anything matches', () => {
    const december = answerQuestion(index, 'Who is hunting the Isis leaders since December 2019?', {
      now: NOW,
      refuse: false,
    });
    expect(december.results[0]!.articleId).toBe(NEWER_ID);
    // "last month" from 20 December 2019: since 20 November, when only the newer article came out.
    const december20 = new Date('2019-12-20T12:00:00Z');
    const lastMonth = answerQuestion(index, 'Which Isis leaders fled, last month?', { now: december20, refuse: false });
    expect(lastMonth.results.map((r) => r.articleId)).toEqual([NEWER_ID]);
    // Nothing from the last week: answered from every date rather than refused over a date.
    const lastWeek = answerQuestion(index, 'Which Isis leaders fled, last week?', { now: december20, refuse: false });
    expect(lastWeek.results.length).toBeGreaterThan(1);
  });

  it('quotes one article for a question (the newer-article button)', () => {
    const quoted = quoteArticle(index, 'Which Isis leaders fled after the death of al-Baghdadi?', at(NEWER_ID))!;
    expect(quoted.results.map((r) => r.articleId)).toEqual([NEWER_ID]);
    expect(quoted.results[0]!.excerpt).toMatch(/Baghdadi/);
    expect(quoted.asOf).toBe('2019-12-04');
    expect(quoteArticle(index, 'anything', index.articles.length)).toBeUndefined();
  });
});

describe('askedTime', () => {
  const now = new Date('2026-11-30T06:00:00Z');
  it.each([
    ['What happened in 2019?', { recent: false, from: '2019-01-01', to: '2020-01-01', text: 'in 2019', strict: false }],
    ['what happened last week in Syria', { from: '2026-11-23', to: '2026-12-01', text: 'last week', strict: true }],
    ['since March, who fled', { from: '2026-03-01', to: '9999-12-31', text: 'since March', strict: false }],
    ['before October 22, 2023', { from: '0000-01-01', to: '2023-10-22', text: 'before October 22, 2023' }],
    ['after October 4 and before November 1', { from: '2026-10-05', to: '2026-11-01' }],
    [
      'Is Baghdadi still alive now?',
      {
        recent: true,
        spans: [],
        recentSpans: [
          [12, 17],
          [24, 27],
        ],
      },
    ],
    ['What is the latest on Idlib?', { recent: true, recentSpans: [[12, 18]] }],
    ['Who fled last week?', { spans: [[9, 18]], strict: true }],
  ])('%s', (question, expected) => {
    expect(askedTime(question, now)).toMatchObject(expected);
  });

  it.each([
    // A named event is not a date; a day named plainly is a day to prefer, not a period; "may" is a verb;
    // two periods with nothing between them compare two times.
    'Who fled before the offensive?',
    'What did Reuters report on October 5, 2023?',
    'Who may flee to Idlib?',
    'Did they win more in 2020 than last year?',
  ])('%s: no period', (question) => {
    expect(askedTime(question, now)).toEqual({ recent: false, spans: [], recentSpans: [] });
  });
});

describe('time notes on a large archive', () => {
  it('reads the dates of the best proposed articles only, and finds the same newer article', async () => {
    const corpus = newerCorpus();
    // Older stories that share one of the followed-up article's key terms each: proposed, none later.
    const places = ['Deir ez-Zor', 'Hasaka', 'the SDF', 'Operation Inherent Resolve', 'the United States', 'Syria'];
    const datesRead = 20;
    for (let i = 0; i < 300; i++)
      writeFileSync(
        join(corpus, `filler-${i}.md`),
        `---\ntitle: Harvest report ${i}\npublished: 2019-01-01\n---\n\nFarmers near ${places[i % places.length]} brought in crop number ${i}.\n`,
      );
    const index = (await openEngine({ corpus, indexPath: null })).index;
    const at = (id: string) => index.articles.findIndex((a) => a.id === id);
    let dates = 0;
    const counted = new Proxy(index, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key === 'article')
          return (a: number) => {
            dates++;
            return target.article(a);
          };
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const found = newerArticles(counted, [at(OLDER_ID)], new Set(), { ...DEFAULT_NEWER, datesRead });
    expect(found.get(at(OLDER_ID))?.articleId).toBe(NEWER_ID);
    // The quoted article's own date, at most datesRead proposed, and the best's twice (reading all of them: 70).
    expect(dates).toBeLessThanOrEqual(datesRead + 3);
    rmSync(corpus, { recursive: true, force: true });
  });
});
