import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import { DigestInputError, parseSince, selectDigest, summarize } from '../../src/core/digest.js';
import { NewsIndex } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';
import { openEngine } from '../../src/engine.js';
import { splitSentences } from '../../src/core/sentences.js';

const aliases = buildAliasTable({ aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'] }] });
const article = (id: string, title: string, paragraphs: string[], extra: Partial<Article> = {}): Article => ({ id, title, tags: [], file: `${id}.jsonl`, sections: [{ paragraphs }], ...extra });

const articles: Article[] = [
  article('flood', 'Floods close the harbour', ['Heavy rain flooded the harbour on Monday, and ships were moved to the outer anchorage.', 'The port authority said repairs to the harbour walls will take two weeks.', 'Fishermen said the harbour had not flooded like this in forty years.'], { published: '2030-01-02T08:00:00Z' }),
  article('cells', 'Daesh cells hunted in the desert', ['Security forces hunted Islamic State cells in the desert. Several commanders were arrested near the border.'], { published: '2030-01-05T08:00:00Z', standfirst: 'Security forces arrest several ISIS commanders in a desert sweep near the border.' }),
  article('library', 'A new library opens', ['The city opened a library with ten thousand books. Children can borrow four books at a time.']),
  article('repairs', 'Harbour repairs begin', ['Workers began repairing the flooded harbour walls. The repairs are paid by the port authority.'], { published: '2029-12-01T08:00:00Z' }),
];
const index = NewsIndex.build(articles, { aliases, hash: 'digest' });
const NOW = new Date('2030-01-10T12:00:00Z');

describe('parseSince', () => {
  it('reads periods and dates relative to now', () => {
    expect(parseSince('7d', NOW).toISOString()).toBe('2030-01-03T12:00:00.000Z');
    expect(parseSince('24h', NOW).toISOString()).toBe('2030-01-09T12:00:00.000Z');
    expect(parseSince('2 weeks', NOW).toISOString()).toBe('2029-12-27T12:00:00.000Z');
    expect(parseSince('90m', NOW).toISOString()).toBe('2030-01-10T10:30:00.000Z');
    expect(parseSince('2030-01-01', NOW).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('refuses what it cannot read, with a message that says how to write it', () => {
    for (const bad of ['', 'soon', '7 fortnights', '0d', '99999w', '2030-13-45']) expect(() => parseSince(bad, NOW)).toThrow(DigestInputError);
  });
});

describe('selectDigest', () => {
  it('takes the newest first, undated ones by when they were first seen, and gives every article a verdict', () => {
    const s = selectDigest(index, { count: 10, firstSeen: new Map([['library', '2030-01-08T00:00:00Z']]) });
    expect(s.items.map((i) => i.articleId)).toEqual(['library', 'cells', 'flood', 'repairs']);
    expect([...s.verdicts.values()].every((v) => v === 'included')).toBe(true);
  });

  it('leaves out articles too old, already posted and over the count, and says which', () => {
    const s = selectDigest(index, { count: 1, since: parseSince('10d', NOW), exclude: new Set(['cells']) });
    expect(s.items.map((i) => i.articleId)).toEqual(['flood']);
    expect(Object.fromEntries(s.verdicts)).toEqual({ flood: 'included', cells: 'already-posted', library: 'over-count', repairs: 'too-old' });
  });

  it('filters by topic, other names of it included, and finds nothing for a topic the archive lacks', () => {
    expect(selectDigest(index, { count: 5, topic: 'ISIS' }).items.map((i) => i.articleId)).toEqual(['cells']);
    expect(selectDigest(index, { count: 5, topic: 'harbour' }).items.map((i) => i.articleId)).toEqual(['flood', 'repairs']);
    const none = selectDigest(index, { count: 5, topic: 'football transfers' });
    expect(none.items).toEqual([]);
    expect(none.verdicts.get('flood')).toBe('off-topic');
  });
});

describe('summarize', () => {
  it('uses the standfirst when there is one', () => {
    expect(summarize(index, 'cells')).toBe('Security forces arrest several ISIS commanders in a desert sweep near the border.');
  });

  it('otherwise picks central whole sentences of the article, within 20–400 characters', () => {
    const s = summarize(index, 'flood');
    expect(s.length).toBeGreaterThanOrEqual(20);
    expect(s.length).toBeLessThanOrEqual(400);
    const body = articles[0]!.sections[0]!.paragraphs.flatMap((p) => splitSentences(p));
    for (const sentence of splitSentences(s)) expect(body).toContain(sentence);
    expect(s).toMatch(/harbour/);
  });

  it('cuts one overlong sentence at a word, with an ellipsis', () => {
    const long = NewsIndex.build([article('long', 'A long one', [`${'The committee discussed the harbour budget at length '.repeat(12)}today.`])], { aliases, hash: 'long' });
    const s = summarize(long, 'long');
    expect(s.length).toBeLessThanOrEqual(400);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toMatch(/\s…$/);
  });

  it('gives every seed article a gist of 20–400 characters', async () => {
    const { index: seeds } = await openEngine({ corpus: new URL('../fixtures/seeds', import.meta.url).pathname, indexPath: null });
    for (const a of seeds.articles) {
      const s = summarize(seeds, a.id);
      expect(s.length, a.id).toBeGreaterThanOrEqual(20);
      expect(s.length, a.id).toBeLessThanOrEqual(400);
    }
  });
});
