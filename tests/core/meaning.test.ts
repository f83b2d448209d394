import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { readFileSync } from 'node:fs';
import {
  articleMeaning,
  askedTerms,
  encodeTermVectors,
  questionMeaning,
  readTermVectors,
  similarity,
} from '../../src/core/meaning.js';
import { rerank, SHORT_QUESTION_TERMS, weighsMeaning } from '../../src/core/rerank.js';
import { NewsIndex } from '../../src/core/search.js';
import { TERM_VECTOR_FILE, TERM_VECTORS } from '../../src/termVectors.js';
import { article, firstPassageHit } from './articles.js';

// Two stories that share no word a question below asks, one about a storm at sea, one about a budget.
const storm = article('storm', 'Night at sea', [
  'Gales and heavy rain battered the fishing fleet overnight, and the coastguard rescued two crews from sinking boats.',
  'Waves reached nine metres off the headland before the wind eased at dawn.',
]);
const budget = article('budget', 'Council meeting', [
  'The council approved the library budget and the repairs planned for the town hall roof after a long debate.',
  'Councillors also voted to extend the school bus routes next year.',
]);
const index = NewsIndex.build([budget, storm], {
  aliases: buildAliasTable({ aliases: [] }, { termVectors: TERM_VECTORS }),
});
const meaningOf = (question: string) => questionMeaning(index, askedTerms(index.parseQuery(question)));
const hit = (a: number) => firstPassageHit(index, a);
const even = () => ({ coverage: 0.5, namesMissed: 0, answerHeld: false });

describe('term vectors', () => {
  it('the bundled file holds one row of 100 for each of its terms', () => {
    const table = readTermVectors(readFileSync(TERM_VECTOR_FILE));
    expect(table.width).toBe(100);
    expect(table.count).toBeGreaterThan(15_000);
    expect(table.bytes.length).toBe(table.count * 100);
    expect(table.row('storm')).toBeGreaterThan(0);
    expect(table.row('stormz')).toBeUndefined();
  });

  it('reads back what it writes, and refuses bytes that are no vector file', () => {
    const rows = Int8Array.from([1, -2, 3, 127, 0, -128]);
    const table = readTermVectors(encodeTermVectors(['peace', 'war'], 3, rows));
    expect([table.row('peace'), table.row('war'), table.row('pea'), table.row('wars'), table.row('')]).toEqual([
      0,
      1,
      undefined,
      undefined,
      undefined,
    ]);
    expect(() => encodeTermVectors(['war', 'peace'], 3, rows)).toThrow(/not sorted/);
    expect(readTermVectors(encodeTermVectors([], 3, new Int8Array(0))).row('war')).toBeUndefined();
    expect([...table.bytes]).toEqual([...rows]);
    expect(() => readTermVectors(new TextEncoder().encode('not vectors at all'))).toThrow(/not a term vector file/);
    const cut = encodeTermVectors(['war'], 3, Int8Array.from([1, 2, 3])).subarray(0, 17);
    expect(() => readTermVectors(cut)).toThrow(/wrong length/);
  });

  it('place related words nearer each other than unrelated ones', () => {
    const near = similarity(meaningOf('hurricane'), meaningOf('storm'));
    const far = similarity(meaningOf('hurricane'), meaningOf('library'));
    expect(near).toBeGreaterThan(0.5);
    expect(near).toBeGreaterThan(far + 0.3);
  });
});

describe('meaning', () => {
  it('brings a short question nearer the story on its subject, though they share no word', () => {
    const q = meaningOf('How bad was the hurricane for sailors?');
    expect(similarity(q, articleMeaning(index, 1))).toBeGreaterThan(similarity(q, articleMeaning(index, 0)) + 0.1);
  });

  it('is none for words no vector holds or without vectors, and the same article gives the same meaning again', () => {
    expect(meaningOf('Qxzvv wrrbl?')).toBeUndefined();
    const plain = NewsIndex.build([budget, storm], { aliases: buildAliasTable({ aliases: [] }) });
    expect(questionMeaning(plain, askedTerms(plain.parseQuery('storm at sea')))).toBeUndefined();
    expect(articleMeaning(plain, 1)).toBeUndefined();
    expect(articleMeaning(index, 1)).toBe(articleMeaning(index, 1));
  });

  it('puts the story on the subject first for a short question when the words asked tie', () => {
    const query = index.parseQuery('How bad was the hurricane for sailors?');
    const out = rerank(index, query, [hit(0), hit(1)], even);
    expect(out.map((h) => index.articles[h.article]!.id)).toEqual(['storm', 'budget']);
  });

  it('leaves a question that names something to its words: the name pins the story', () => {
    const query = index.parseQuery('How bad was the hurricane for Councillors?');
    expect(query.names.length).toBeGreaterThan(0);
    expect(weighsMeaning(query, askedTerms(query))).toBe(false);
    expect(rerank(index, query, [hit(0), hit(1)], even).map((h) => h.article)).toEqual([0, 1]);
    const plain = index.parseQuery('How bad was the hurricane for sailors?');
    expect(weighsMeaning(plain, askedTerms(plain))).toBe(true);
  });

  it('leaves a long question to its words', () => {
    const long = 'How bad was the hurricane for the sailors and fishermen of the northern coast towns last winter?';
    const query = index.parseQuery(long);
    expect(askedTerms(query).length).toBeGreaterThan(SHORT_QUESTION_TERMS);
    // Equal evidence: the ranking's order stands (the sort is stable).
    expect(rerank(index, query, [hit(0), hit(1)], even).map((h) => h.article)).toEqual([0, 1]);
  });
});
