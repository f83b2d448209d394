import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, quoteArticle } from '../../src/core/answer.js';
import type { Article } from '../../src/core/types.js';
import { openEngine, readCorpus } from '../../src/engine.js';
import { openSqliteCorpus, SqliteArchive, SQLITE_FORMAT_VERSION } from '../../src/search/sqlite.js';
import type { NewsIndex } from '../../src/core/search.js';
import type { AliasTable } from '../../src/core/aliases.js';
import { NEWER_ID, newerCorpus } from '../fixtures/newer/corpus.js';
import { DEFAULT_NEWER, KeyTermCounter, newerArticles } from '../../src/core/newer.js';
import type { AnswerIndex, KeyProfile } from '../../src/core/answerIndex.js';

/** Article a's key-term profile worked out from its words, as newer.ts does for an index that keeps none. */
function workedOut(index: AnswerIndex, a: number): KeyProfile {
  const counter = new KeyTermCounter(index.aliases);
  const [from, to] = index.passageRange(a);
  for (let p = from; p < to; p++)
    for (const t of index.passageTokens(p)) counter.word(t.term, index.passage(p).text, t.start);
  counter.title(index.titleTerms(a));
  return counter.profile((t) => index.articleFrequency(t), index.held().articles, DEFAULT_NEWER.keyTerms);
}

const corpus = new URL('../fixtures/seeds', import.meta.url).pathname;

/** A new article about something the seed articles never mention. */
const article = (id: string, title: string, body: string): Article => ({
  id,
  file: `${id}.md`,
  line: 1,
  title,
  tags: [],
  sections: [{ paragraphs: [body] }],
});

