/**
 * A corpus directory full of broken files of every format: each is skipped (or loaded, when it
 * can be read correctly) with a warning naming the file, the line where there is one, and a
 * short reason, while the good files beside it load. Small broken files are committed in
 * tests/fixtures/malformed/; byte-level ones (binary junk, legacy encodings, UTF-16, a huge file)
 * are written at test time into a copy of that directory.
 */
import { cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_BYTES, listCorpusFiles, loadCorpus } from '../../src/corpus.js';
import type { Article, CorpusWarning } from '../../src/core/types.js';
import { decodeBytes } from '../../src/core/parsers/encoding.js';

const FIXTURES = new URL('../fixtures/malformed', import.meta.url).pathname;

/** Deterministic junk bytes (a linear congruential generator), after a PNG signature. */
function junk(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(out);
  let x = seed;
  for (let i = 8; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const utf16 = (text: string, order: 'le' | 'be'): Buffer => {
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  return order === 'le' ? le : le.swap16();
};

/** The ids of the articles that must load whatever their neighbours hold. */
const GOOD_IDS = [
  'ferry-timetable',
  'good-harbour',
  'good-library',
  'good-orchard',
  'tram-1',
  'tram-3',
  'bom-json',
  'utf8-bom',
  'types-3',
];

describe('a corpus directory with malformed files of every format', () => {
  let dir: string;
  let articles: Article[];
  let warnings: CorpusWarning[];
  const byId = (id: string) => articles.find((a) => a.id === id);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-malformed-'));
    cpSync(FIXTURES, dir, { recursive: true });
    // Binary junk under every text extension.
    for (const [i, ext] of ['txt', 'md', 'html', 'json', 'jsonl'].entries())
      writeFileSync(join(dir, `junk.${ext}`), junk(4096, i + 1));
    // Valid UTF-8, but NUL bytes: a binary file all the same.
    writeFileSync(
      join(dir, 'nul-padded.jsonl'),
      Buffer.concat([Buffer.from('{"title": "x", "body": "y"}\n'), Buffer.alloc(512)]),
    );
    // Latin-1 and Windows-1252 exports: é ü « » in Latin-1, curly quotes and € in Windows-1252.
    writeFileSync(
      join(dir, 'latin1.txt'),
      Buffer.from(
        'Café owners in Zürich fight rent rises\n\n«We will stay», says the owner of the oldest café in the old town, whose rent doubled in May.\n',
        'latin1',
      ),
    );
    writeFileSync(
      join(dir, 'cp1252.md'),
      Buffer.concat([
        Buffer.from('---\ntitle: Museum ticket rises to 12 '),
        Buffer.from([0x80]),
        Buffer.from('\n---\n\nThe director said '),
        Buffer.from([0x93]),
        Buffer.from('prices had not moved in ten years'),
        Buffer.from([0x94]),
        Buffer.from('.\n'),
      ]),
    );
    // UTF-16 with a byte-order mark, both byte orders; and UTF-16 without one (unknown encoding).
    writeFileSync(
      join(dir, 'utf16le.txt'),
      utf16(
        'Snow closes the mountain pass\n\nThe pass road closed on Sunday after forty centimetres of snow fell overnight.\n',
        'le',
      ),
    );
    writeFileSync(
      join(dir, 'utf16be.json'),
      utf16(
        '{"id": "utf16-json", "title": "Ski lifts open a week early", "body": "The ski lifts above the village opened a week early after the snowfall."}',
        'be',
      ),
    );
    writeFileSync(
      join(dir, 'utf16-no-bom.txt'),
      Buffer.from('Flood defences hold\n\nThe river wall held during the storm.\n', 'utf16le'),
    );
    // A stray control character in an article is not enough to call the file binary.
    writeFileSync(
      join(dir, 'stray-control.txt'),
      'Bell tower rings again\n\nThe bell\x07 tower rang again on Sunday after forty years of silence. Volunteers spent two winters repairing the frame, and the parish raised the money for a new rope with a summer fair that drew visitors from three valleys.\n',
    );
    // Over the default size cap: a sparse file, so writing it costs nothing.
    writeFileSync(join(dir, 'huge.txt'), '');
    truncateSync(join(dir, 'huge.txt'), DEFAULT_MAX_FILE_BYTES + 1);
    ({ articles, warnings } = await loadCorpus(dir));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every good article beside the broken files', () => {
    for (const id of GOOD_IDS) expect(byId(id), id).toBeDefined();
    expect(byId('good-library')!.published).toBe('2024-05-06T09:00:00Z');
    expect(byId('good-orchard')!.sections.map((s) => s.heading)).toEqual([undefined, 'Cost']);
  });

  it('loads the other lines of a JSONL file with a truncated line in the middle, naming that line', () => {
    expect(articles.filter((a) => a.file === 'mixed-lines.jsonl').map((a) => [a.id, a.line])).toEqual([
      ['tram-1', 1],
      ['tram-3', 3],
    ]);
    expect(warnings.filter((w) => w.file === 'mixed-lines.jsonl')).toEqual([
      { file: 'mixed-lines.jsonl', line: 2, reason: expect.stringMatching(/^invalid JSON: Unterminated string/) },
    ]);
  });

  it('gives exactly one short warning per broken file, naming it (and the line where there is one)', () => {
    const skipped = (file: string, reason: string) => ({ file, reason });
    const binary = 'not a text file (binary data or an unknown encoding); skipped';
    expect(warnings).toEqual([
      { file: 'broken-front-matter.md', line: 4, reason: 'invalid front matter: missing closing "quote' },
      skipped('cp1252.md', 'not UTF-8: read as Windows-1252 (Latin-1)'),
      skipped('empty.html', 'no article found in the page'),
      skipped('empty.json', 'empty file'),
      skipped('empty.jsonl', 'no records: the file is empty'),
      skipped('empty.md', 'missing title'),
      skipped('empty.txt', 'no article text'),
      skipped('huge.txt', 'file too large (over the 20 MB limit); skipped'),
      skipped('junk.html', binary),
      skipped('junk.json', binary),
      skipped('junk.jsonl', binary),
      skipped('junk.md', binary),
      skipped('junk.txt', binary),
      skipped('latin1.txt', 'not UTF-8: read as Windows-1252 (Latin-1)'),
      { file: 'mixed-lines.jsonl', line: 2, reason: expect.stringMatching(/^invalid JSON: /) },
      skipped('no-article.html', 'no article found in the page'),
      skipped('nul-padded.jsonl', binary),
      skipped('truncated.json', expect.stringMatching(/^invalid JSON: Unterminated string/)),
      skipped('utf16-no-bom.txt', binary),
      skipped('wrong-types.json', 'item 0: wrong type: "title" is an array, expected a string'),
      skipped('wrong-types.json', 'item 1: wrong type: "body" is a number, expected a string'),
      skipped(
        'wrong-types.json',
        'item 2: wrong type: "tags" is an object, expected a list of strings or a comma-separated string',
      ),
    ]);
    for (const w of warnings) expect(w.reason.length, w.reason).toBeLessThan(120);
  });

  it('loads nothing from binary junk, empty files, truncated JSON or a page without an article', () => {
    const files = new Set(articles.map((a) => a.file));
    for (const f of [
      'junk.txt',
      'junk.md',
      'junk.html',
      'junk.json',
      'junk.jsonl',
      'nul-padded.jsonl',
      'huge.txt',
      'truncated.json',
      'no-article.html',
      'broken-front-matter.md',
      'utf16-no-bom.txt',
    ])
      expect(files.has(f), f).toBe(false);
    for (const ext of ['txt', 'md', 'html', 'json', 'jsonl']) expect(files.has(`empty.${ext}`)).toBe(false);
  });

  it('decodes Latin-1, Windows-1252 and UTF-16 (with a byte-order mark) correctly', () => {
    const latin1 = byId('latin1')!;
    expect(latin1.title).toBe('Café owners in Zürich fight rent rises');
    expect(latin1.sections[0]!.paragraphs[0]).toBe(
      '«We will stay», says the owner of the oldest café in the old town, whose rent doubled in May.',
    );
    const cp1252 = byId('cp1252')!;
    expect(cp1252.title).toBe('Museum ticket rises to 12 €');
    expect(cp1252.sections[0]!.paragraphs).toEqual(['The director said “prices had not moved in ten years”.']);
    expect(byId('utf16le')!.title).toBe('Snow closes the mountain pass');
    expect(byId('utf16-json')!.title).toBe('Ski lifts open a week early');
    // A UTF-8 byte-order mark is not part of the text.
    expect(byId('utf8-bom')!.title).toBe('Choir sings at the lighthouse');
    expect(byId('stray-control')!.title).toBe('Bell tower rings again');
  });

  it('skips files over a size cap given as a parameter, loading the smaller ones', async () => {
    const files = await listCorpusFiles(FIXTURES, { maxFileBytes: 300 });
    const harbour = files.find((f) => f.path === 'good-harbour.txt')!;
    const library = files.find((f) => f.path === 'good-library.html')!;
    expect(harbour.content.length).toBeGreaterThan(200);
    expect(harbour.skipped).toBeUndefined();
    expect(library).toEqual({
      path: 'good-library.html',
      content: '',
      skipped: 'file too large (over the 300 bytes limit); skipped',
      stamp: expect.any(String),
    });
    const { articles: small } = await loadCorpus(FIXTURES, { maxFileBytes: 300 });
    expect(small.map((a) => a.id)).toContain('good-harbour');
    expect(small.map((a) => a.id)).not.toContain('good-library');
  });
});

