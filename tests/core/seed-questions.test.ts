import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, MAX_EXCERPT_CHARS } from '../../src/core/answer.js';
import type { AnswerIndex } from '../../src/core/answerIndex.js';
import { openEngine } from '../../src/engine.js';
import { openSqliteCorpus } from '../../src/search/sqlite.js';

// Questions written as chat users ask them (paraphrases, other spellings, misspellings) and
// off-topic ones. Each names the article and words the excerpt must hold, not the answer text.
interface SeedQuestions {
  answerable: Array<{ q: string; article: string; answer: string[] }>;
  refuse: string[];
}
const questions = JSON.parse(
  readFileSync(new URL('../fixtures/seed-questions.json', import.meta.url), 'utf8'),
) as SeedQuestions;

const corpus = new URL('../fixtures/seeds', import.meta.url).pathname;
// Both search backends (SEARCH_BACKEND) answer through the same answer path, and must answer alike.
const backends: Record<string, () => Promise<AnswerIndex>> = {
  memory: async () => (await openEngine({ corpus, indexPath: null })).index,
  sqlite: async () => (await openSqliteCorpus({ corpus, path: ':memory:' })).index,
};

describe.each(Object.keys(backends))('questions about the seed articles (%s backend)', (backend) => {
  const engine = {} as { index: AnswerIndex };
  beforeAll(async () => {
    engine.index = await backends[backend]!();
  });

  it('finds the right article first for at least 40 of 41 questions, and quotes the answer for at least 37', () => {
    expect(questions.answerable).toHaveLength(41);
    let rightArticle = 0;
    let answerQuoted = 0;
    const misses: string[] = [];
    for (const { q, article, answer } of questions.answerable) {
      const a = answerQuestion(engine.index, q);
      const first = a.results[0];
      if (first?.articleId === article) rightArticle++;
      if (first && answer.some((w) => first.excerpt.includes(w))) answerQuoted++;
      else misses.push(q);
    }
    expect(rightArticle).toBeGreaterThanOrEqual(40);
    expect(answerQuoted, `excerpt misses: ${misses.join(' | ')}`).toBeGreaterThanOrEqual(37);
  });

  it('refuses every off-topic question (general knowledge, cooking, sport, prices, shopping)', () => {
    const answered = questions.refuse.filter((q) => answerQuestion(engine.index, q).answered);
    expect(answered).toEqual([]);
  });

  it('never quotes more than 400 characters, and marks only text inside the excerpt', () => {
    for (const { q } of questions.answerable) {
      for (const r of answerQuestion(engine.index, q, { k: 5 }).results) {
        expect(r.excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
        for (const [s, e] of r.highlights) expect(r.excerpt.slice(s, e)).toMatch(/^[\p{L}\p{N}]/u);
      }
    }
  });

  it('finds an article through every spelling of a place', () => {
    const ids = ['Deir ez-Zor', 'Deir Ezzor', 'Dayr az-Zawr', 'deir al-zour'].map(
      (p) => answerQuestion(engine.index, `Who is fleeing ${p} at night?`).results[0]?.articleId,
    );
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe('001_6769e8153fbb5a3b');
  });

  it('treats markdown and mentions in a question as plain words', () => {
    const a = answerQuestion(engine.index, '@everyone **How many** White Helmets did _Jordan_ take in? <@123>');
    expect(a.answered).toBe(true);
    expect(a.results[0]!.excerpt).toContain('442');
  });
});

// 110 questions about the same articles that two helpers wrote without seeing the code or the
// alias file: a second regression set, closer to how people outside the project ask.
const independent = readFileSync(new URL('../fixtures/seed-questions-independent.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { id: string; q: string; article: string; answers: string[] });
const folded = (s: string) => s.replace(/\s+/g, ' ').toLowerCase();

describe.each(Object.keys(backends))(
  'independently written questions about the seed articles (%s backend)',
  (backend) => {
    const engine = {} as { index: AnswerIndex };
    beforeAll(async () => {
      engine.index = await backends[backend]!();
    });

    it('finds the right article first for at least 104 of 110, quotes the answer for at least 101, refuses at most one', () => {
      expect(independent).toHaveLength(110);
      let rightArticle = 0;
      let answerQuoted = 0;
      let refused = 0;
      const misses: string[] = [];
      for (const { id, q, article, answers } of independent) {
        const a = answerQuestion(engine.index, q);
        if (!a.answered) refused++;
        const first = a.results[0];
        if (first?.articleId === article) rightArticle++;
        if (first?.articleId === article && answers.some((w) => folded(first.excerpt).includes(folded(w))))
          answerQuoted++;
        else misses.push(id);
      }
      expect(rightArticle).toBeGreaterThanOrEqual(104);
      expect(answerQuoted, `misses: ${misses.join(' ')}`).toBeGreaterThanOrEqual(101);
      expect(refused).toBeLessThanOrEqual(1);
    });
  },
);
