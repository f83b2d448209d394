import { describe, expect, it } from 'vitest';
import { buildAliasTable } from '../../src/core/aliases.js';
import {
  DIGEST_MAX_COUNT,
  DigestInputError,
  explainVerdict,
  parseSince,
  selectDigest,
  summarize,
  type DigestSelection,
} from '../../src/core/digest.js';
import { NewsIndex } from '../../src/core/search.js';
import type { Article } from '../../src/core/types.js';
import { BUNDLED_CORPUS, loadAliases, openEngine } from '../../src/engine.js';
import { loadCorpus } from '../../src/corpus.js';
import { splitSentences } from '../../src/core/sentences.js';

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
  article(
    'flood',
    'Floods close the harbour',
    [
      'Heavy rain flooded the harbour on Monday, and ships were moved to the outer anchorage.',
      'The port authority said repairs to the harbour walls will take two weeks.',
      'Fishermen said the harbour had not flooded like this in forty years.',
    ],
    { published: '2030-01-02T08:00:00Z' },
  ),
  article(
    'cells',
    'Daesh cells hunted in the desert',
    ['Security forces hunted Islamic State cells in the desert. Several commanders were arrested near the border.'],
    {
      published: '2030-01-05T08:00:00Z',
      standfirst: 'Security forces arrest several ISIS commanders in a desert sweep near the border.',
    },
  ),
  article('library', 'A new library opens', [
    'The city opened a library with ten thousand books. Children can borrow four books at a time.',
  ]),
  article(
    'repairs',
    'Harbour repairs begin',
    ['Workers began repairing the flooded harbour walls. The repairs are paid by the port authority.'],
    { published: '2029-12-01T08:00:00Z' },
  ),
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
    for (const bad of ['', 'soon', '7 fortnights', '0d', '99999w', '2030-13-45'])
      expect(() => parseSince(bad, NOW)).toThrow(DigestInputError);
    expect(() => parseSince('last tuesday', NOW)).toThrow(
      '"since" must look like 7d, 24h, 2w, 2y or a date like 2026-01-31.',
    );
    expect(() => parseSince('0d', NOW)).toThrow(
      '"since" must be between 1 minute and 10 years, like 7d, 24h, 2w or 2y.',
    );
    expect(() => parseSince('11y', NOW)).toThrow('"since" must be between 1 minute and 10 years');
    expect(() => parseSince('3661d', NOW)).toThrow('"since" must be between 1 minute and 10 years');
  });

  it('reads a date-time with its zone, and spaces and capitals around a period', () => {
    expect(parseSince('2030-01-09T06:30:00+02:00', NOW).toISOString()).toBe('2030-01-09T04:30:00.000Z');
    expect(parseSince(' 3D ', NOW).toISOString()).toBe('2030-01-07T12:00:00.000Z');
    expect(parseSince('3650d', NOW).getTime()).toBe(NOW.getTime() - 3650 * 86_400_000);
    // A year is 365.25 days: "2y" and "2 years" reach back over one leap day.
    expect(parseSince('2y', NOW).toISOString()).toBe(parseSince('2 years', NOW).toISOString());
    expect(parseSince('2y', NOW).getTime()).toBe(NOW.getTime() - 730.5 * 86_400_000);
  });
});

describe('selectDigest', () => {
  it('takes the newest first, undated ones by when they were first seen, and gives every article a verdict', () => {
    const s = selectDigest(index, { count: 10, firstSeen: new Map([['library', '2030-01-08T00:00:00Z']]) });
    expect(s.items.map((i) => i.articleId)).toEqual(['library', 'cells', 'flood', 'repairs']);
    expect([...s.verdicts.values()].every((v) => v === 'included')).toBe(true);
  });

  it('leaves out articles too old, already posted and over the count, and says which', () => {
    const s = selectDigest(index, {
      count: 1,
      since: parseSince('10d', NOW),
      exclude: new Set(['cells']),
      firstSeen: new Map([['library', '2030-01-01T00:00:00Z']]),
    });
    expect(s.items.map((i) => i.articleId)).toEqual(['flood']);
    expect(Object.fromEntries(s.verdicts)).toEqual({
      flood: 'included',
      cells: 'already-posted',
      library: 'over-count',
      repairs: 'too-old',
    });
  });

  it('filters by topic, other names of it included, and finds nothing for a topic the archive lacks', () => {
    expect(selectDigest(index, { count: 5, topic: 'ISIS' }).items.map((i) => i.articleId)).toEqual(['cells']);
    expect(selectDigest(index, { count: 5, topic: 'harbour' }).items.map((i) => i.articleId)).toEqual([
      'flood',
      'repairs',
    ]);
    const none = selectDigest(index, { count: 5, topic: 'football transfers' });
    expect(none.items).toEqual([]);
    expect(none.verdicts.get('flood')).toBe('off-topic');
  });
});