describe('decodeBytes', () => {
  it('reads UTF-8 with and without a byte-order mark, and UTF-16 with one', () => {
    expect(decodeBytes(Buffer.from('\uFEFFé😀'))).toEqual({ text: 'é😀' });
    expect(decodeBytes(Buffer.from('é😀'))).toEqual({ text: 'é😀' });
    expect(decodeBytes(utf16('é😀', 'le'))).toEqual({ text: 'é😀' });
    expect(decodeBytes(utf16('é😀', 'be'))).toEqual({ text: 'é😀' });
    expect(decodeBytes(new Uint8Array())).toEqual({ text: '' });
  });

  it('reads bytes that are not UTF-8 as Windows-1252, with a note', () => {
    expect(decodeBytes(Buffer.from([0x93, 0x63, 0x61, 0x66, 0xe9, 0x94, 0x20, 0x80]))).toEqual({
      text: '“café” €',
      note: 'not UTF-8: read as Windows-1252 (Latin-1)',
    });
    // The WHATWG table for 0x80–0x9F (Node's own TextDecoder gets these wrong: nodejs/node#60888).
    const high = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    expect(decodeBytes(high)).toEqual({
      text: '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ',
      note: 'not UTF-8: read as Windows-1252 (Latin-1)',
    });
  });

  it('reads UTF-8 with a few broken bytes as UTF-8, marking them, rather than as Windows-1252', () => {
    const damaged = Buffer.concat([Buffer.from('Zürich café '), Buffer.from([0xff]), Buffer.from(' naïve')]);
    expect(decodeBytes(damaged)).toEqual({
      text: 'Zürich café \uFFFD naïve',
      note: 'invalid UTF-8: 1 broken byte sequence shown as �',
    });
    // A Latin-1 é is itself a broken UTF-8 sequence: text with no valid multi-byte sequence is Windows-1252.
    expect(decodeBytes(Buffer.from('Zürich café', 'latin1'))).toEqual({
      text: 'Zürich café',
      note: 'not UTF-8: read as Windows-1252 (Latin-1)',
    });
  });

  it('refuses binary data and broken UTF-16', () => {
    expect(decodeBytes(junk(256, 7))).toEqual({ error: 'not a text file (binary data or an unknown encoding)' });
    expect(decodeBytes(Buffer.from('text\0more'))).toEqual({
      error: 'not a text file (binary data or an unknown encoding)',
    });
    expect(decodeBytes(Buffer.from([0xff, 0xfe, 0x00, 0xd8]))).toEqual({
      error: 'not valid UTF-16 after its UTF-16 byte-order mark',
    });
  });
});
