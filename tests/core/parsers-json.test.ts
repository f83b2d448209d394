import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseArticleFile } from '../../src/core/article.js';

const FORMATS = new URL('../fixtures/formats/', import.meta.url).pathname;
const fixture = (name: string) => parseArticleFile(`formats/${name}`, readFileSync(join(FORMATS, name), 'utf8'));
const MULTIHOP = '/work/shared/bench/multihop-rag/corpus.jsonl';

describe('JSON files', () => {
  it('loads an array of records; a record without an id gets <basename>#<index>', () => {
    expect(fixture('wire.json')).toEqual({
      articles: [
        {
          id: 'wire-0412',
          title: 'Fishing fleet stays in port as gale warning extended',
          url: 'https://wire.example/0412',
          published: '2024-01-16T06:00:00Z',
          source: 'Coastal Wire',
          tags: ['weather', 'fishing'],
          sections: [
            {
              paragraphs: [
                'The Port Ellis fishing fleet will stay in harbour until at least Thursday after the coastguard extended its gale warning.',
                'Skippers said the third lost week this winter would cost the fleet about 2 million dollars.',
              ],
            },
          ],
          file: 'formats/wire.json',
        },
        {
          id: 'wire#1',
          title: 'Ferry timetable cut for winter',
          published: '2023-10-02',
          tags: [],
          sections: [
            {
              paragraphs: [
                'The island ferry will run four times a day instead of six from 1 November, the operator said.',
              ],
            },
          ],
          file: 'formats/wire.json',
        },
      ],
      warnings: [],
    });
  });

  it('loads a single object (id = basename, `content` as body, an RFC 2822 `date` as ISO)', () => {
    const { articles, warnings } = fixture('market.json');
    expect(warnings).toEqual([]);
    expect(articles).toHaveLength(1);
    expect(articles[0]).toMatchObject({
      id: 'market',
      title: 'Fish market moves to new hall',
      published: '2024-01-13T08:00:00.000Z',
      source: 'Coastal Wire',
    });
    expect(articles[0]!.sections[0]!.paragraphs).toHaveLength(2);
  });

  it('warns about JSON that is not an article object, or not JSON', () => {
    expect(fixture('not-an-object.json')).toEqual({
      articles: [],
      warnings: [{ file: 'formats/not-an-object.json', reason: 'expected an article object, got a string' }],
    });
    const broken = parseArticleFile('b.json', '{"title": "x",');
    expect(broken.articles).toEqual([]);
    expect(broken.warnings).toHaveLength(1);
    expect(broken.warnings[0]!.reason).toMatch(/^invalid JSON: /);
    expect(parseArticleFile('e.json', '[]').warnings).toEqual([{ file: 'e.json', reason: 'empty array: no articles' }]);
  });

  it('skips a bad item of an array, naming its index, and loads the rest', () => {
    const r = parseArticleFile(
      'a.json',
      JSON.stringify([
        { title: 'One', body: 'First.' },
        { body: 'No title.' },
        7,
        { title: 'Four', body: 'Fourth.', url: 'nope' },
      ]),
    );
    expect(r.articles.map((a) => a.id)).toEqual(['a#0', 'a#3']);
    expect(r.articles[1]!.url).toBeUndefined();
    expect(r.warnings).toEqual([
      { file: 'a.json', reason: 'item 1: missing title' },
      { file: 'a.json', reason: 'item 2: expected an article object, got a number' },
      { file: 'a.json', reason: 'item 3: ignored invalid url "nope"' },
    ]);
  });
});