describe('summarize', () => {
  it('uses the standfirst when there is one', () => {
    expect(summarize(index, 'cells')).toBe(
      'Security forces arrest several ISIS commanders in a desert sweep near the border.',
    );
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
    const long = NewsIndex.build(
      [article('long', 'A long one', [`${'The committee discussed the harbour budget at length '.repeat(12)}today.`])],
      { aliases, hash: 'long' },
    );
    const s = summarize(long, 'long');
    expect(s.length).toBeLessThanOrEqual(400);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toMatch(/\s…$/);
  });

  it('gives every seed article a gist of 20–400 characters', async () => {
    const { index: seeds } = await openEngine({
      corpus: new URL('../fixtures/seeds', import.meta.url).pathname,
      indexPath: null,
    });
    for (const a of seeds.articles) {
      const s = summarize(seeds, a.id);
      expect(s.length, a.id).toBeGreaterThanOrEqual(20);
      expect(s.length, a.id).toBeLessThanOrEqual(400);
    }
  });
});

/** Every verdict is one of the five, and every article of the index has one. */
function expectFullVerdicts(index: NewsIndex, s: DigestSelection): void {
  expect([...s.verdicts.keys()].sort()).toEqual(index.articles.map((a) => a.id).sort());
  expect(s.items.map((i) => i.articleId).sort()).toEqual(
    [...s.verdicts]
      .filter(([, v]) => v === 'included')
      .map(([id]) => id)
      .sort(),
  );
}

describe('selectDigest, since', () => {
  it('keeps an undated article by when it was first seen, and leaves one never seen out (its age is unknown)', () => {
    const since = parseSince('10d', NOW);
    const old = selectDigest(index, { count: 10, since, firstSeen: new Map([['library', '2029-06-01T00:00:00Z']]) });
    expect(old.verdicts.get('library')).toBe('too-old');
    expect(old.items.map((i) => i.articleId)).toEqual(['cells', 'flood']);
    const recent = selectDigest(index, { count: 10, since, firstSeen: new Map([['library', '2030-01-03T00:00:00Z']]) });
    expect(recent.items.map((i) => i.articleId)).toEqual(['cells', 'library', 'flood']);
    const unseen = selectDigest(index, { count: 10, since });
    expect(unseen.verdicts.get('library')).toBe('too-old');
    expect(unseen.items.map((i) => i.articleId)).toEqual(['cells', 'flood']);
    expectFullVerdicts(index, unseen);
    // Without a period, the unseen undated article comes after every dated one.
    expect(
      selectDigest(index, { count: 10 })
        .items.map((i) => i.articleId)
        .at(-1),
    ).toBe('library');
  });

  it('counts the cut-off itself as inside the period, and prefers the published date to first seen', () => {
    const s = selectDigest(index, {
      count: 10,
      since: new Date('2030-01-05T08:00:00Z'),
      firstSeen: new Map([['flood', '2030-01-09T00:00:00Z']]),
    });
    expect(s.verdicts.get('cells')).toBe('included');
    expect(s.verdicts.get('flood')).toBe('too-old');
  });

  it('puts an article already posted before every other reason, and fills no more than the count', () => {
    const s = selectDigest(index, { count: 2, since: parseSince('1h', NOW), exclude: new Set(['repairs', 'library']) });
    expect(Object.fromEntries(s.verdicts)).toEqual({
      flood: 'too-old',
      cells: 'too-old',
      library: 'already-posted',
      repairs: 'already-posted',
    });
    expect(s.items).toEqual([]);
  });

  it(`holds at most ${DIGEST_MAX_COUNT} articles, whatever the count asked`, () => {
    const many = NewsIndex.build(
      Array.from({ length: 30 }, (_, n) =>
        article(`n${n}`, `Notice number ${n}`, [`Notice ${n} was published on the board this morning.`], {
          published: new Date(Date.UTC(2030, 0, 1 + n)).toISOString(),
        }),
      ),
      { aliases, hash: 'many' },
    );
    const s = selectDigest(many, { count: 100 });
    expect(s.items).toHaveLength(DIGEST_MAX_COUNT);
    expect([...s.verdicts.values()].filter((v) => v === 'over-count')).toHaveLength(30 - DIGEST_MAX_COUNT);
    const dates = s.items.map((i) => i.published!);
    expect(dates).toEqual([...dates].sort().reverse());
  });
});

