import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerQuestion } from '../src/core/answer.js';
import { parseCorpusFiles } from '../src/corpus.js';
import { configureParseBudget, DEFAULT_PARSE_BUDGET } from '../src/workers/parseSandbox.js';
import {
  StoredArchive,
  StoredGuildArchives,
  type ArchiveWriter,
  type ParseOne,
  type WriteRequest,
} from '../src/storedArchive.js';

const SEEDS = new URL('./fixtures/seeds', import.meta.url).pathname;
/** Parsed here: no sandbox thread for a test. */
const parse: ParseOne = (file) => Promise.resolve(parseCorpusFiles([file]));
const md = (title: string, body: string) => `---\ntitle: ${title}\npublished: 2030-02-01\n---\n\n${body}\n`;
const GUILD = '123456789012345678';

/**
 * The sqlite backend with SHARDS: the manager writes the archive files, each shard reads them
 * and asks the manager (an ArchiveWriter, here a function) to take a change in.
 */
describe('a StoredArchive that reads a file another archive writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-stored-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks its writer to take changes in, answers from them at once, and never writes itself', async () => {
    const corpus = join(dir, 'corpus');
    const root = join(dir, 'guilds');
    const path = join(dir, 'index.sqlite');
    cpSync(SEEDS, corpus, { recursive: true });
    const writer = await StoredArchive.open({ corpus, path, parse });
    const writerGuilds = new StoredGuildArchives({ root, corpus, shared: writer, curators: [], parse });
    const asked: WriteRequest[] = [];
    const write: ArchiveWriter = (request) => {
      asked.push(request);
      return request.guildId ? writerGuilds.update(request.guildId) : writer.update(request.paths);
    };
    const reader = await StoredArchive.open({ corpus, path, writer: write });
    const guilds = new StoredGuildArchives({ root, corpus, shared: reader, curators: [] });
    expect(reader.index.held()).toEqual(writer.index.held());

    const ferry = 'When did the Arwad ferry resume?';
    writeFileSync(
      join(corpus, 'ferry.md'),
      md('Arwad ferry service resumes', 'The ferry to the island of Arwad resumed its crossings on Monday.'),
    );
    expect(await reader.update(['ferry.md'])).toBe(1);
    expect(answerQuestion(reader.index, ferry).results[0]?.title).toBe('Arwad ferry service resumes');
    // Its totals are read again at once (a reply's counts), not at the next question only.
    expect(reader.index.held().articles).toBe(writer.index.held().articles);

    const bridge = 'When did the Raqqa bridge reopen?';
    mkdirSync(join(root, GUILD), { recursive: true });
    writeFileSync(
      join(root, GUILD, 'bridge.md'),
      md('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday after repairs.'),
    );
    expect((await guilds.reindex(GUILD)).rebuilt).toBe(true);
    const own = await guilds.index(GUILD);
    expect(answerQuestion(own, bridge).results[0]?.title).toBe('Bridge at Raqqa reopens');
    expect(answerQuestion(own, ferry).results[0]?.title).toBe('Arwad ferry service resumes');
    expect(answerQuestion(reader.index, bridge).results.map((r) => r.title)).not.toContain('Bridge at Raqqa reopens');
    // Nothing more to take in: the server's file is current.
    expect((await guilds.reindex(GUILD)).rebuilt).toBe(false);
    expect(asked).toEqual([{ paths: ['ferry.md'] }, { guildId: GUILD }, { guildId: GUILD }]);

    // The reader's connections are read-only: a second writer cannot happen by mistake.
    expect(() => reader.store.setInfo('x', 'y')).toThrow(/readonly/);
    guilds.close();
    await reader.close();
    writerGuilds.close();
    await writer.close();
  });

  it('parses its own changes in the sandbox it started, whatever becomes of the process’s', async () => {
    const corpus = join(dir, 'corpus3');
    const path = join(dir, 'index3.sqlite');
    cpSync(SEEDS, corpus, { recursive: true });
    const writer = await StoredArchive.open({ corpus, path });
    await writer.startParsing();
    // The process's sandbox replaced by one no file can be parsed in (its thread cannot start within 1 ms).
    configureParseBudget({ timeoutMs: 1, memoryMb: DEFAULT_PARSE_BUDGET.memoryMb });
    try {
      writeFileSync(
        join(corpus, 'zorblax.md'),
        md('Zorblax festival opens', 'The zorblax festival opened in Quillmoor.'),
      );
      expect(await writer.update(['zorblax.md'])).toBe(1);
      expect(answerQuestion(writer.index, 'Where did the zorblax festival open?').results[0]?.title).toBe(
        'Zorblax festival opens',
      );
    } finally {
      configureParseBudget(DEFAULT_PARSE_BUDGET);
      await writer.close();
    }
  });

  it('fails a change its writer could not take in, and keeps answering', async () => {
    const corpus = join(dir, 'corpus2');
    const path = join(dir, 'index2.sqlite');
    cpSync(SEEDS, corpus, { recursive: true });
    const writer = await StoredArchive.open({ corpus, path, parse });
    const reader = await StoredArchive.open({
      corpus,
      path,
      writer: () => Promise.reject(new Error('the shard manager is gone')),
    });
    await expect(reader.update(['ferry.md'])).rejects.toThrow('the shard manager is gone');
    expect(answerQuestion(reader.index, 'Who is Sadam al-Jamal?').answered).toBe(true);
    await reader.close();
    await writer.close();
  });
});