describe('JSONL files', () => {
  it('loads every good line, skipping the malformed one in the middle and blank lines', () => {
    const { articles, warnings } = fixture('wire.jsonl');
    expect(articles.map((a) => [a.id, a.line, a.title])).toEqual([
      ['w1', 1, 'Tide gauge installed at marina'],
      ['w3', 4, 'Lighthouse tours resume'],
    ]);
    expect(articles[0]).toMatchObject({ source: 'Coastal Wire', published: '2024-02-05', file: 'formats/wire.jsonl' });
    expect(articles[1]!.tags).toEqual(['tourism', 'heritage']);
    expect(warnings).toEqual([
      {
        file: 'formats/wire.jsonl',
        line: 2,
        reason: "invalid JSON: Expected ',' or '}' after property value in JSON at position 146",
      },
    ]);
  });

  it('names the line and the reason of each bad line', () => {
    const { articles, warnings } = fixture('bad-lines.jsonl');
    expect(articles.map((a) => [a.id, a.title])).toEqual([
      ['b1', 'Good first record'],
      ['b8', 'Good last record'],
    ]);
    expect(warnings).toEqual([
      { file: 'formats/bad-lines.jsonl', line: 2, reason: 'missing body' },
      { file: 'formats/bad-lines.jsonl', line: 3, reason: 'expected an article object, got an array' },
      { file: 'formats/bad-lines.jsonl', line: 4, reason: 'wrong type: "title" is a number, expected a string' },
      { file: 'formats/bad-lines.jsonl', line: 5, reason: 'wrong type: "body" is an array, expected a string' },
      {
        file: 'formats/bad-lines.jsonl',
        line: 6,
        reason: `invalid JSON: Unexpected token 'o', "not json at all" is not valid JSON`,
      },
      { file: 'formats/bad-lines.jsonl', line: 7, reason: 'missing title' },
      { file: 'formats/bad-lines.jsonl', line: 8, reason: 'ignored invalid url "not a url"' },
    ]);
  });

  it('reads the field aliases and treats null as absent', () => {
    const line = JSON.stringify({
      title: 'T',
      text: 'Para one\nstill one.\n\n\n  Para two.  ',
      published: '2024-01-02',
      author: null,
      url: null,
      tags: null,
      summary: 'Short.',
    });
    const { articles, warnings } = parseArticleFile('dir/feed.ndjson', `\n${line}\r\n`);
    expect(warnings).toEqual([]);
    expect(articles).toEqual([
      {
        id: 'feed#2',
        title: 'T',
        published: '2024-01-02',
        tags: [],
        standfirst: 'Short.',
        sections: [{ paragraphs: ['Para one still one.', 'Para two.'] }],
        file: 'dir/feed.ndjson',
        line: 2,
      },
    ]);
  });

  it('rejects fields of the wrong type, naming the field', () => {
    const reasons = [
      { title: 'T', body: 'B.', author: 5 },
      { title: 'T', body: 'B.', tags: [{}] },
      { title: 'T', body: 'B.', published_at: 20240102 },
      { title: 'T', body: '   ' },
    ].map((r) => parseArticleFile('f.jsonl', JSON.stringify(r)).warnings[0]!.reason);
    expect(reasons).toEqual([
      'wrong type: "author" is a number, expected a string or a list of strings',
      'wrong type: "tags" is an array, expected a list of strings or a comma-separated string',
      'wrong type: "published_at" is a number, expected a date string',
      'empty body',
    ]);
  });

  it('warns about an empty file', () => {
    expect(parseArticleFile('e.jsonl', '\n  \n')).toEqual({
      articles: [],
      warnings: [{ file: 'e.jsonl', reason: 'no records: the file is empty' }],
    });
  });

  it('loads each valid line and gives exactly one warning, with its line number, for each garbage line (property)', () => {
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,20}[a-z]$/);
    const record = fc.record({ id: fc.stringMatching(/^[a-z0-9]{1,8}$/), title: word, body: word.map((w) => `${w}.`) });
    const garbage = fc.oneof(
      fc
        .string({ minLength: 1, maxLength: 30 })
        .filter((s) => s.trim() !== '' && !s.includes('\n') && !s.includes('\r')),
      fc.constant('{"title": "unterminated'),
      fc.constant('{"body": "no title"}'),
      fc.constant('{"title": "no body"}'),
      fc.constant('[1, 2]'),
      fc.constant('null'),
    );
    const line = fc.oneof(
      record.map((r) => ({ good: r })),
      garbage.map((g) => ({ bad: g })),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (lines) => {
        const content = lines.map((l) => ('good' in l ? JSON.stringify(l.good) : l.bad)).join('\n');
        const { articles, warnings } = parseArticleFile('p.jsonl', content);
        const goodLines = lines.flatMap((l, i) => ('good' in l ? [i + 1] : []));
        const badLines = lines.flatMap((l, i) => ('bad' in l ? [i + 1] : []));
        expect(articles.map((a) => a.line)).toEqual(goodLines);
        expect(articles.map((a) => a.id)).toEqual(lines.flatMap((l) => ('good' in l ? [l.good.id] : [])));
        expect(warnings.map((w) => w.line)).toEqual(badLines);
        for (const w of warnings) expect(w.file).toBe('p.jsonl');
      }),
      { numRuns: 300 },
    );
  });

  it.runIf(existsSync(MULTIHOP))('loads the MultiHop-RAG corpus as it is', () => {
    const { articles, warnings } = parseArticleFile('corpus.jsonl', readFileSync(MULTIHOP, 'utf8'));
    expect(warnings).toEqual([]);
    expect(articles).toHaveLength(609);
    expect(new Set(articles.map((a) => a.id)).size).toBe(609);
    const ftx = articles.find((a) => a.id === 'd0175')!;
    expect(ftx).toMatchObject({
      title: 'The FTX trial is bigger than Sam Bankman-Fried',
      url: 'https://www.theverge.com/2023/9/28/23893269/ftx-sam-bankman-fried-trial-evidence-crypto',
      source: 'The Verge',
      published: '2023-09-28T12:00:00+00:00',
      author: 'Elizabeth Lopatto',
      line: 176,
    });
    expect(ftx.sections[0]!.paragraphs[0]).toBe(
      'The trial of Sam Bankman-Fried is likely to be more consequential than just whether the man himself is found guilty. Depending on what evidence is introduced during the trial, it could be rough for the entire crypto industry.',
    );
    // Records with `"author": null` load without one.
    expect(articles.filter((a) => a.author === undefined).length).toBeGreaterThan(0);
  });
});
