import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Archive } from '../src/archive.js';
import { buildAliasTable } from '../src/core/aliases.js';
import { answerQuestion } from '../src/core/answer.js';
import { applyDelta, applyDeltaSliced } from '../src/core/delta.js';
import { NewsIndex } from '../src/core/search.js';
import type { Article } from '../src/core/types.js';
import { countLoopTurns } from './setup/loopTurns.js';

const aliases = buildAliasTable({ aliases: [] });
const article = (id: string, title: string, text: string, file = `${id}.txt`): Article => ({
  id,
  title,
  tags: [],
  file,
  sections: [{ paragraphs: [text] }],
});

const base: Article[] = [
  article(
    'a',
    'Floods close the harbour',
    'Heavy rain flooded the harbour on Monday. Ships were moved to the outer anchorage.',
  ),
  article(
    'b',
    'A new library opens',
    'The city opened a library with ten thousand books. Children can borrow four books at a time.',
  ),
  article(
    'c',
    'Harbour repairs begin',
    'Workers began repairing the flooded harbour walls. The repairs are paid by the port authority.',
  ),
  article('d', 'Council budget passed', 'The council passed its budget after a long night. Libraries get more money.'),
];
const added = [
  article('e', 'Zeppelin lands in the square', 'A zeppelin landed in the market square on Tuesday, witnesses said.'),
  article('f', 'Harbour reopens', 'The harbour reopened on Friday after the floods.'),
];
const QUESTIONS = [
  'Where did the zeppelin land?',
  'When did the harbour reopen?',
  'harbour floods',
  'library books children',
  'council budget',
  'port authority repairs',
];

