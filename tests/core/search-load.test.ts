import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion } from '../../src/core/answer.js';
import MiniSearch from 'minisearch';
import { madeSpelling, miniOptions } from '../../src/core/index-spelling.js';
import { NewsIndex, readIndexHead, readsIndexFormat, sectionsToRead, type SectionName } from '../../src/core/search.js';
import { loadIndexFile, loadIndexFileAsync, readIndexSummary } from '../../src/indexFile.js';
import type { Article } from '../../src/core/types.js';
import type { Passage } from '../../src/core/passages.js';
import { countLoopTurns } from '../setup/loopTurns.js';

const aliases = buildAliasTable({ aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'] }] });

const WORDS = [
  'harbour',
  'flood',
  'council',
  'budget',
  'election',
  'storm',
  'library',
  'museum',
  'railway',
  'strike',
  'minister',
  'festival',
  'bridge',
  'hospital',
  'school',
];

/** Articles with varied words (a vocabulary of thousands of terms, so the term index has many chunks). */
function articles(n: number): Article[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `a${i}`,
    title: `${WORDS[i % WORDS.length]} report ${i}`,
    tags: [],
    file: `a${i}.txt`,
    source: i % 3 ? 'City Post' : 'Harbour News',
    published: `2023-10-${String((i % 28) + 1).padStart(2, '0')}T08:00:00Z`,
    sections: [
      {
        paragraphs: [
          `The ${WORDS[(i * 7) % WORDS.length]} of district${i} met on Monday. Word${i} and term${i * 3} were said, Daesh was not.`,
          `A second paragraph about ${WORDS[(i * 5) % WORDS.length]} number ${i}.`,
        ],
      },
    ],
  }));
}

const QUESTIONS = [
  'harbour report 12',
  'Who met in district40?',
  'Islamic State',
  'term300 word100',
  'museum festival',
  'railwya strike',
];

/**
 * A format-14 index file as format 13 wrote it: the parts 14 keeps in sections of their own
 * (vocabulary, headings, minisearch's metadata, extra) back in the header.
 */
function asFormat13(v14: Buffer): Buffer {
  const jsonLength = v14.readUInt32LE(8);
  const header = JSON.parse(v14.toString('utf8', 12, 12 + jsonLength)) as {
    hash: string;
    aliases: string;
    sections: Record<string, [number, number]>;
    narrow: unknown;
  };
  const body = 12 + jsonLength + ((4 - (jsonLength % 4)) % 4);
  const part = (name: string): unknown => {
    const [offset, length] = header.sections[name]!;
    delete header.sections[name];
    return JSON.parse(v14.toString('utf8', body + offset, body + offset + length));
  };
  const json = Buffer.from(
    JSON.stringify({
      formatVersion: 13,
      hash: header.hash,
      extra: part('extraJson'),
      headings: part('headingsJson'),
      vocab: part('vocabJson'),
      aliases: header.aliases,
      mini: part('miniMeta'),
      sections: header.sections,
      narrow: header.narrow,
    }),
  );
  const preamble = Buffer.alloc(12);
  preamble.writeUInt32LE(v14.readUInt32LE(0), 0);
  preamble.writeUInt32LE(13, 4);
  preamble.writeUInt32LE(json.length, 8);
  return Buffer.concat([preamble, json, Buffer.alloc((4 - (json.length % 4)) % 4), v14.subarray(body)]);
}