describe('the sqlite search backend', () => {
  let dir: string;
  let memory: NewsIndex;
  let aliases: AliasTable;
  let articles: Article[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-sqlite-'));
    memory = (await openEngine({ corpus, indexPath: null })).index;
    ({ aliases, articles } = await readCorpus({ corpus }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ranks, quotes and refuses exactly as the memory backend over the same articles', async () => {
    const { index, archive } = await openSqliteCorpus({ corpus, path: ':memory:' });
    const questions = [
      'Who is fleeing Deir Ezzor at night?',
      'what did the ministry say about the refugees',
      'Who won the cricket world cup?',
      'Tell me about the Kurdsih forces',
    ];
    for (const q of questions) {
      expect(answerQuestion(index, q, { k: 5 })).toEqual(answerQuestion(memory, q, { k: 5 }));
      expect(answerQuestion(index, q, { k: 5, refuse: false })).toEqual(
        answerQuestion(memory, q, { k: 5, refuse: false }),
      );
    }
    archive.close();
  });

  it('answers in time as the memory backend: periods, "latest", newer articles and one-article quotes', async () => {
    const dated = newerCorpus();
    const mem = (await openEngine({ corpus: dated, indexPath: null })).index;
    const { index, archive } = await openSqliteCorpus({ corpus: dated, path: ':memory:' });
    const december20 = new Date('2019-12-20T12:00:00Z');
    const questions = [
      'Which Isis leaders fled after the death of al-Baghdadi?',
      'Which Isis leaders fled after al-Baghdadi’s death, latest?',
      'Who is hunting the Isis leaders since December 2019?',
      'Which Isis leaders fled, last month?',
      'Which Isis leaders fled, last week?',
    ];
    for (const q of questions) {
      expect(index.parseQuery(q, december20)).toEqual(mem.parseQuery(q, december20));
      expect(answerQuestion(index, q, { now: december20, refuse: false })).toEqual(
        answerQuestion(mem, q, { now: december20, refuse: false }),
      );
    }
    // "last month" keeps to the month counted back, where only the newer article came out.
    const lastMonth = answerQuestion(index, questions[3]!, { now: december20, refuse: false });
    expect(lastMonth.results.map((r) => r.articleId)).toEqual([NEWER_ID]);
    const newer = mem.articles.findIndex((a) => a.id === NEWER_ID);
    expect(quoteArticle(index, questions[0]!, newer)).toEqual(quoteArticle(mem, questions[0]!, newer));
    expect(quoteArticle(index, 'anything', index.articleCount)).toBeUndefined();
    archive.close();
    rmSync(dated, { recursive: true, force: true });
  });

  it('answers an added article at once: rows inserted, nothing rebuilt', () => {
    const path = join(dir, 'add.db');
    const archive = new SqliteArchive(path, { aliases });
    archive.add(articles);
    const before = archive.stats();
    const index = archive.index();
    const q = 'Which glacier did the survey team measure in Patagonia?';
    expect(answerQuestion(index, q).answered).toBe(false);
    archive.add([
      article(
        'glacier',
        'Survey team measures Patagonia glacier',
        'The survey team measured the Perito Moreno glacier in Patagonia and found it had retreated.',
      ),
    ]);
    expect(archive.stats().articles).toBe(before.articles + 1);
    // The seed articles keep their numbers: only rows were added after them.
    expect(archive.article(0).meta.id).toBe(articles[0]!.id);
    const a = answerQuestion(index, q);
    expect(a.answered).toBe(true);
    expect(a.results[0]!.articleId).toBe('glacier');
    expect(a.results[0]!.excerpt).toContain('Perito Moreno');
    archive.close();
  });

  it('removes a file’s articles in place: answered no more, term counts back as they were, numbers not reused', () => {
    const path = join(dir, 'remove.db');
    const archive = new SqliteArchive(path, { aliases });
    archive.replaceFile('seeds.md', 'stamp-1', articles);
    const before = archive.stats();
    const rows = new Database(path, { readonly: true });
    const passageRows = () => rows.prepare('SELECT count(*) AS n FROM passages').get() as { n: number };
    const seedPassages = passageRows().n;
    const surveyTerm = () => archive.term('survey');
    const countsBefore = surveyTerm();
    const glacier = article(
      'glacier',
      'Survey team measures Patagonia glacier',
      'The survey team measured the Perito Moreno glacier in Patagonia and found it had retreated.',
    );
    archive.replaceFile('glacier.md', 'stamp-2', [glacier]);
    const index = archive.index();
    const q = 'Which glacier did the survey team measure in Patagonia?';
    expect(answerQuestion(index, q).results[0]?.articleId).toBe('glacier');
    expect([...archive.files()]).toEqual([
      ['seeds.md', 'stamp-1'],
      ['glacier.md', 'stamp-2'],
    ]);
    archive.replaceFile('glacier.md', undefined, []);
    expect(answerQuestion(index, q).answered).toBe(false);
    expect(archive.articleNumber('glacier')).toBeUndefined();
    expect(archive.files().has('glacier.md')).toBe(false);
    const after = archive.stats();
    expect({ ...after, nextArticle: 0, nextPassage: 0 }).toEqual({ ...before, nextArticle: 0, nextPassage: 0 });
    expect(after.nextArticle).toBe(before.nextArticle + 1);
    expect(surveyTerm()).toEqual(countsBefore);
    // Its passages' rows went, and only those.
    expect(passageRows().n).toBe(seedPassages);
    rows.close();
    // Added again, it takes a new number and is answered again.
    archive.replaceFile('glacier.md', 'stamp-3', [glacier]);
    expect(archive.articleNumber('glacier')).toBe(before.nextArticle + 1);
    expect(answerQuestion(index, q).results[0]?.articleId).toBe('glacier');
    archive.close();
  });

  it('keeps each article’s key-term profile as time notes would work it out, over the whole archive once built', () => {
    const path = join(dir, 'profiles.db');
    const archive = new SqliteArchive(path, { aliases });
    // In two batches: the first one's profiles are made over part of the archive, then made again.
    const half = Math.ceil(articles.length / 2);
    archive.add(articles.slice(0, half));
    archive.add(articles.slice(half));
    const index = archive.index();
    const keyTerms = DEFAULT_NEWER.keyTerms;
    const first = index.keyProfile(0, keyTerms)!;
    expect(first).toBeDefined();
    expect(first).not.toEqual(workedOut(memory, 0));
    expect(archive.refreshProfiles()).toBe(half);
    expect(archive.refreshProfiles()).toBe(0);
    for (let a = 0; a < articles.length; a++) expect(index.keyProfile(a, keyTerms)).toEqual(workedOut(memory, a));
    expect(first.vector.size).toBe(keyTerms);
    // Only the count of key terms time notes use is kept.
    expect(index.keyProfile(0, keyTerms + 1)).toBeUndefined();
    // A file made before profiles were kept gets them when its writer opens it; a removed article's goes.
    archive.close();
    const db = new Database(path);
    db.exec('DELETE FROM profiles WHERE num < 3');
    db.close();
    const reader = new SqliteArchive(path, { aliases, readonly: true });
    expect(reader.keyProfile(1, keyTerms)).toBeUndefined();
    reader.close();
    const reopened = new SqliteArchive(path, { aliases });
    expect(reopened.keyProfile(1, keyTerms)).toEqual(workedOut(memory, 1));
    const glacier = article('glacier', 'Glacier survey', 'The survey team measured the Perito Moreno glacier.');
    reopened.replaceFile('glacier.md', 'g', [glacier]);
    const added = reopened.articleNumber('glacier')!;
    expect([...reopened.keyProfile(added, keyTerms)!.names].sort()).toEqual(['moreno', 'perito']);
    reopened.replaceFile('glacier.md', undefined, []);
    expect(reopened.keyProfile(added, keyTerms)).toBeUndefined();
    reopened.close();
  });

  it('lists the articles numbered from a given one, for recording only new articles as seen', () => {
    const archive = new SqliteArchive(':memory:', { aliases });
    archive.replaceFile('seeds.md', 'stamp', articles);
    const { articles: all, next } = archive.articlesFrom(0);
    expect(all.map((a) => a.id)).toEqual(articles.map((a) => a.id));
    archive.replaceFile('glacier.md', 'g', [article('glacier', 'Glacier survey', 'The survey measured the glacier.')]);
    expect(archive.articlesFrom(next)).toEqual({ articles: [{ id: 'glacier', file: 'glacier.md' }], next: next + 1 });
    expect(archive.articlesFrom(next + 1)).toEqual({ articles: [], next: next + 1 });
    archive.close();
  });

  it('finds one of exact copies, counts them all, and finds the next copy once the first is removed', () => {
    const archive = new SqliteArchive(':memory:', { aliases });
    archive.replaceFile('seeds.md', 'stamp', articles);
    const body = 'The ferry to Arwad island resumed its crossings after the harbour wall was repaired.';
    const copy = (id: string) => ({ ...article(id, 'Arwad ferry resumes', body), file: `${id}.md` });
    archive.replaceFile('ferry-a.md', 'a', [copy('ferry-a')]);
    archive.replaceFile('ferry-b.md', 'b', [copy('ferry-b')]);
    const index = archive.index();
    const q = 'When did the Arwad ferry resume?';
    // Both copies count in the statistics; only the first is a candidate (the pool is counted in distinct articles).
    expect(archive.term('arwad')?.articleDf).toBe(2);
    expect(answerQuestion(index, q, { k: 5, refuse: false }).results.map((r) => r.articleId)).toContain('ferry-a');
    expect(answerQuestion(index, q, { k: 5, refuse: false }).results.map((r) => r.articleId)).not.toContain('ferry-b');
    archive.replaceFile('ferry-a.md', undefined, []);
    expect(answerQuestion(index, q).results[0]?.articleId).toBe('ferry-b');
    archive.close();
  });

  it('shares one file between connections: a reader sees another writer’s article at its next question', () => {
    const path = join(dir, 'shared.db');
    const writer = new SqliteArchive(path, { aliases });
    writer.add(articles);
    const reader = new SqliteArchive(path, { aliases, readonly: true });
    const index = reader.index();
    const q = 'What did the lighthouse keeper on Skerryvore report?';
    expect(answerQuestion(index, q).answered).toBe(false);
    writer.add([
      article(
        'lighthouse',
        'Skerryvore lighthouse keeper reports storm damage',
        'The lighthouse keeper on Skerryvore reported storm damage to the lamp room after the gale.',
      ),
    ]);
    const a = answerQuestion(index, q);
    expect(a.results[0]?.articleId).toBe('lighthouse');
    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();
    reader.close();
    writer.close();
  });

  it('after a write keeps only what it cannot have changed: answers as a fresh index over the file, in this process and another', () => {
    const path = join(dir, 'kept.db');
    const writer = new SqliteArchive(path, { aliases });
    const [held, ...rest] = articles;
    writer.replaceFile('rest.md', 's1', rest);
    writer.replaceFile('held.md', 's1', [held!]);
    const reader = new SqliteArchive(path, { aliases, readonly: true });
    const questions = [
      'Who is fleeing Deir Ezzor at night?',
      'what did the ministry say about the refugees',
      'Tell me about the Kurdsih forces',
      'Which glacier did the survey team measure in Patagonia?',
      'Which glaciar retreated in Patagonia?',
      `What happened in ${held!.title}?`,
    ];
    const answers = (index: ReturnType<SqliteArchive['index']>) =>
      questions.map((q) => answerQuestion(index, q, { k: 5, refuse: false }));
    const own = writer.index();
    const other = reader.index();
    answers(own);
    answers(other);
    const epoch = writer.changesSince(-1).epoch;
    const fresh = () => {
      const again = new SqliteArchive(path, { aliases, readonly: true });
      const out = answers(again.index());
      again.close();
      return out;
    };
    // A new word ('glacier'), a file removed and its words gone, and both read by the warm indexes.
    writer.add([
      article(
        'glacier',
        'Survey team measures Patagonia glacier',
        'The survey team measured the Perito Moreno glacier in Patagonia and found it had retreated.',
      ),
    ]);
    const added = writer.changesSince(epoch);
    expect(added.changed?.words.has('glacier')).toBe(true);
    expect(added.changed?.ids.has(writer.term('patagonia')!.id)).toBe(true);
    expect(added.changed?.ids.size).toBeLessThan(100);
    expect(answers(own)).toEqual(fresh());
    expect(answers(other)).toEqual(fresh());
    expect(answers(own)[3]!.results[0]!.articleId).toBe('glacier');
    writer.replaceFile('held.md', undefined, []);
    expect(answers(own)).toEqual(fresh());
    expect(answers(other)).toEqual(fresh());
    // The reader took the same account of the writes from the file.
    expect(reader.changesSince(-1).changed).toBeNull();
    writer.close();
    reader.close();
  });

  it('keeps across writes only what a fresh reader would read the same: answers, time notes and key-term profiles', async () => {
    const dated = newerCorpus();
    const read = await readCorpus({ corpus: dated });
    rmSync(dated, { recursive: true, force: true });
    const path = join(dir, 'warm.db');
    const writer = new SqliteArchive(path, { aliases: read.aliases });
    const byFile = new Map<string, Article[]>();
    for (const a of read.articles) byFile.set(a.file, [...(byFile.get(a.file) ?? []), a]);
    for (const [file, list] of byFile) writer.replaceFile(file, 's1', list);
    writer.refreshProfiles();
    const december20 = new Date('2019-12-20T12:00:00Z');
    const questions = [
      'Which Isis leaders fled after the death of al-Baghdadi?',
      'Which Isis leaders fled after al-Baghdadi’s death, latest?',
      'Who is hunting the Isis leaders since December 2019?',
      'When were Isis commanders arrested in Raqqa?',
      'Which Isis leaders fled, last month?',
      'Who is fleeing Deir Ezzor at night?',
      'what did the ministry say about the refugees',
    ];
    const observe = (archive: SqliteArchive, index: ReturnType<SqliteArchive['index']>) => {
      const numbers = [...archive.articles()].map((a) => a.number);
      return {
        answers: questions.map((q) => answerQuestion(index, q, { now: december20, refuse: false })),
        newer: numbers.map((a) => [...newerArticles(index, [a])]),
        profiles: numbers.map((a) => index.keyProfile(a, DEFAULT_NEWER.keyTerms)),
      };
    };
    const fresh = () => {
      const again = new SqliteArchive(path, { aliases: read.aliases, readonly: true });
      const out = observe(again, again.index());
      again.close();
      return out;
    };
    // A reader in its own connection (as another process), warmed: every cache filled.
    const reader = new SqliteArchive(path, { aliases: read.aliases, readonly: true });
    const warm = reader.index();
    const own = writer.index();
    expect(observe(reader, warm)).toEqual(fresh());
    observe(writer, own);
    const raqqa = (body: string): Article => ({
      ...article('raqqa', 'Isis commanders arrested in Raqqa after al-Baghdadi’s death', body),
      published: '2019-12-15',
    });
    const steps: Array<[string, () => void]> = [
      [
        'an article added',
        () =>
          writer.replaceFile('raqqa.md', 's1', [
            raqqa('The SDF arrested three Isis commanders in Raqqa who had fled Deir Ezzor after al-Baghdadi’s death.'),
          ]),
      ],
      // The profiles of the articles held before, made over fewer than 90% of those held now.
      ['profiles worked out again', () => expect(writer.refreshProfiles()).toBeGreaterThan(0)],
      [
        'an article replaced',
        () =>
          writer.replaceFile('raqqa.md', 's2', [
            raqqa('Coalition raids in Raqqa and Hasaka caught Isis leaders hiding since al-Baghdadi’s death.'),
          ]),
      ],
      ['an article removed', () => writer.replaceFile(`${NEWER_ID}.txt`, undefined, [])],
    ];
    let before = fresh();
    for (const [step, write] of steps) {
      write();
      const now = fresh();
      expect(now, step).not.toEqual(before);
      expect(observe(reader, warm), step).toEqual(now);
      expect(observe(writer, own), step).toEqual(now);
      before = now;
    }
    expect(before.answers[3]!.results[0]!.articleId).toBe('raqqa');
    writer.close();
    reader.close();
  });

  it('refuses a database that is not one of its archives, naming it, and leaves it as it was', () => {
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    expect(() => new SqliteArchive(path, { aliases })).toThrow(
      `${path} is not a Newsdesk archive of format ${SQLITE_FORMAT_VERSION}`,
    );
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'notes' }]);
    check.close();
  });
});