describe('applyDelta: a delta index beside the main one', () => {
  const main = NewsIndex.build(base, { aliases, hash: 'm' });

  it('adds articles: main and delta answer exactly as one index built over all of them', () => {
    const merged = applyDelta(main, { hiddenFiles: new Set(), added });
    const whole = NewsIndex.build([...base, ...added], { aliases, hash: 'm' });
    expect(merged.articles).toEqual(whole.articles);
    for (const q of QUESTIONS) expect(answerQuestion(merged, q, { k: 3 })).toEqual(answerQuestion(whole, q, { k: 3 }));
    expect(answerQuestion(merged, 'Where did the zeppelin land?').results[0]?.articleId).toBe('e');
    // The main index is untouched: it still answers as before.
    expect(main.articles).toHaveLength(4);
    expect(answerQuestion(main, 'Where did the zeppelin land?').results.map((r) => r.articleId)).not.toContain('e');
  });

  it('hides the articles of changed or removed files; every article keeps one number', () => {
    const changed = article(
      'a',
      'Floods close the harbour',
      'Heavy rain flooded the harbour on Monday. The ferry was cancelled.',
    );
    const merged = applyDelta(main, { hiddenFiles: new Set(['a.txt', 'b.txt']), added: [changed] });
    expect(merged.articles.map((a) => a.id)).toEqual(['c', 'd', 'a']);
    expect(merged.held()).toEqual({ articles: 3, passages: 3 });
    // Hidden ones leave gaps; the delta's follow the main index's.
    expect([...merged.listArticles()].map((a) => [a.number, a.meta.id])).toEqual([
      [2, 'c'],
      [3, 'd'],
      [4, 'a'],
    ]);
    expect(merged.articleNumber('a')).toBe(4);
    expect(merged.articleNumber('b')).toBeUndefined();
    for (const { number } of merged.listArticles()) {
      const [from, to] = merged.passageRange(number);
      expect(to).toBeGreaterThan(from);
      for (let p = from; p < to; p++) expect(merged.passage(p).article).toBe(number);
    }
    expect(merged.articlesHolding('librari').map((h) => h.article)).toEqual([3]);
    expect(answerQuestion(merged, 'library books children').results.map((r) => r.articleId)).not.toContain('b');
    expect(answerQuestion(merged, 'Was the ferry cancelled?').results[0]?.articleId).toBe('a');
    expect(
      answerQuestion(merged, 'Where were the ships moved?')
        .results.map((r) => r.excerpt)
        .join(' '),
    ).not.toContain('anchorage');
    // The same ranking as an index built over what is left (the hidden articles still count in the statistics).
    const rebuilt = NewsIndex.build([base[2]!, base[3]!, changed], { aliases });
    for (const q of ['ferry cancelled', 'council budget', 'harbour walls repairs']) {
      expect(answerQuestion(merged, q, { k: 3 }).results.map((r) => r.articleId)).toEqual(
        answerQuestion(rebuilt, q, { k: 3 }).results.map((r) => r.articleId),
      );
    }
    // The main index is untouched.
    expect(main.articles.map((a) => a.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a delta over a delta: one delta beside the same main index, the earlier one’s replaced articles dropped', () => {
    const first = applyDelta(main, { hiddenFiles: new Set(), added });
    const f2 = article('f', 'Harbour stays shut', 'The harbour stays shut until the walls are mended.');
    const second = applyDelta(first, { hiddenFiles: new Set(['f.txt', 'd.txt']), added: [f2] });
    expect(second.main).toBe(main);
    expect(second.articles.map((a) => a.id)).toEqual(['a', 'b', 'c', 'e', 'f']);
    expect(second.articles.find((a) => a.id === 'f')?.title).toBe('Harbour stays shut');
    expect(answerQuestion(second, 'council budget').results.map((r) => r.articleId)).not.toContain('d');
    expect(answerQuestion(second, 'Where did the zeppelin land?').results[0]?.articleId).toBe('e');
  });

  it("leaves what is worked out about the main index's articles with it, for every delta after", () => {
    const live = applyDelta(main, { hiddenFiles: new Set(), added });
    expect(live.lastingIndexOf(0)).toBe(main);
    expect(live.lastingIndexOf(main.articleCount)).toBe(live);
    expect(applyDelta(live, { hiddenFiles: new Set(), added: [] }).lastingIndexOf(1)).toBe(main);
  });
});

const SEEDS = new URL('./fixtures/seeds', import.meta.url).pathname;
const line = (id: string, title: string, body: string) => `${JSON.stringify({ id, title, body })}\n`;

describe('applyDeltaSliced: a large delta built without stalling the event loop', () => {
  const main = NewsIndex.build(base, { aliases, hash: 'm' });
  // A feed poll's worth of articles, each with words of its own: its build outlasts a slice (8 ms) several times.
  const many = Array.from({ length: 300 }, (_, i) =>
    article(
      `n${i}`,
      `Bulletin ${i} on word${i}`,
      `Item${i} reports that term${i * 7} and place${i % 40} were named on day${i % 9}. A second sentence about zone${i}.`,
    ),
  );

  it('lets the event loop run between its steps, and answers exactly as applyDelta', async () => {
    const turns = countLoopTurns();
    let live;
    try {
      live = await applyDeltaSliced(main, { hiddenFiles: new Set(['b.txt']), added: many });
    } finally {
      turns.stop();
    }
    // Built in one go (as applyDelta does) the callback could not run before the build ended.
    expect(turns.count).toBeGreaterThan(1);
    const whole = applyDelta(main, { hiddenFiles: new Set(['b.txt']), added: many });
    expect(live.articles).toEqual(whole.articles);
    for (const q of [...QUESTIONS, 'What did bulletin 250 report?', 'term700 place20'])
      expect(answerQuestion(live, q, { k: 3 })).toEqual(answerQuestion(whole, q, { k: 3 }));
    expect(answerQuestion(live, 'What did bulletin 250 report?').results[0]?.articleId).toBe('n250');
  });
});

describe('Archive.update: changes answered before the full rebuild', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-delta-'));
  const paths = { corpus: join(dir, 'corpus'), indexPath: join(dir, 'index.bin') };
  cpSync(SEEDS, paths.corpus, { recursive: true });
  let archive: Archive | undefined;
  afterAll(async () => {
    await archive?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from an added, a changed and a removed file within a second, then from the rebuilt index', async () => {
    archive = await Archive.open(paths);
    const main = archive.index;
    writeFileSync(
      join(paths.corpus, 'zep.jsonl'),
      line('zep', 'Zeppelin lands in Raqqa', 'A zeppelin landed in Raqqa on Tuesday, witnesses said.'),
    );
    let started = performance.now();
    await archive.update();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(answerQuestion(archive.index, 'Where did the zeppelin land?').results[0]?.articleId).toBe('zep');
    expect(archive.index).not.toBe(main);

    writeFileSync(
      join(paths.corpus, 'zep.jsonl'),
      line('zep', 'Zeppelin lands in Mosul', 'A zeppelin landed in Mosul on Wednesday, police said.'),
    );
    await archive.update();
    const where = answerQuestion(archive.index, 'Where did the zeppelin land?');
    expect(where.results[0]?.excerpt).toContain('Mosul');
    expect(where.results.map((r) => r.excerpt).join(' ')).not.toContain('Raqqa on Tuesday');

    const seed = main.articles[0]!;
    unlinkSync(join(paths.corpus, seed.file));
    started = performance.now();
    await archive.update();
    expect(archive.index.articles.map((a) => a.id)).not.toContain(seed.id);
    expect(archive.index.articles).toHaveLength(main.articles.length);

    // The full rebuild takes the same corpus in; nothing changed since, so no delta is left over it.
    const report = await archive.reindex();
    expect(report.rebuilt).toBe(true);
    expect(archive.index.articles.map((a) => a.id).sort()).toEqual(
      [...main.articles.map((a) => a.id).filter((id) => id !== seed.id), 'zep'].sort(),
    );
    expect(answerQuestion(archive.index, 'Where did the zeppelin land?').results[0]?.excerpt).toContain('Mosul');
  });

  it('looks only at the files named, when named; at every file otherwise', async () => {
    writeFileSync(
      join(paths.corpus, 'named.jsonl'),
      line('named', 'Zebra crossing painted', 'A zebra crossing was painted near the school.'),
    );
    writeFileSync(
      join(paths.corpus, 'unnamed.jsonl'),
      line('unnamed', 'Quokka seen downtown', 'A quokka was seen downtown on Friday.'),
    );
    await archive!.update(['named.jsonl']);
    expect(archive!.index.articles.map((a) => a.id)).toContain('named');
    expect(archive!.index.articles.map((a) => a.id)).not.toContain('unnamed');
    await archive!.update();
    expect(archive!.index.articles.map((a) => a.id)).toEqual(expect.arrayContaining(['named', 'unnamed']));
    // Named again after it is removed: it goes; the other change is kept.
    unlinkSync(join(paths.corpus, 'named.jsonl'));
    await archive!.update(['named.jsonl']);
    expect(archive!.index.articles.map((a) => a.id)).not.toContain('named');
    expect(answerQuestion(archive!.index, 'Where was the quokka seen?').results[0]?.articleId).toBe('unnamed');
  });

  it('merges a named file once: naming it again unchanged (a shard’s change, then the manager’s forward) keeps the index', async () => {
    writeFileSync(
      join(paths.corpus, 'twice.jsonl'),
      line('twice', 'Walrus visits the harbour', 'A walrus climbed onto the harbour pier on Sunday.'),
    );
    await archive!.update(['twice.jsonl']);
    const merged = archive!.index;
    expect(merged.articles.map((a) => a.id)).toContain('twice');
    await archive!.update(['twice.jsonl']);
    expect(archive!.index).toBe(merged);
    // Changed since: merged again, with the new version.
    writeFileSync(
      join(paths.corpus, 'twice.jsonl'),
      line('twice', 'Walrus leaves the harbour', 'The walrus swam off from the harbour pier on Monday.'),
    );
    await archive!.update(['twice.jsonl']);
    expect(archive!.index).not.toBe(merged);
    expect(archive!.index.articles.find((a) => a.id === 'twice')?.title).toBe('Walrus leaves the harbour');
  });

  it('never loses a file added while the rebuild reads the corpus', async () => {
    const rebuild = archive!.reindex();
    writeFileSync(
      join(paths.corpus, 'late.jsonl'),
      line('late', 'Late ferry strike ends', 'The ferry strike ended after nine days.'),
    );
    await rebuild;
    await archive!.update();
    expect(archive!.index.articles.map((a) => a.id)).toContain('late');
    expect(answerQuestion(archive!.index, 'How long did the ferry strike last?').results[0]?.articleId).toBe('late');
  });
});
