import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isSkipped, loadCorpus, parseCorpusFiles } from '../../src/corpus.js';

// A file that exists but cannot be read (permissions cannot stop root, so the read is made to fail).
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    readFile: (async (path: Parameters<typeof real.readFile>[0], options?: Parameters<typeof real.readFile>[1]) => {
      if (String(path).endsWith('locked.txt'))
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(path)}'`), { code: 'EACCES' });
      return real.readFile(path, options);
    }) as typeof real.readFile,
  };
});

const FIX = new URL('../fixtures/', import.meta.url).pathname;

function mixedCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-loaders-'));
  mkdirSync(join(dir, 'sub'));
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, '_drafts'));
  copyFileSync(join(FIX, 'seeds/000_265a22b589eca241.txt'), join(dir, '000_265a22b589eca241.txt'));
  copyFileSync(join(FIX, 'formats/harbour-bridge.md'), join(dir, 'sub/harbour-bridge.md'));
  copyFileSync(join(FIX, 'formats/coastal-council.html'), join(dir, 'sub/coastal-council.html'));
  copyFileSync(join(FIX, 'formats/storm-survey-bad-yaml.md'), join(dir, 'storm-survey.md'));
  copyFileSync(join(FIX, 'formats/wire.jsonl'), join(dir, 'wire.jsonl'));
  copyFileSync(join(FIX, 'formats/wire.json'), join(dir, 'sub/wire.json'));
  writeFileSync(
    join(dir, 'dupe.json'),
    JSON.stringify({ id: 'w1', title: 'Same id, earlier file', body: 'Loaded first.' }),
  );
  writeFileSync(join(dir, 'README.md'), '# About this corpus\n\nNotes for editors.');
  writeFileSync(join(dir, 'notes.pdf'), '%PDF-1.7');
  writeFileSync(join(dir, 'locked.txt'), 'Headline\n\nBody.');
  writeFileSync(join(dir, 'aliases.yaml'), 'aliases: []\n');
  writeFileSync(join(dir, 'sub/aliases.yml'), 'aliases: []\n');
  writeFileSync(join(dir, '.hidden.txt'), 'Hidden\n\nBody.');
  writeFileSync(join(dir, '_draft.md'), '# Draft\n\nBody.');
  writeFileSync(join(dir, '.git/HEAD.txt'), 'Head\n\nBody.');
  writeFileSync(join(dir, '_drafts/later.txt'), 'Later\n\nBody.');
  return dir;
}

describe('loadCorpus', () => {
  it('loads a directory of mixed formats in sorted order, with a warning for each problem', async () => {
    const { articles, warnings, files } = await loadCorpus(mixedCorpus());
    expect(files).toEqual([
      '000_265a22b589eca241.txt',
      'README.md',
      'dupe.json',
      'locked.txt',
      'notes.pdf',
      'storm-survey.md',
      'sub/coastal-council.html',
      'sub/harbour-bridge.md',
      'sub/wire.json',
      'wire.jsonl',
    ]);
    expect(articles.map((a) => [a.id, a.file])).toEqual([
      ['000_265a22b589eca241', '000_265a22b589eca241.txt'],
      ['README', 'README.md'],
      ['w1', 'dupe.json'],
      ['coastal-council', 'sub/coastal-council.html'],
      ['harbour-bridge', 'sub/harbour-bridge.md'],
      ['wire-0412', 'sub/wire.json'],
      ['wire#1', 'sub/wire.json'],
      ['w3', 'wire.jsonl'],
    ]);
    expect(articles.find((a) => a.id === 'w1')!.title).toBe('Same id, earlier file');
    expect(warnings).toEqual([
      { file: 'locked.txt', reason: 'could not read the file: EACCES' },
      { file: 'notes.pdf', reason: 'unsupported file type ".pdf"' },
      {
        file: 'storm-survey.md',
        line: 4,
        reason:
          'invalid front matter: flow sequence in block collection must be sufficiently indented and end with a ]',
      },
      { file: 'wire.jsonl', line: 1, reason: 'duplicate article id "w1" (first in dupe.json); skipped' },
      {
        file: 'wire.jsonl',
        line: 2,
        reason: "invalid JSON: Expected ',' or '}' after property value in JSON at position 146",
      },
    ]);
  });

  it('names the first file and line of a duplicate inside one file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-dupes-'));
    writeFileSync(
      join(dir, 'feed.jsonl'),
      ['{"id":"x","title":"A","body":"First."}', '{"id":"x","title":"B","body":"Second."}'].join('\n'),
    );
    const { articles, warnings } = await loadCorpus(dir);
    expect(articles.map((a) => a.title)).toEqual(['A']);
    expect(warnings).toEqual([
      { file: 'feed.jsonl', line: 2, reason: 'duplicate article id "x" (first in feed.jsonl:1); skipped' },
    ]);
  });

  it('keeps the operator’s article over an added or feed one with the same id, whatever the sort order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-precedence-'));
    mkdirSync(join(dir, 'added'));
    mkdirSync(join(dir, 'feeds', '1'), { recursive: true });
    // added/ and feeds/ sort before zeta.json: the operator's file must still win.
    writeFileSync(join(dir, 'added', 'a.json'), '{"id":"story","title":"Uploaded impostor","body":"Fake."}');
    writeFileSync(join(dir, 'feeds', '1', 'b.md'), '---\nid: story\ntitle: Feed impostor\n---\n\nFake too.\n');
    writeFileSync(join(dir, 'zeta.json'), '{"id":"story","title":"The real story","body":"Real."}');
    const { articles, warnings } = await loadCorpus(dir);
    expect(articles.map((a) => [a.id, a.title])).toEqual([['story', 'The real story']]);
    expect(warnings).toEqual([
      { file: 'added/a.json', reason: 'duplicate article id "story" (kept from zeta.json); skipped' },
      { file: 'feeds/1/b.md', reason: 'duplicate article id "story" (kept from zeta.json); skipped' },
    ]);
  });

  it('loads a single file, naming it by its base name', async () => {
    const { articles, warnings, files } = await loadCorpus(join(FIX, 'formats/wire.jsonl'));
    expect(files).toEqual(['wire.jsonl']);
    expect(articles.map((a) => [a.id, a.file])).toEqual([
      ['w1', 'wire.jsonl'],
      ['w3', 'wire.jsonl'],
    ]);
    expect(warnings.map((w) => [w.file, w.line])).toEqual([['wire.jsonl', 2]]);
  });

  it('loads the five seeds with no warnings', async () => {
    const { articles, warnings } = await loadCorpus(join(FIX, 'seeds'));
    expect(warnings).toEqual([]);
    expect(articles.map((a) => a.id)).toEqual([
      '000_265a22b589eca241',
      '001_6769e8153fbb5a3b',
      '002_a2c911d8e0e811de',
      '003_673823d6fb807e77',
      '004_37483b185861883f',
    ]);
  });

  it('throws only when the corpus path does not exist', async () => {
    await expect(loadCorpus('/no/such/corpus')).rejects.toThrow('corpus not found: /no/such/corpus');
    const empty = mkdtempSync(join(tmpdir(), 'newsdesk-empty-'));
    expect(await loadCorpus(empty)).toEqual({ articles: [], warnings: [], files: [] });
  });
});

