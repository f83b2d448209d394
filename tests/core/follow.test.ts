import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import {
  followPreview,
  matchTopic,
  normaliseTopic,
  planFollowMessage,
  topicSuggestions,
  type FollowPlanInput,
} from '../../src/core/follow.js';
import { selectDigest } from '../../src/core/digest.js';
import { NewsIndex } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';

const aliases = buildAliasTable({ aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'] }] });
const article = (id: string, title: string, paragraphs: string[], extra: Partial<Article> = {}): Article => ({
  id,
  title,
  tags: [],
  file: `${id}.jsonl`,
  sections: [{ paragraphs }],
  ...extra,
});

const articles: Article[] = [
  article('flood', 'Floods close the harbour', [
    'Heavy rain flooded the harbour on Monday, and ships were moved to the outer anchorage.',
    'The port authority said repairs to the harbour walls will take two weeks.',
  ]),
  article(
    'cells',
    'Security sweep in the desert',
    ['Security forces searched the desert for a week. Several Islamic State commanders were arrested near the border.'],
    { published: '2030-01-05T08:00:00Z', tags: ['Border security'] },
  ),
  article('library', 'A new library opens', [
    'The city opened a library with ten thousand books. Children can borrow four books at a time.',
  ]),
  article('raid', 'Raid on a Daesh hideout', ['Police raided a Daesh hideout in the hills. Two men were detained.'], {
    published: '2030-01-07T08:00:00Z',
  }),
];
const index = NewsIndex.build(articles, { aliases, hash: 'follow' });
const all = new Set(articles.map((a) => a.id));

const seen = new Map([
  ['flood', '2030-01-01T00:00:00.000Z'],
  ['library', '2030-01-01T00:00:00.000Z'],
  ['cells', '2030-01-06T00:00:00.000Z'],
  ['raid', '2030-01-08T00:00:00.000Z'],
]);
const plan = (over: Partial<FollowPlanInput> = {}) =>
  planFollowMessage(index, {
    follows: [{ topic: 'ISIS', createdAt: '2030-01-02T00:00:00.000Z' }],
    firstSeen: seen,
    sent: new Set(),
    messagesToday: 0,
    perDay: 5,
    ...over,
  });

describe('matchTopic', () => {
  it('finds the articles about the topic through its aliases, with the sentence that holds it', () => {
    const found = matchTopic(index, 'ISIS', all);
    expect(found.map((f) => f.articleId)).toEqual(['cells', 'raid']);
    expect(found[0]!.sentence).toBe('Several Islamic State commanders were arrested near the border.');
    expect(found[0]).toMatchObject({
      topic: 'ISIS',
      title: 'Security sweep in the desert',
      published: '2030-01-05T08:00:00Z',
    });
  });

  it('agrees with the digest topic filter, and looks only at the candidates', () => {
    const digest = selectDigest(index, { topic: 'harbour', count: 10 }).items.map((i) => i.articleId);
    expect(matchTopic(index, 'harbour', all).map((f) => f.articleId)).toEqual(digest);
    expect(matchTopic(index, 'ISIS', new Set(['raid'])).map((f) => f.articleId)).toEqual(['raid']);
    expect(matchTopic(index, 'ISIS', new Set())).toEqual([]);
    expect(matchTopic(index, 'volcano', all)).toEqual([]);
  });
});

describe('planFollowMessage', () => {
  it('sends the new matching articles, oldest arrival first, once each even under two topics', () => {
    const p = plan({
      follows: [
        { topic: 'Daesh', createdAt: '2030-01-02T00:00:00.000Z' },
        { topic: 'raid', createdAt: '2030-01-02T00:00:00.000Z' },
      ],
    });
    expect(p).toMatchObject({ send: true, waiting: 0 });
    expect(p.send && p.items.map((i) => [i.articleId, i.topic])).toEqual([
      ['cells', 'Daesh'],
      ['raid', 'Daesh'],
    ]);
  });

  it('leaves out what arrived before the follow and what was sent', () => {
    const later = plan({ follows: [{ topic: 'ISIS', createdAt: '2030-01-07T00:00:00.000Z' }] });
    expect(later.send && later.items.map((i) => i.articleId)).toEqual(['raid']);
    expect(plan({ sent: new Set(['cells', 'raid']) })).toEqual({ send: false, reason: 'nothing-new', waiting: 0 });
    // Arrivals older than the look-back are let go: two days after the raid only it is left, a week after nothing.
    const soon = plan({ now: '2030-01-10T00:00:00.000Z' });
    expect(soon.send && soon.items.map((i) => i.articleId)).toEqual(['raid']);
    expect(plan({ now: '2030-01-15T00:00:00.000Z' })).toMatchObject({ send: false, reason: 'nothing-new' });
    expect(plan({ follows: [{ topic: 'library', createdAt: '2030-01-02T00:00:00.000Z' }] })).toMatchObject({
      send: false,
      reason: 'nothing-new',
    });
  });

  it('holds the articles once the day’s messages are used, and caps one message', () => {
    expect(plan({ messagesToday: 5, perDay: 5 })).toEqual({ send: false, reason: 'daily-limit', waiting: 2 });
    const capped = plan({ perMessage: 1 });
    expect(capped).toMatchObject({ send: true, waiting: 1 });
    expect(capped.send && capped.items.map((i) => i.articleId)).toEqual(['cells']);
  });
});

describe('followPreview and suggestions', () => {
  it('previews what arrived (or, never seen, was published) since a date', () => {
    const since = new Date('2030-01-06T12:00:00Z');
    expect(followPreview(index, 'ISIS', since, seen).map((f) => f.articleId)).toEqual(['raid']);
    expect(followPreview(index, 'ISIS', new Date('2030-01-01T00:00:00Z')).map((f) => f.articleId)).toEqual([
      'cells',
      'raid',
    ]);
  });

  it('offers alias names and tags that contain what was typed', () => {
    expect(topicSuggestions(index, '', 25)).toEqual(['ISIS', 'Border security']);
    expect(topicSuggestions(index, 'bord', 25)).toEqual(['Border security']);
    expect(topicSuggestions(index, '', 1)).toEqual(['ISIS']);
    expect(normaliseTopic('  Islamic   State ')).toBe('Islamic State');
  });
});

describe('selectDigest with seenSince ("as they arrive")', () => {
  it('takes only what entered the archive since, whatever its date, and calls the rest too old', () => {
    const s = selectDigest(index, {
      topic: 'ISIS',
      count: 10,
      firstSeen: seen,
      seenSince: new Date('2030-01-07T00:00:00Z'),
    });
    expect(s.items.map((i) => i.articleId)).toEqual(['raid']);
    expect(Object.fromEntries(s.verdicts)).toEqual({
      flood: 'too-old',
      cells: 'too-old',
      library: 'too-old',
      raid: 'included',
    });
  });
});
