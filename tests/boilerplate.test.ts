/**
 * Issue 17, "your own articles": page furniture (inline ads, share bars, related-links boxes,
 * newsletter prompts, menus) is neither indexed nor quoted, in any format and on every path that
 * reads a corpus; bullet items stay sentences of their own; aliases stay with their corpus; a
 * numeric title is refused.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boilerplate, BOILERPLATE_FILE } from '../src/boilerplateFile.js';
import { parseArticleFile } from '../src/core/article.js';
import { answerQuestion } from '../src/core/answer.js';
import { BoilerplateDataSchema, compileBoilerplate, isMenuLine } from '../src/core/boilerplate.js';
import { selectDigest, summarize } from '../src/core/digest.js';
import type { Article } from '../src/core/types.js';
import { loadCorpus } from '../src/corpus.js';
import { BUNDLED_CORPUS, openEngine, readCorpus } from '../src/engine.js';
import { yaml } from '../src/yaml.js';
import { GENERAL_ALIASES } from '../src/generalAliases.js';

const FIXTURES = new URL('./fixtures/boilerplate/', import.meta.url).pathname;
const SEEDS = new URL('./fixtures/seeds/', import.meta.url).pathname;
const FORMATS = new URL('./fixtures/formats/', import.meta.url).pathname;
const allText = (a: Article) =>
  [a.title, a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])].join('\n');

/** What the fixtures carry besides their articles: none of it may reach the index. */
const FURNITURE = [
  /SPONSORED/i,
  /Share on/i,
  /newsletter/i,
  /inbox/i,
  /Brightline|Harbourside Hotels|Crunchy Oat/,
  /Related stories|Most read/i,
  /Storm damage closes|County budget: what|Lifeboat crew rescue|Pier repairs finish/,
  /^Advertisement$/m,
  /Home \| News/,
  /skip to|Back To Top/i,
  /cookies|All rights reserved|Great news, we missed it/,
];

const parseFixture = (name: string) =>
  parseArticleFile(name, readFileSync(join(FIXTURES, name), 'utf8'), boilerplate());

