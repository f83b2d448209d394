import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Archive, savedBy, type ReindexReport } from '../src/archive.js';
import { answerQuestion } from '../src/core/answer.js';

const SEEDS = new URL('./fixtures/seeds', import.meta.url).pathname;
const article = (title: string, body: string) =>
  `${JSON.stringify({ id: title.toLowerCase().replace(/\W+/g, '-'), title, body })}\n`;

describe('the live archive', () => {
  let archive: Archive | undefined;
  afterEach(async () => {
    await archive?.close();
  });

  function corpus() {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-archive-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
    return { corpus: join(dir, 'corpus'), indexPath: join(dir, 'index.json') };
  }

  it('reindexes on demand and swaps in the new index', async () => {
    const paths = corpus();
    archive = await Archive.open(paths);
    const before = archive.index;
    expect((await archive.reindex()).rebuilt).toBe(false);
    writeFileSync(
      join(paths.corpus, 'new.jsonl'),
      article('Zeppelin lands in Raqqa', 'A zeppelin landed in Raqqa on Tuesday, witnesses said.'),
    );
    const report = await archive.reindex();
    expect(report).toMatchObject({ articles: 6, rebuilt: true, warnings: [] });
    expect(archive.index).not.toBe(before);
    expect(answerQuestion(archive.index, 'Where did the zeppelin land?').results[0]?.articleId).toBe(
      'zeppelin-lands-in-raqqa',
    );
  });

  it('once released, holds no index but still rebuilds and saves it for others to load', async () => {
    const paths = corpus();
    archive = await Archive.open(paths);
    archive.release();
    expect(() => archive!.index).toThrow(/released/);
    writeFileSync(
      join(paths.corpus, 'new.jsonl'),
      article('Zeppelin lands in Raqqa', 'A zeppelin landed in Raqqa on Tuesday, witnesses said.'),
    );
    const report = await archive.reindex();
    expect(report).toMatchObject({ articles: 6, rebuilt: true });
    expect(() => archive!.index).toThrow(/released/);
    expect(archive.files).toHaveLength(6);
    // Another process opening the same paths finds the saved index current.
    const reader = await Archive.open(paths);
    expect(reader.origin).toBe('cache');
    // The report, read from the saved file without loading it, says what the loaded index holds.
    expect(report.passages).toBe(reader.index.held().passages);
    expect(report.hash).toBe(reader.index.hash);
    expect(report.warnings).toEqual(reader.warnings);
    expect(archive.files).toEqual(reader.files);
    expect(answerQuestion(reader.index, 'Where did the zeppelin land?').results[0]?.articleId).toBe(
      'zeppelin-lands-in-raqqa',
    );
  });

  it('keeps the current index when a rebuild fails', async () => {
    const paths = corpus();
    archive = await Archive.open(paths);
    const before = archive.index;
    rmSync(paths.corpus, { recursive: true });
    await expect(archive.reindex()).rejects.toThrow(/^corpus not found: /);
    expect(archive.index).toBe(before);
    expect(answerQuestion(archive.index, 'Who is Sadam al-Jamal?').answered).toBe(true);
  });

  it('watches the corpus and reindexes once changes settle', async () => {
    const paths = corpus();
    archive = await Archive.open(paths);
    const reports: Array<ReindexReport | Error> = [];
    archive.watch((r) => reports.push(r), 100);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(
      join(paths.corpus, 'a.jsonl'),
      article('Ferry strike ends', 'The ferry strike ended after nine days.'),
    );
    writeFileSync(join(paths.corpus, 'b.jsonl'), article('Library opens late', 'The library now opens until nine.'));
    const deadline = Date.now() + 5000;
    while (archive.index.articles.length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(archive.index.articles.length).toBe(7);
    expect(reports.every((r) => !(r instanceof Error))).toBe(true);
  });
});

describe('savedBy: a shard loading the index its manager saved', () => {
  it('takes the hash the manager gave once, reading no corpus; without one it checks the corpus', async () => {
    const manager: { saved?: string } = { saved: 'abc' };
    const prepare = savedBy(manager);
    const options = { corpus: join(tmpdir(), 'newsdesk-no-such-corpus'), indexPath: join(tmpdir(), 'none.bin') };
    // No corpus there: had it been read, this would fail.
    await expect(prepare(options)).resolves.toEqual({ origin: 'cache', hash: 'abc' });
    expect(manager.saved).toBeUndefined();
    await expect(prepare(options)).rejects.toThrow('corpus not found');
  });

  it('loads the saved index by the hash given, and takes in as a delta what changed since the manager read the corpus', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-saved-by-'));
    const paths = { corpus: join(dir, 'corpus'), indexPath: join(dir, 'index.bin') };
    cpSync(SEEDS, paths.corpus, { recursive: true });
    try {
      // The manager's build, saved.
      const built = await Archive.open(paths);
      const hash = built.index.hash;
      await built.close();
      const manager: { saved?: string } = {};
      const shard = await Archive.open(paths, savedBy(manager));
      try {
        expect(shard.origin).toBe('cache');
        // A file the manager's rebuild did not see (written after it read the corpus).
        writeFileSync(
          join(paths.corpus, 'late.jsonl'),
          article('Zeppelin lands in Raqqa', 'A zeppelin landed in Raqqa on Tuesday, witnesses said.'),
        );
        manager.saved = hash;
        const report = await shard.reindex();
        expect(report).toMatchObject({ rebuilt: false, hash, articles: 5 });
        expect(answerQuestion(shard.index, 'Where did the zeppelin land?').results[0]?.articleId).toBe(
          'zeppelin-lands-in-raqqa',
        );
        // A hash the file no longer carries (a newer save): the saved file is checked and loaded, not rebuilt here.
        rmSync(join(paths.corpus, 'late.jsonl'));
        manager.saved = 'an older save';
        expect(await shard.reindex()).toMatchObject({ rebuilt: false, hash, articles: 5 });
      } finally {
        await shard.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