describe('loadIndexFileAsync and NewsIndex.fromBufferAsync', () => {
  const built = NewsIndex.build(articles(2500), { aliases, hash: 'big' });
  const bytes = built.toBuffer({ note: 'kept' });

  it('answer exactly as the built index and the synchronous load do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-load-'));
    try {
      const path = join(dir, 'index.bin');
      writeFileSync(path, bytes);
      const fromFile = (await loadIndexFileAsync(path))!;
      const fromBuffer = await NewsIndex.fromBufferAsync(bytes);
      expect(fromFile.extra).toEqual({ note: 'kept' });
      expect(fromBuffer.index.hash).toBe('big');
      const sync = loadIndexFile(path)!.index;
      for (const q of QUESTIONS) {
        const expected = answerQuestion(built, q, { k: 4 });
        expect(expected.results.length + (expected.nearest?.length ?? 0)).toBeGreaterThan(0);
        expect(answerQuestion(fromFile.index, q, { k: 4 })).toEqual(expected);
        expect(answerQuestion(fromBuffer.index, q, { k: 4 })).toEqual(expected);
        expect(answerQuestion(sync, q, { k: 4 })).toEqual(expected);
      }
      expect(fromFile.index.articles).toEqual(built.articles);
      expect(await loadIndexFileAsync(path, {}, () => false)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps sections read into buffers of their own as its arrays, and answers as the built index', async () => {
    const head = readIndexHead(bytes);
    const read = new Map<SectionName, Uint8Array>();
    for (const { name, offset, bytes: length } of sectionsToRead(head, true))
      read.set(name, new Uint8Array(bytes.subarray(offset, offset + length)));
    const section = (name: SectionName) => read.get(name)!;
    const sync = NewsIndex.fromSections(head, section);
    const sliced = await NewsIndex.fromSectionsAsync(head, section);
    for (const { index } of [sync, sliced]) {
      // Not copied: a load at 10x copied 100 MB a megabyte per step on the serving thread.
      expect(index.parts.tokens.buffer).toBe(read.get('tokens')!.buffer);
      expect(index.parts.postings.tf.buffer).toBe(read.get('postTf')!.buffer);
      for (const q of QUESTIONS) expect(answerQuestion(index, q, { k: 4 })).toEqual(answerQuestion(built, q, { k: 4 }));
    }
    expect(sync.extra).toEqual({ note: 'kept' });
    for (const { index } of [sync, sliced]) {
      // The passages too: columns over the sections read, not one object per passage (210,740 at
      // 10x, every one surviving a reload's scavenges); a passage is made when it is read.
      const { store } = index.parts.passages;
      expect(store.article.buffer).toBe(read.get('passageArticle')!.buffer);
      expect(store.heading.buffer).toBe(read.get('passageHeading')!.buffer);
      expect(index.passages).not.toBeInstanceOf(Array);
      expect(index.passages.length).toBe(built.passages.length);
      const shape = (p: Passage) => [p.article, p.position, p.heading, p.lead, p.text, p.sentences];
      for (let p = 0; p < built.passages.length; p += 7)
        expect(shape(index.passage(p))).toEqual(shape(built.passage(p)));
      expect([...index.passages].map(shape)).toEqual([...built.passages].map(shape));
      expect(() => index.passage(built.passages.length)).toThrow(RangeError);
    }
    // What a file load reads: every section but the passage text, which it leaves in the file.
    expect(sectionsToRead(head, false).map((s) => s.name)).not.toContain('text');
  });

  it('keeps the vocabulary and the rest out of the header, and still reads a format-13 file that held them there', async () => {
    // Parsed with the header in one step, they held a load 26 ms at 10x.
    expect(Object.keys(readIndexHead(bytes).header)).not.toContain('vocab');
    const old = asFormat13(bytes);
    expect(NewsIndex.peek(old)).toEqual({ formatVersion: 13, hash: 'big' });
    expect(readsIndexFormat(13)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-load-'));
    try {
      const path = join(dir, 'index.bin');
      writeFileSync(path, old);
      for (const loaded of [NewsIndex.fromBuffer(old), loadIndexFile(path)!, (await loadIndexFileAsync(path))!]) {
        expect(loaded.extra).toEqual({ note: 'kept' });
        for (const q of QUESTIONS)
          expect(answerQuestion(loaded.index, q, { k: 4 })).toEqual(answerQuestion(built, q, { k: 4 }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells what a file holds from its header and extra section alone, in format 14 and 13', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-load-'));
    try {
      for (const [name, data] of [
        ['current.bin', bytes],
        ['old.bin', asFormat13(bytes)],
      ] as const) {
        const path = join(dir, name);
        writeFileSync(path, data);
        expect(await readIndexSummary(path)).toEqual({
          hash: 'big',
          articles: built.articles.length,
          passages: built.passages.length,
          extra: { note: 'kept' },
        });
        expect(await readIndexSummary(path, () => false)).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file cut short inside a section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-load-'));
    try {
      const path = join(dir, 'index.bin');
      writeFileSync(path, bytes.subarray(0, bytes.length - 4));
      expect(() => loadIndexFile(path)).toThrow(/truncated/);
      await expect(loadIndexFileAsync(path)).rejects.toThrow(/truncated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets the event loop run while it loads (other callbacks run before it ends)', async () => {
    const turns = countLoopTurns();
    try {
      const started = performance.now();
      const { index } = await NewsIndex.fromBufferAsync(bytes);
      await index.warmUp();
      const ms = performance.now() - started;
      // Only work that outlasts a slice (8 ms) needs to pause; the load and the warm-up do, several times over.
      expect(ms).toBeGreaterThan(20);
      expect(turns.count).toBeGreaterThan(1);
    } finally {
      turns.stop();
    }
  });

  it('leaves spelling correction for its first use or a warm-up, and corrects the same either way', async () => {
    const misspelt = ['railwya strike', 'musuem festivl', 'hopsital'];
    const cold = NewsIndex.fromBuffer(bytes).index;
    const warmed = NewsIndex.fromBuffer(bytes).index;
    await warmed.warmUp();
    await warmed.warmUp(); // a second warm-up finds it made
    for (const q of misspelt) {
      const expected = answerQuestion(built, q, { k: 4 });
      expect(answerQuestion(cold, q, { k: 4 })).toEqual(expected);
      expect(answerQuestion(warmed, q, { k: 4 })).toEqual(expected);
    }
    // The correction really ran: the misspelt word was read as the archive's.
    expect(cold.parseQuery('railwya strike').terms.some((t) => t.corrected)).toBe(true);
  });

  it("keeps a loaded spelling index's postings as integers, read as the built index's Maps", async () => {
    const { index } = NewsIndex.fromBuffer(bytes);
    await index.warmUp();
    type Terms = Map<string, Iterable<[number, Map<number, number>]>>;
    const termsOf = (mini: unknown) => (mini as { _index: Terms })._index;
    const loaded = termsOf(madeSpelling(index.parts.mini));
    const made = termsOf(madeSpelling(built.parts.mini));
    let compared = 0;
    for (const [term, fields] of made) {
      const got = loaded.get(term)!;
      // Not one Map per term and field (at 10x: 2.95 million entries, all surviving a reload's scavenges).
      expect(got).not.toBeInstanceOf(Map);
      expect(new Map(got)).toEqual(new Map(fields));
      if (++compared === 400) break;
    }
    expect(compared).toBe(400);
    // What the spelling correction asks of it, hit for hit and score for score, as minisearch's own
    // load of the same saved form answers (the load made its Maps that way before).
    const reference = MiniSearch.loadJS(
      JSON.parse(JSON.stringify(madeSpelling(built.parts.mini))) as Parameters<typeof MiniSearch.loadJS>[0],
      miniOptions(aliases),
    );
    for (const [word, how] of [
      ['railwya', { fuzzy: 2 }],
      ['musuem', { fuzzy: 2 }],
      ['hospitl', { fuzzy: 1 }],
      ['distrct', { fuzzy: 2, combineWith: 'OR' }],
      ['distr', { prefix: true }],
      ['wor', { prefix: true }],
    ] as const) {
      const found = madeSpelling(index.parts.mini).search(word, { ...how, fields: ['title', 'body'] });
      expect(found.length, word).toBeGreaterThan(0);
      expect(found).toEqual(reference.search(word, { ...how, fields: ['title', 'body'] }));
    }
    // Saved again, the loaded index writes the bytes it was loaded from: the postings come back as saved.
    expect(
      NewsIndex.fromBuffer(index.toBuffer({ note: 'kept' }))
        .index.toBuffer({ note: 'kept' })
        .equals(bytes),
    ).toBe(true);
  });

  it('answers while the spelling index warms up without making it a second time at once (no stall)', async () => {
    const warming = NewsIndex.fromBuffer(bytes).index;
    const warmUp = warming.warmUp();
    // Made in one go here, this took seconds of a blocked event loop at 10×: the question goes uncorrected meanwhile
    // ("railwqy" needs the spelling index; two swapped letters, "railwya", would not).
    expect(warming.parseQuery('railwqy strike').terms.some((t) => t.corrected)).toBe(false);
    await warmUp;
    expect(warming.parseQuery('railwqy strike').terms.some((t) => t.corrected)).toBe(true);
  });

  it('refuses what is not an index, as the synchronous load does', async () => {
    await expect(NewsIndex.fromBufferAsync(Buffer.from('{"formatVersion": 6}'))).rejects.toThrow(
      /not a Newsdesk index/,
    );
    await expect(NewsIndex.fromBufferAsync(bytes.subarray(0, bytes.length - 4))).rejects.toThrow(/truncated/);
  });
});