describe('page furniture (patterns/boilerplate.yaml)', () => {
  it('drops an inline ad, share bars, a related-links box and a newsletter prompt from a page with classes, keeping every paragraph of the story', () => {
    const { articles, warnings } = parseFixture('valley-library.html');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a.title).toBe('Valley library reopens after roof repairs');
    expect(a.sections.map((s) => [s.heading, s.paragraphs.length])).toEqual([
      [undefined, 3],
      ['Longer opening hours', 3],
    ]);
    expect(a.sections[1]!.paragraphs[2]).toBe(
      'Residents can return books borrowed from other branches at the Valley library from Monday.',
    );
    for (const f of FURNITURE) expect(allText(a)).not.toMatch(f);
  });

  it('drops the same furniture from a page without telling classes, by its text and shape', () => {
    const { articles, warnings } = parseFixture('ferry-timetable.html');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a.title).toBe('Island ferry timetable cut for the winter');
    expect(a.sections).toEqual([
      {
        paragraphs: [
          expect.stringMatching(/^The operator of the Westshore island ferry will run two crossings/),
          expect.stringMatching(/^Islanders who commute/),
          expect.stringMatching(/^The operator said it expected to restore/),
          'A public meeting on the changes will be held in the island hall on 14 October.',
        ],
      },
    ]);
    for (const f of FURNITURE) expect(allText(a)).not.toMatch(f);
  });

  it('takes the headline, not the menu under the skip link, as the title of scraped text, and drops ads, share bars and prompts', () => {
    const { articles, warnings } = parseFixture('school-meals.txt');
    expect(warnings).toEqual([]);
    const a = articles[0]!;
    expect(a.title).toBe('School meals to be free for all primary pupils');
    expect(a.standfirst).toBe(
      'Every primary school pupil in the county will get a free lunch from January, the education committee decided.',
    );
    expect(a.sections).toEqual([
      {
        paragraphs: [
          expect.stringMatching(/^The committee voted unanimously/),
          expect.stringMatching(/^The cost, estimated at £9 million/),
          expect.stringMatching(/^Parents' groups welcomed the decision/),
        ],
      },
    ]);
    for (const f of FURNITURE) expect(allText(a)).not.toMatch(f);
  });

  it('is applied by the corpus reader, so neither /ask nor a digest summary quotes the furniture', async () => {
    const { articles, warnings } = await loadCorpus(FIXTURES);
    expect(warnings).toEqual([]);
    expect(articles).toHaveLength(3);
    for (const a of articles) for (const f of FURNITURE) expect(allText(a)).not.toMatch(f);
    const { index } = await openEngine({ corpus: FIXTURES, indexPath: null });
    for (const q of [
      'Where can I switch to Brightline Energy and save on winter bills?',
      'How do I sign up to the free newsletter?',
      'Where can I share this on Facebook?',
    ]) {
      const answer = answerQuestion(index, q);
      for (const r of answer.results) for (const f of FURNITURE) expect(r.excerpt, q).not.toMatch(f);
    }
    const digest = selectDigest(index, { count: 10 });
    expect(digest.items).toHaveLength(3);
    for (const item of digest.items) for (const f of FURNITURE) expect(item.summary).not.toMatch(f);
  });

  it('never takes a sentence of reporting for furniture: on the seed articles and format fixtures it drops only their chrome', () => {
    const rules = boilerplate();
    const texts = (r: ReturnType<typeof parseArticleFile>) =>
      r.articles.flatMap((a) => [
        a.title,
        a.standfirst ?? '',
        ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs]),
      ]);
    const removed: string[] = [];
    let kept = 0;
    for (const dir of [SEEDS, FORMATS]) {
      for (const name of readdirSync(dir).filter((f) => f !== 'aliases.yaml')) {
        const content = readFileSync(join(dir, name), 'utf8');
        const withRules = new Set(texts(parseArticleFile(name, content, rules)));
        kept += withRules.size;
        removed.push(...texts(parseArticleFile(name, content)).filter((t) => !withRules.has(t)));
      }
    }
    expect(kept).toBeGreaterThan(60);
    // The last line of 003 is a picture caption; with the "Tweet" chrome line gone it is read as one and dropped.
    expect(removed.sort()).toEqual([
      'Share this',
      'The General Gedney Tweet about the internal collapse of Isis in Syria',
      ...Array(5).fill('skip to Main Content'),
    ]);
    for (const sentence of [
      'Readers can sign up for updates at the library desk, the council said.',
      'The advertisement ran in three newspapers.',
      'Shares in Acme rose 4% | analysts were surprised.',
    ]) {
      expect(rules.isFurnitureText(sentence), sentence).toBe(false);
    }
  });

  it('reads menus by their shape: three or more short items between separators, none a sentence', () => {
    expect(isMenuLine('Home | News | Education | Contact')).toBe(true);
    expect(isMenuLine('Share on Facebook · Share on X · Email')).toBe(true);
    expect(isMenuLine('News / Politics / Europe')).toBe(true);
    expect(isMenuLine('Home | News')).toBe(false);
    expect(isMenuLine('Turnout fell. | Labour held the seat. | The Greens came third.')).toBe(false);
    expect(isMenuLine('The mayor said the plan | which was late | would go ahead regardless of the vote')).toBe(false);
  });

  it('ships a data file that the schema accepts, and refuses a broken pattern naming it', () => {
    expect(BoilerplateDataSchema.safeParse(yaml().parse(readFileSync(BOILERPLATE_FILE, 'utf8'))).success).toBe(true);
    const broken = BoilerplateDataSchema.safeParse({ classes: ['share'], lines: ['(unclosed'] });
    expect(broken.success).toBe(false);
    expect(broken.error?.issues[0]).toMatchObject({ path: ['lines', 0], message: 'not a valid regular expression' });
    const rules = compileBoilerplate({ classes: ['promo'], lines: ['buy now'] });
    expect(rules.isFurnitureClass('story inline-promo')).toBe(true);
    expect(rules.isFurnitureClass('promotional')).toBe(false);
    expect(rules.isFurnitureText('Buy now!')).toBe(true);
    expect(rules.isFurnitureText('Buy now, the adviser said, before prices rise.')).toBe(false);
  });
});