describe('selectDigest, topic', () => {
  const topical = NewsIndex.build(
    [
      ...articles,
      article(
        'raid',
        'Night raid on a hideout',
        [
          'Soldiers raided a farm where Islamic State fighters were hiding. Two men were detained and weapons were seized.',
        ],
        { published: '2030-01-07T08:00:00Z' },
      ),
      article(
        'council',
        'Council meets',
        [
          'The harbour master told the council that the outer breakwater needs work before winter comes, and that the anchorage is silting up again this year.',
          'Members then spent an hour on the school meals contract, which was renewed for three years without a vote, and on the new bus timetable.',
          'Finally the treasurer presented the accounts for the year, with most of the money kept in reserve for the coming winter and spring.',
        ],
        { published: '2030-01-08T08:00:00Z' },
      ),
    ],
    { aliases, hash: 'topical' },
  );

  it('finds an article by another name of its subject: "Daesh" finds one that says only "Islamic State"', () => {
    const s = selectDigest(topical, { count: 5, topic: 'Daesh' });
    expect(s.items.map((i) => i.articleId)).toEqual(['raid', 'cells']);
    expect(s.verdicts.get('flood')).toBe('off-topic');
    expectFullVerdicts(topical, s);
  });

  it('counts words of the topic found anywhere in the article, not only in one passage', () => {
    expect(
      topical.passageRange(topical.articles.findIndex((a) => a.id === 'council')).reduce((from, to) => to - from),
    ).toBeGreaterThan(1);
    expect(
      selectDigest(topical, { count: 5, topic: 'breakwater, meals and the treasurer' }).items.map((i) => i.articleId),
    ).toEqual(['council']);
  });

  it('matches stemmed forms and keeps the newest first among the articles on the topic', () => {
    expect(selectDigest(topical, { count: 5, topic: 'repairing harbours' }).items.map((i) => i.articleId)).toEqual([
      'flood',
      'repairs',
    ]);
  });

  it('gives no items for a topic the archive lacks, or one with no words to look for', () => {
    for (const topic of ['football transfers', 'the of and', '?!']) {
      const s = selectDigest(topical, { count: 5, topic });
      expect(s.items, topic).toEqual([]);
      expect(new Set(s.verdicts.values()), topic).toEqual(new Set(['off-topic']));
    }
  });
});

describe('on the seed articles', async () => {
  const { table } = loadAliases(`${BUNDLED_CORPUS}/aliases.yaml`, []);
  const { articles: seedArticles } = await loadCorpus(new URL('../fixtures/seeds', import.meta.url).pathname);
  const seeds = NewsIndex.build(seedArticles, { aliases: table, hash: 'seeds' });
  const textOf = (a: number) => {
    const [from, to] = seeds.passageRange(a);
    return [seeds.articles[a]!.title, ...[...seeds.passages].slice(from, to).map((p) => p.text)].join('\n');
  };

  it('finds under a topic every seed that mentions its word, synonyms or not', () => {
    const mentioning = seeds.articles.filter((_, a) => /\bescap/i.test(textOf(a))).map((a) => a.id);
    expect(mentioning.length).toBeGreaterThan(1);
    const s = selectDigest(seeds, { count: 25, topic: 'escape' });
    for (const id of mentioning) expect(s.verdicts.get(id), id).toBe('included');
  });

  it('finds every seed that names the Islamic State under any of its names when asked for "Daesh"', () => {
    const naming = seeds.articles
      .filter((_, a) => /\b(?:ISIS|Isis|Daesh|Islamic State|IS)\b/.test(textOf(a)))
      .map((a) => a.id);
    expect(naming).toHaveLength(5);
    expect(
      selectDigest(seeds, { count: 25, topic: 'Daesh' })
        .items.map((i) => i.articleId)
        .sort(),
    ).toEqual(naming.sort());
  });

  it('summarises each from its standfirst, in at most two of its sentences', () => {
    for (const a of seeds.articles) {
      const s = summarize(seeds, a.id);
      expect(s.length, a.id).toBeGreaterThanOrEqual(20);
      expect(s.length, a.id).toBeLessThanOrEqual(400);
      const own = splitSentences(a.standfirst!);
      const mine = splitSentences(s);
      expect(mine.length, a.id).toBeLessThanOrEqual(2);
      expect(mine, a.id).toEqual(own.slice(0, mine.length));
    }
  });

  it('summarises the same from a saved and reloaded index', () => {
    const reloaded = NewsIndex.fromBuffer(seeds.toBuffer(), { aliases: table }).index;
    for (const a of seeds.articles) expect(summarize(reloaded, a.id)).toBe(summarize(seeds, a.id));
  });
});