describe('corpus helpers', () => {
  it('skips hidden and private files and folders and the alias data, nothing else', () => {
    expect(
      ['.x.txt', 'a/.git/b.txt', '_draft.md', 'a/_old/b.md', 'aliases.yaml', 'sub/aliases.yml'].every(isSkipped),
    ).toBe(true);
    expect(['README.md', 'a/b.txt', 'my_aliases.yaml', 'aliases.json', 'x_y.md'].some(isSkipped)).toBe(false);
  });

  it('turns a read error into a warning', () => {
    expect(parseCorpusFiles([{ path: 'gone.txt', content: '', error: 'ENOENT' }])).toEqual({
      articles: [],
      warnings: [{ file: 'gone.txt', reason: 'could not read the file: ENOENT' }],
    });
  });
});

describe('ids of same-named files in different folders', () => {
  it('loads both: the top-level file keeps its name as id, the one in a sub-folder takes its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-same-name-'));
    mkdirSync(join(dir, '2023'));
    mkdirSync(join(dir, '2024'));
    // Sorted, 2023/ and 2024/ come before the top-level file: it keeps its id all the same.
    writeFileSync(join(dir, 'harbour.md'), '# Harbour at the top\n\nTop-level text.\n');
    writeFileSync(join(dir, '2023', 'harbour.md'), '# Harbour in 2023\n\nText of 2023.\n');
    writeFileSync(join(dir, '2024', 'harbour.md'), '# Harbour in 2024\n\nText of 2024.\n');
    writeFileSync(join(dir, '2024', 'wire.jsonl'), '{"title":"Wire one","body":"First line."}\n');
    writeFileSync(join(dir, 'wire.jsonl'), '{"title":"Top wire","body":"Top line."}\n');
    // An id a file names itself is not renamed: a real duplicate is still skipped with a warning.
    writeFileSync(join(dir, '2024', 'named.json'), '{"id":"harbour","title":"Named impostor","body":"Fake."}');
    const { articles, warnings } = await loadCorpus(dir);
    expect(articles.map((a) => [a.id, a.file]).sort()).toEqual(
      [
        ['2023/harbour', '2023/harbour.md'],
        ['2024/harbour', '2024/harbour.md'],
        ['2024/wire#1', '2024/wire.jsonl'],
        ['harbour', 'harbour.md'],
        ['wire#1', 'wire.jsonl'],
      ].sort(),
    );
    expect(warnings).toEqual([
      { file: '2024/named.json', reason: 'duplicate article id "harbour" (kept from harbour.md); skipped' },
    ]);
  });
});