describe('Markdown bullet items', () => {
  const md = [
    '---',
    'title: Harbour bridge opens to traffic on Monday',
    'published: 2024-03-04',
    '---',
    '',
    'What changes for drivers:',
    '',
    '- Buses will run every ten minutes over the new bridge',
    '- Lorries over 7.5 tonnes must use the ring road until April',
    '- Cyclists get a separate lane on the east side',
    '',
    'The old ferry service will stop at the end of the month, the council added.',
  ].join('\n');

  it('stay sentences of their own in excerpts and digest summaries, never glued to the next item', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bullets-'));
    writeFileSync(join(dir, 'bridge.md'), md);
    const { index } = await openEngine({ corpus: dir, indexPath: null });
    const lorries = answerQuestion(index, 'Which road must lorries over 7.5 tonnes use?', { refuse: false });
    // An item may follow the line that introduces the list, never run on into the next item.
    expect(lorries.results[0]!.excerpt).toMatch(/(^|: )Lorries over 7\.5 tonnes must use the ring road until April$/);
    const buses = answerQuestion(index, 'How often will buses run over the new bridge?', { refuse: false });
    expect(buses.results[0]!.excerpt).toMatch(/(^|: )Buses will run every ten minutes over the new bridge$/);
    const summary = summarize(index, 'bridge');
    expect(summary).not.toMatch(/bridge Lorries|April Cyclists/);
    expect(summary.length).toBeGreaterThan(0);
  });
});

describe('alias files live with their corpus', () => {
  it('applies only the general aliases to a corpus without its own aliases.yaml, not the bundled corpus’s', async () => {
    const general = GENERAL_ALIASES.aliases!.map((g) => [...g.names, ...(g.exact ?? [])]);
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-aliases-'));
    writeFileSync(join(dir, 'a.txt'), readFileSync(join(SEEDS, '000_265a22b589eca241.txt')));
    expect((await readCorpus({ corpus: dir })).aliases.groups.map((g) => g.names)).toEqual(general);
    expect((await readCorpus({ corpus: join(dir, 'a.txt') })).aliases.groups.map((g) => g.names)).toEqual(general);
    // The bundled corpus keeps its own; a corpus with a file of its own uses that one, the general ones after it.
    expect((await readCorpus({ corpus: BUNDLED_CORPUS })).aliases.groups.length).toBeGreaterThan(general.length);
    mkdirSync(join(dir, 'own'));
    writeFileSync(join(dir, 'own', 'a.txt'), readFileSync(join(SEEDS, '000_265a22b589eca241.txt')));
    writeFileSync(join(dir, 'own', 'aliases.yaml'), 'aliases:\n  - names: [White Helmets, Lifesaver Brigades]\n');
    expect((await readCorpus({ corpus: join(dir, 'own') })).aliases.groups.map((g) => g.names)).toEqual([
      ['White Helmets', 'Lifesaver Brigades'],
      ...general,
    ]);
  });

  it('keeps the seeds fixture a copy of the bundled corpus, its alias file included', () => {
    const names = readdirSync(BUNDLED_CORPUS).sort();
    expect(names).toContain('aliases.yaml');
    expect(readdirSync(SEEDS).sort()).toEqual(names);
    for (const name of names)
      expect(readFileSync(join(SEEDS, name), 'utf8'), name).toBe(readFileSync(join(BUNDLED_CORPUS, name), 'utf8'));
  });
});

describe('a numeric JSON title', () => {
  it('is refused with the file, the line or item, and the reason, not read as a headline', () => {
    const lines = parseArticleFile(
      'feed.jsonl',
      '{"title":"Pier reopens","body":"The pier reopened on Saturday."}\n{"title":5,"body":"Five boats sank."}\n',
    );
    expect(lines.articles.map((a) => a.title)).toEqual(['Pier reopens']);
    expect(lines.warnings).toEqual([
      { file: 'feed.jsonl', line: 2, reason: 'wrong type: "title" is a number, expected a string' },
    ]);
    const array = parseArticleFile(
      'feed.json',
      '[{"title":"Pier reopens","body":"The pier reopened."},{"title":5,"body":"Five boats sank."}]',
    );
    expect(array.articles).toHaveLength(1);
    expect(array.warnings).toEqual([
      { file: 'feed.json', reason: 'item 1: wrong type: "title" is a number, expected a string' },
    ]);
    // An id may still be a number.
    expect(
      parseArticleFile('one.json', '{"id":7,"title":"Seven","body":"Seven boats came home."}').articles[0],
    ).toMatchObject({ id: '7', title: 'Seven' });
  });
});