describe('summarize, every format', async () => {
  const { articles: formatArticles } = await loadCorpus(new URL('../fixtures/formats', import.meta.url).pathname);
  const formats = NewsIndex.build(formatArticles, { aliases, hash: 'formats' });
  const sentencesOf = (a: Article) => [
    ...splitSentences(a.standfirst ?? ''),
    ...a.sections.flatMap((sec) => [
      ...(sec.heading ? splitSentences(sec.heading) : []),
      ...sec.paragraphs.flatMap((p) => splitSentences(p)),
    ]),
  ];

  it('gives 20–400 characters of whole sentences from the article, never its title again', () => {
    const kinds = new Set(formatArticles.map((a) => a.file.replace(/^.*\./, '')));
    expect([...kinds].sort()).toEqual(['html', 'json', 'jsonl', 'md', 'txt']);
    let checked = 0;
    for (const a of formatArticles) {
      const own = sentencesOf(a);
      if (!own.some((s) => s.length >= 20)) continue;
      const s = summarize(formats, a.id);
      expect(s.length, a.id).toBeGreaterThanOrEqual(20);
      expect(s.length, a.id).toBeLessThanOrEqual(400);
      const mine = splitSentences(s);
      expect(mine.length, a.id).toBeLessThanOrEqual(2);
      for (const sentence of mine) expect(own, a.id).toContain(sentence);
      expect(s.toLowerCase(), a.id).not.toContain(a.title.toLowerCase());
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('summarises a JSONL record without a standfirst from its body', () => {
    const l5 = formatArticles.find((a) => a.id === 'l5')!;
    expect(l5.file).toBe('articles.jsonl');
    expect(l5.standfirst).toBeUndefined();
    expect(summarize(formats, 'l5')).toBe(l5.sections[0]!.paragraphs.join(' '));
  });

  it('passes over a list run into a sentence for a sentence that ends like one', () => {
    const s = summarize(formats, 'harbour-bridge');
    expect(s).toMatch(/^The Harbour Bridge in Port Ellis reopened to traffic on Tuesday morning/);
    expect(s).not.toContain('membrane');
  });

  it('puts the title before a body too short to be a gist', () => {
    expect(summarize(formats, 'b1')).toBe('Good first record — This line is fine.');
  });

  it('refuses an article the index does not hold', () => {
    expect(() => summarize(formats, 'no-such-article')).toThrow('no article no-such-article in the index');
  });
});

describe('explainVerdict', () => {
  it('says why, with the particulars when it has them', () => {
    expect(explainVerdict('already-posted', { postedAt: '2026-11-20T09:15:00Z' })).toBe(
      'it was already posted there on 2026-11-20, so it was left out.',
    );
    expect(explainVerdict('already-posted')).toBe('it was already posted there before, so it was left out.');
    expect(explainVerdict('too-old', { published: '2026-10-01', since: '7d' })).toBe(
      'it, from 2026-10-01, was left out as older than that digest’s period (the last 7d).',
    );
    expect(explainVerdict('too-old', { since: '2026-11-01T00:00:00Z' })).toBe(
      'it was left out as older than that digest’s period (since 2026-11-01).',
    );
    expect(explainVerdict('off-topic', { topic: 'Daesh' })).toBe('it was left out because it is not about “Daesh”.');
    expect(explainVerdict('over-count', { count: 1 })).toBe(
      'it was eligible, but 1 newer article filled the digest; it will come in a later one.',
    );
    expect(explainVerdict('over-count', { count: 5 })).toBe(
      'it was eligible, but 5 newer articles filled the digest; it will come in a later one.',
    );
    expect(explainVerdict('included')).toBe('it was included in that digest.');
  });
});
