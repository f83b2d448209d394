import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { describe, expect, it, vi } from 'vitest';
import { INDEX_FORMAT_VERSION, NewsIndex, readIndexHead } from '../../src/core/search.js';
import { loadIndexFile } from '../../src/indexFile.js';
import { ENGLISH_WORDS } from '../../src/englishWords.js';
import { GENERAL_ALIASES } from '../../src/generalAliases.js';
import { buildAliasTable } from '../../src/core/aliases.js';
import { answerQuestion, evidenceOf, MAX_EXCERPT_CHARS } from '../../src/core/answer.js';
import type { Article } from '../../src/core/types.js';
import { DEFAULT_PASSAGE_OPTIONS } from '../../src/core/passages.js';
import { article } from './articles.js';

const aliases = buildAliasTable({ aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'] }] });

const articles: Article[] = [
  article(
    'a',
    'Floods close the harbour',
    [
      'Heavy rain flooded the harbour on Monday. Ships were moved to the outer anchorage.',
      'The port authority said repairs will take two weeks.',
    ],
    { source: 'Harbour News', published: '2023-10-02T08:00:00Z' },
  ),
  article(
    'b',
    'Daesh cells hunted in the desert',
    ['Security forces hunted Islamic State cells in the desert. Several commanders were arrested near the border.'],
    { source: 'Desert Times', published: '2023-10-05T08:00:00Z' },
  ),
  article(
    'c',
    'A new library opens',
    ['The city opened a library with ten thousand books. Children can borrow four books at a time.'],
    { source: 'City Post', published: '2023-11-20T08:00:00Z' },
  ),
  article(
    'd',
    'Harbour repairs begin',
    ['Workers began repairing the flooded harbour walls. The repairs are paid by the port authority.'],
    { source: 'City Post', published: '2023-10-09T08:00:00Z' },
  ),
];

/** An index over these articles whose aliases carry the English word list, from outside the core (as the engine's do). */
const withEnglish = (list: Parameters<typeof NewsIndex.build>[0]) =>
  NewsIndex.build(list, { aliases: buildAliasTable(JSON.parse(aliases.fingerprint), { englishWords: ENGLISH_WORDS }) });

/** The corrections a question's parse made, as "from>to". */
const correctionsBy = (archive: NewsIndex) => (q: string) =>
  archive
    .parseQuery(q)
    .terms.filter((t) => t.corrected)
    .map((t) => `${t.from}>${t.term}`);

describe('NewsIndex', () => {
  const index = NewsIndex.build(articles, { aliases, hash: 'h1' });

  it('splits articles into passages that know their article and position', () => {
    expect(index.passages.length).toBeGreaterThanOrEqual(articles.length);
    for (const p of index.passages) expect(index.articles[p.article]!.id).toBe(articles[p.article]!.id);
    expect(index.passageRange(0)).toEqual([0, index.articles[1]!.firstPassage]);
  });

  it('ranks the article that answers first', () => {
    const hits = index.search('how long will the harbour repairs take?', { k: 3 }).hits;
    expect(index.articles[hits[0]!.article]!.id).toMatch(/^[ad]$/);
    expect(new Set(hits.map((h) => h.article)).size).toBe(hits.length);
  });

  it('counts candidates in distinct texts: copies of an article take no result slot', () => {
    // Each article filed three more times under other ids (a feed repeating itself), plus one
    // copy with a word changed, which is another text and stays.
    const copies = articles.flatMap((a) => [1, 2, 3].map((n) => ({ ...a, id: `${a.id}~${n}` })));
    const edited = article('d-edited', 'Harbour repairs begin', [
      'Workers began repairing the flooded harbour walls. The repairs are paid by the city.',
    ]);
    const padded = NewsIndex.build([...articles, ...copies, edited], { aliases, hash: 'h2' });
    const question = 'how long will the harbour repairs take?';
    const ids = (i: NewsIndex) => i.search(question, { k: 4 }).hits.map((h) => i.articles[h.article]!.id);
    const shown = ids(padded);
    expect(shown.filter((id) => id.includes('~'))).toEqual([]);
    expect(shown[0]).toBe(ids(index)[0]);
    expect(shown).toContain('d-edited');
  });

  it('fills the pool past any number of copies of the best article', () => {
    const question = 'how long will the harbour repairs take?';
    const best = articles[index.search(question, { k: 1 }).hits[0]!.article]!;
    // More copies of it than the first look at the ranking reads (twice the pool).
    const copies = Array.from({ length: 12 }, (_, n) => ({ ...best, id: `${best.id}~${n}` }));
    const crowded = NewsIndex.build([...articles, ...copies], { aliases, hash: 'h3' });
    const hits = crowded.search(question, { k: 2, candidates: 2 }).hits;
    const ids = hits.map((h) => crowded.articles[h.article]!.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(best.id);
    expect(ids.filter((id) => id.includes('~'))).toEqual([]);
  });

  it('finds an article through an alias of the name asked', () => {
    const hits = index.search('Where were ISIS commanders arrested?', { k: 1 }).hits;
    expect(index.articles[hits[0]!.article]!.id).toBe('b');
  });

  it('finds an article through a derived form of a word asked, as a lesser term and never an unknown word', () => {
    const invaded = NewsIndex.build(
      [
        ...articles,
        article('e', 'Border town taken', ['The invasion of the border town began at dawn. Two soldiers died.']),
      ],
      { aliases, hash: 'h4' },
    );
    const { query, hits } = invaded.search('When did the soldiers invade, and how many deaths?', { k: 1 });
    expect(invaded.articles[hits[0]!.article]!.id).toBe('e');
    // "invade" and "deaths" are not in the archive: each is looked for by its derived form.
    const derived = query.terms.filter((t) => t.from).map((t) => `${t.from}>${t.term}`);
    expect(derived).toEqual(expect.arrayContaining(['invad>invas', 'death>die']));
    expect(query.terms.filter((t) => t.from).every((t) => t.weight < 1)).toBe(true);
    expect(query.unknown).toEqual([]);
    // Without the derived forms neither word meets the article.
    expect(index.parseQuery('When did they invade?').unknown).toEqual(['invad']);
  });

  it('corrects a misspelt word', () => {
    const { query, hits } = index.search('how many books can childern borrow', { k: 1 });
    expect(query.terms.some((t) => t.from === 'childern')).toBe(true);
    expect(index.articles[hits[0]!.article]!.id).toBe('c');
  });

  it('looks a misspelt word up in the spelling index once, then corrects it alike from what it kept', () => {
    const fresh = NewsIndex.build(articles, { aliases });
    const search = vi.spyOn(MiniSearch.prototype, 'search');
    try {
      const first = fresh.parseQuery('libary opening hours');
      const corrected = first.terms.filter((t) => t.corrected);
      expect(corrected.map((t) => t.term)).toEqual(['librari']);
      const lookups = search.mock.calls.length;
      expect(lookups).toBeGreaterThan(0);
      expect(fresh.parseQuery('Is the libary open?').terms).toEqual(expect.arrayContaining(corrected));
      expect(search.mock.calls.length).toBe(lookups);
    } finally {
      search.mockRestore();
    }
  });

  it('corrects a misspelling but not a word spelt right that the archive lacks, which may still meet its own family', () => {
    const archive = withEnglish([
      article('choice', 'Voters choose', [
        'Voters choose a mayor on Sunday after a campaign about the harbour and fraud.',
      ]),
    ]);
    const corrections = correctionsBy(archive);
    expect(corrections('Who did the voters chosse?')).toHaveLength(1);
    expect(corrections('How close is the vote?')).toEqual([]);
    expect(archive.parseQuery('How close is the vote?').unknown).toContain('close');
    expect(corrections('Was the election fraudulent?')).toEqual(['fraudul>fraud']);
    // A capitalised name it never saw is a name it lacks, not a typo of a common word it holds.
    expect(corrections('What did the campaigm promise?')).toHaveLength(1);
    expect(corrections('What did Campaigm tell the voters?')).toEqual([]);
    expect(archive.parseQuery('What did Campaigm tell the voters?').unknown).toHaveLength(1);
  });

  it('corrects two swapped letters, and a misspelt name to the name the archive writes, not to a lower-case word', () => {
    const archive = withEnglish([
      article('visit', 'Reagan visits Israel', [
        'Nancy Reagan visited Israel on Monday. The crowd regained its calm after the speech.',
      ]),
      // "regain" in more articles than "Reagan": the commoner word would win on frequency alone.
      article('markets', 'Markets calm', ['Shares regained ground on Tuesday.']),
    ]);
    const corrections = correctionsBy(archive);
    // Edit distance counts a swap as two edits; a six-letter word is corrected at one.
    expect(corrections('Who went to Isreal?')).toEqual(['isreal>israel']);
    // "regan" is one edit from both "reagan" and "regain"; as a name it is the name.
    expect(corrections('Where did Nancy Regan go?')).toEqual(['regan>reagan']);
  });

  it('corrects a misspelling that stems unlike the word, and a name the archive writes that is also an English word', () => {
    const archive = withEnglish([
      article('tibet', 'Tibet talks', ['Exiles met in India on Monday to talk about Beijing and the Dalai Lama.']),
      article('wife', 'A designer dress', [
        "Britain's Prime Minister Gordon Brown and his wife, Sarah, arrived on Monday.",
      ]),
      article('shoes', 'Brown shoes', ['Brown shoes sold well. Shops sold brown shoes and brown hats all week.']),
    ]);
    const corrections = correctionsBy(archive);
    // "bejing" stems to "beje", "beijing" to "beij": the word as written is one letter short of it.
    expect(corrections('What does the Dalai Lama seek from Bejing?')).toEqual(['beje>beij']);
    // "Brown" is an English word, and the archive writes it mid-sentence as a name.
    expect(corrections("Who is Gordon Bronw's wife?")).toEqual(['bronw>brown']);
    expect(archive.parseQuery("Who is Gordon Bronw's wife?").unknown).toEqual([]);
  });

  it('offers a name asked that the archive lacks only names it writes, and a word any word', () => {
    const archive = withEnglish([
      article('speech', 'A speech', ['Mayor Hastings spoke of hearts and minds; the speech was heard across town.']),
    ]);
    const named = answerQuestion(archive, 'What did Hearst say about the speech?', { k: 1 });
    expect(named.reason).toBe('unknown-name');
    expect(named.suggestions?.length).toBeGreaterThan(0);
    expect(named.suggestions!.every((w) => /^\p{Lu}/u.test(w))).toBe(true);
    expect(archive.nearestWords('hearst', 3)).toEqual(expect.arrayContaining(['hearts']));
  });

  it('reads a title before a name as no name, and the name after "Mrs." as one', () => {
    const archive = withEnglish([
      article('speaker', 'A speaker elected', ['Meira Kumar, 64, became speaker on Wednesday.']),
    ]);
    expect(archive.parseQuery('What age is Mrs. Kumar?').names).toEqual(['kumar']);
    expect(archive.parseQuery('Where was Ms Kumar born?').names).toEqual(['kumar']);
  });

  it('leaves a word WordNet derives from uncorrected, though the word list lacks it', () => {
    const archive = withEnglish([
      article('transit', 'Ridership falls', ['Bus ridership fell in March, the transit agency said.']),
      article('papers', 'Newspapers close', ['Each reader of the paper got a letter.']),
    ]);
    // "readership" is one edit from "ridership"; WordNet derives "reader" from it.
    expect(correctionsBy(archive)('How did the readership change?')).toEqual([]);
    expect(archive.parseQuery('How did the readership change?').terms.map((t) => t.term)).toContain('reader');
  });

  it('reads two words asked apart as the one word the archive writes, when it never saw one of them', () => {
    const archive = withEnglish([
      article('tc', 'A blog fight', ['Michael Arrington, founder of TechCrunch, called the valley a meritocracy.']),
    ]);
    expect(archive.parseQuery('What did the Tech crunch founder say?').terms.map((t) => t.term)).toEqual(
      expect.arrayContaining(['techcrunch', 'founder']),
    );
    expect(archive.parseQuery('What did the Tech crunch founder say?').unknown).toEqual([]);
    // Both words known: they stay two ("valley" and "founder" are no "valleyfounder" anyway).
    expect(archive.parseQuery('Which valley founder?').terms.map((t) => t.term)).toEqual(['valley', 'founder']);
  });

  it('meets a state named the short way news writes it', () => {
    const archive = NewsIndex.build(
      [
        article('carolina', 'A soldier found', [
          'Police in Fayetteville, North Carolina, found the soldier on Friday.',
        ]),
        article('ohio', 'A soldier home', ['A soldier came home to Ohio on Friday.']),
      ],
      { aliases: buildAliasTable(GENERAL_ALIASES, { englishWords: ENGLISH_WORDS }) },
    );
    for (const q of ['Which soldier was found in N.C.?', 'Which NC soldier was found?']) {
      const { query, hits } = archive.search(q, { k: 1 });
      expect(query.unknown).toEqual([]);
      expect(archive.articles[hits[0]!.article]!.id).toBe('carolina');
    }
  });

  it('corrects a misspelt name asked in the possessive to its alias group', () => {
    const table = buildAliasTable({ aliases: [{ names: ['Abu Bakr al-Baghdadi', 'Baghdadi'] }] });
    const archive = NewsIndex.build(
      [
        article('death', 'After the death', ['The death of al-Baghdadi was confirmed on Sunday.']),
        article('city', 'Baghdad', ['Baghdad and Bagdad airport reopened on Monday.']),
      ],
      { aliases: table },
    );
    // The possessive is folded away before the lookup, as the index reads it: "bagdadi's" was 3 edits from "baghdadi".
    expect(correctionsBy(archive)("What followed al-Bagdadi's death?")).toEqual(['bagdadi>_abu_bakr_al_baghdadi']);
  });

  it('prefers the outlet a question names', () => {
    const hits = index.search('harbour according to City Post', { k: 2 }).hits;
    expect(index.articles[hits[0]!.article]!.source).toBe('City Post');
  });

  it('prefers the date a question names', () => {
    const hits = index.search('harbour on October 9, 2023', { k: 2 }).hits;
    expect(index.articles[hits[0]!.article]!.id).toBe('d');
  });

  it('reads a timestamp asked as its day, not as words the archive lacks', () => {
    const { query, hits } = index.search('harbour on 2023-10-09T08:15:00+00:00', { k: 2 });
    // The day's own numbers stay words asked; nothing of the time of day does ("09T08" was one).
    expect(query.unknown.filter((u) => /t|15/.test(u))).toEqual([]);
    expect(query.unknownNames).toEqual([]);
    expect([...query.dates.days]).toEqual(['2023-10-09']);
    expect(index.articles[hits[0]!.article]!.id).toBe('d');
    const answer = answerQuestion(index, 'Which harbour repairs began on 2023-10-09T08:15:00Z?', { k: 1 });
    expect(answer.answered).toBe(true);
    expect(answer.results[0]!.articleId).toBe('d');
  });

  it('gives several passages of one article only when asked', () => {
    const one = index.search('harbour', { k: 5 }).hits;
    expect(new Set(one.map((h) => h.article)).size).toBe(one.length);
    const fine = NewsIndex.build(articles, { aliases, passages: { ...DEFAULT_PASSAGE_OPTIONS, minChars: 0 } });
    const many = fine.search('harbour repairs', { k: 5, perArticle: 2 }).hits;
    expect(many.length).toBeGreaterThan(new Set(many.map((h) => h.article)).size);
  });

  it('returns nothing for a question of stopwords only', () => {
    expect(index.search('what is the of and', { k: 3 }).hits).toEqual([]);
  });

  it('answers exactly the same after a save and load round trip', () => {
    const { index: loaded, extra } = NewsIndex.fromBuffer(Buffer.from(index.toBuffer({ note: 'kept' })), { aliases });
    expect(loaded.hash).toBe('h1');
    expect(extra).toEqual({ note: 'kept' });
    expect(NewsIndex.peek(index.toBuffer())).toEqual({ formatVersion: INDEX_FORMAT_VERSION, hash: 'h1' });
    // Loaded without an alias table, it answers with the one it was built with.
    const own = NewsIndex.fromBuffer(index.toBuffer()).index;
    for (const q of [
      'harbour repairs',
      'Daesh commanders arrested',
      'library books',
      'childern',
      'City Post harbour October 9, 2023',
      'nothing here',
    ]) {
      expect(answerQuestion(loaded, q, { k: 4 })).toEqual(answerQuestion(index, q, { k: 4 }));
      expect(answerQuestion(own, q, { k: 4 })).toEqual(answerQuestion(index, q, { k: 4 }));
    }
    expect(own.aliases.fingerprint).toBe(aliases.fingerprint);
  });

  it('keeps every passage’s text, sentences and heading through a round trip, whatever the characters', () => {
    // Multi-byte UTF-8 before, inside and after a passage: offsets must survive the encoding.
    const mixed = [
      ...articles,
      article('e', 'Ça ira: «café» in Kraków', [
        'Zürich’s “harbour” café — 42 € a cup. Łódź sent 3 ships; 東京 sent none. 🚢 arrived at 09:00.',
        'Plain ASCII follows the emoji, then “quotes” again.',
      ]),
      article('f', 'After the emoji', [
        'The last article is plain ASCII, so its offsets sit after every multi-byte one.',
      ]),
      // Headings (one met again in a later section and article) and leads, kept per passage.
      article('g', 'In sections', [], {
        standfirst: 'A standfirst that leads the piece about the harbour.',
        sections: [
          { heading: 'Background', paragraphs: ['The harbour was built in 1820 and rebuilt twice since then.'] },
          {
            heading: 'A heading long enough to read as a sentence of its own, surely',
            paragraphs: ['Under it, a paragraph about the ships.'],
          },
          { heading: 'Background', paragraphs: ['More of the background, in a later section.'] },
        ],
      }),
      article('h', 'Again', [], { sections: [{ heading: 'Background', paragraphs: ['Café owners agreed.'] }] }),
    ];
    const built = NewsIndex.build(mixed, { aliases });
    const loaded = NewsIndex.fromBuffer(built.toBuffer(), { aliases }).index;
    const shape = (i: NewsIndex) =>
      [...i.passages].map((p) => ({
        article: p.article,
        position: p.position,
        heading: p.heading,
        lead: p.lead,
        text: p.text,
        sentences: p.sentences,
      }));
    expect(shape(loaded)).toEqual(shape(built));
    expect(shape(built).filter((p) => p.heading === 'Background')).toHaveLength(3);
    expect(shape(built).filter((p) => p.lead).length).toBeGreaterThanOrEqual(2);
    expect(shape(built).filter((p) => !p.lead && p.heading === undefined).length).toBeGreaterThan(0);
    expect([...loaded.passages].map((p) => p.text).join('')).toContain('東京 sent none. 🚢');
    // A save writes the build's passage columns as they are; measured again from the passages
    // (as for an index whose text was left in its file) they come out byte for byte the same.
    const saved = built.toBuffer();
    const inFile = NewsIndex.fromBuffer(saved, { aliases }, (offset) => ({
      read: (from, to) => saved.toString('utf8', offset + from, offset + to),
    })).index;
    expect(inFile.parts.passages.store.text.pieces).toBeUndefined();
    // (The spelling index's terms may come out in another order from a loaded index: not compared.)
    const again = inFile.toBuffer();
    const section = (bytes: Buffer, name: string) => {
      const head = readIndexHead(bytes);
      const [offset, length] = head.header.sections[name as keyof typeof head.header.sections];
      return bytes.subarray(head.body + offset, head.body + offset + length);
    };
    const passageSections = ['passageArticle', 'passagePosition', 'passageHeading', 'passageLead', 'headingsJson'];
    for (const name of [...passageSections, 'textStart', 'sentenceStart', 'sentences', 'text'])
      expect(section(again, name).equals(section(saved, name)), name).toBe(true);
  });

  it('loaded from its file, reads each passage’s text from the file, and keeps reading the file it opened after a save replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-file-'));
    try {
      // Far more text than one read block, a passage longer than a block, multi-byte characters.
      const many = Array.from({ length: 60 }, (_, i) =>
        article(`m${i}`, `Report ${i} from Łódź`, [
          `Item ${i}: the “harbour” café in Kraków sold ${i * 7} cups. ${'Ships came and went all day. '.repeat(12)}`,
          `東京 ${i} 🚢 follows.`,
        ]),
      );
      const long = article('long', 'A run-on', [
        `${'and the tide rose again over the wall '.repeat(600)}until the keeper counted 17 gulls.`,
      ]);
      const built = NewsIndex.build([...articles, ...many, long], { aliases, hash: 'f1' });
      const path = join(dir, 'index.bin');
      writeFileSync(path, built.toBuffer());
      const loaded = loadIndexFile(path)!.index;
      const texts = (i: NewsIndex, order: number[]) =>
        order.map((p) => ({ text: i.passages.get(p).text, sentences: i.passages.get(p).sentences }));
      const forward = Array.from({ length: built.passages.length }, (_, p) => p);
      expect(Math.max(...[...built.passages].map((p) => Buffer.byteLength(p.text)))).toBeGreaterThan(16_384);
      // Backwards and shuffled too: a read before or after the block in hand reads another one.
      for (const order of [forward, [...forward].reverse(), forward.map((p) => (p * 37) % forward.length)])
        expect(texts(loaded, order)).toEqual(texts(built, order));
      const q = 'How many gulls did the keeper count?';
      expect(answerQuestion(loaded, q, { k: 3 })).toEqual(answerQuestion(built, q, { k: 3 }));
      // Replaced the way the engine saves (a rename over it): the loaded index still reads the old file.
      const other = NewsIndex.build(articles.slice(0, 1), { aliases, hash: 'f2' });
      writeFileSync(`${path}.tmp`, other.toBuffer());
      renameSync(`${path}.tmp`, path);
      expect(texts(loaded, forward)).toEqual(texts(built, forward));
      expect(loadIndexFile(path)!.index.hash).toBe('f2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers from an index whose spelling data is broken, only without correcting', () => {
    const whole = index.toBuffer();
    const jsonLength = whole.readUInt32LE(8);
    const header = JSON.parse(whole.toString('utf8', 12, 12 + jsonLength)) as {
      sections: Record<string, [number, number]>;
    };
    const body = 12 + jsonLength + ((4 - (jsonLength % 4)) % 4);
    const broken = Buffer.from(whole);
    broken.fill(0x7b, body + header.sections['miniIndex']![0], body + header.sections['miniIndex']![0] + 8);
    const loaded = NewsIndex.fromBuffer(broken).index;
    expect(answerQuestion(loaded, 'harbour repairs', { k: 2 })).toEqual(
      answerQuestion(index, 'harbour repairs', { k: 2 }),
    );
    expect(index.parseQuery('harbuor repairs').terms.some((t) => t.corrected)).toBe(true);
    expect(loaded.parseQuery('harbuor repairs').terms.some((t) => t.corrected)).toBe(false);
  });

  it('never closes a descriptor it gave up: a file that fails to load leaves the next file opened alone', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-file-'));
    try {
      // Whole up to the articles' JSON, which is broken: the load fails late.
      const whole = index.toBuffer();
      const bad = join(dir, 'bad.bin');
      writeFileSync(bad, whole);
      const header = JSON.parse(whole.toString('utf8', 12, 12 + whole.readUInt32LE(8))) as {
        sections: Record<string, [number, number]>;
      };
      const body = 12 + whole.readUInt32LE(8) + ((4 - (whole.readUInt32LE(8) % 4)) % 4);
      const [articlesAt] = header.sections['articleJson']!;
      const broken = Buffer.from(whole);
      broken.fill(0x7b, body + articlesAt, body + articlesAt + 8);
      writeFileSync(bad, broken);
      expect(() => loadIndexFile(bad)).toThrow();
      // The descriptor number it had is free again, and the next open takes it.
      const other = join(dir, 'other.txt');
      writeFileSync(other, 'still open');
      const fd = openSync(other, 'r');
      try {
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(fstatSync(fd).size).toBe(10);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a file it turns down closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-file-'));
    try {
      const path = join(dir, 'index.bin');
      writeFileSync(path, index.toBuffer());
      const open = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);
      const before = open();
      let seen = '';
      for (let i = 0; i < 20; i++) {
        expect(loadIndexFile(path, {}, (data) => ((seen = NewsIndex.peek(data)!.hash), false))).toBeNull();
        writeFileSync(`${path}.bad`, 'not an index');
        expect(() => loadIndexFile(`${path}.bad`)).toThrow(/not a Newsdesk index file/);
      }
      expect(seen).toBe('h1');
      expect(open()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds a word from any chunk of the saved term index after a round trip', () => {
    // Made-up words (letters only; a few share a stem): more than two chunks of 1,000 terms.
    const word = (i: number) => `qx${i.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)))}`;
    const words = Array.from({ length: 2600 }, (_, i) => word(i));
    const big = [
      ...articles,
      article('w', 'Word list', [words.slice(0, 1300).join(' ') + '.', words.slice(1300).join(' ') + '.']),
    ];
    const built = NewsIndex.build(big, { aliases });
    const loaded = NewsIndex.fromBuffer(built.toBuffer(), { aliases }).index;
    expect(loaded.termCount).toBe(built.termCount);
    expect(built.termCount).toBeGreaterThan(2 * 1000);
    for (const w of [words[0]!, words[1299]!, words[2599]!]) {
      expect(loaded.search(w, { k: 1 }).hits.map((h) => big[h.article]!.id)).toEqual(['w']);
    }
  });

  it('keeps 32-bit token ids and offsets through a round trip when 16 bits are too few', () => {
    // One run-on "sentence" of 70,000 made-up words: more terms than 16 bits can number, and a
    // passage longer than 16-bit offsets can reach; the needle sits at its far end.
    const word = (i: number) => `zq${i.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)))}`;
    const filler = Array.from({ length: 70_000 }, (_, i) => word(i)).join(' ');
    const big = [...articles, article('w', 'Run-on', [`${filler} and the lighthouse keeper counted 17 gulls`])];
    const built = NewsIndex.build(big, { aliases });
    const buf = built.toBuffer();
    const header = JSON.parse(buf.toString('utf8', 12, 12 + buf.readUInt32LE(8))) as {
      narrow: Record<string, boolean>;
    };
    expect(header.narrow).toEqual({ tokens: false, tokenOffsets: false });
    const loaded = NewsIndex.fromBuffer(buf).index;
    const q = 'How many gulls did the lighthouse keeper count?';
    const answer = answerQuestion(loaded, q, { k: 1 });
    expect(answer).toEqual(answerQuestion(built, q, { k: 1 }));
    const [hit] = answer.results;
    expect(hit?.articleId).toBe('w');
    expect(hit!.highlights.map(([a, b]) => hit!.excerpt.slice(a, b))).toEqual(
      expect.arrayContaining(['lighthouse', 'keeper', 'gulls']),
    );
    // The small archive is stored in 16 bits.
    const small = index.toBuffer();
    expect((JSON.parse(small.toString('utf8', 12, 12 + small.readUInt32LE(8))) as { narrow: unknown }).narrow).toEqual({
      tokens: true,
      tokenOffsets: true,
    });
    // A few seconds alone; 12 s seen beside the other test worker on a loaded machine.
  }, 60_000);

  it('refuses to load another format version', () => {
    const older = index.toBuffer();
    older.writeUInt32LE(0, 4);
    expect(() => NewsIndex.fromBuffer(older, { aliases })).toThrow(/index format 0/);
    expect(() => NewsIndex.fromBuffer(Buffer.from('{"formatVersion": 6}'), { aliases })).toThrow(
      /not a Newsdesk index/,
    );
    const whole = index.toBuffer();
    expect(() => NewsIndex.fromBuffer(whole.subarray(0, whole.length - 4), { aliases })).toThrow(/truncated/);
  });
});

describe('answerQuestion', () => {
  const index = NewsIndex.build(articles, { aliases });

  it('quotes the sentence that answers, with the matched words marked', () => {
    const a = answerQuestion(index, 'Who pays for the harbour repairs?', { k: 1 });
    expect(a.answered).toBe(true);
    expect(a.results[0]!.excerpt).toContain('paid by the port authority');
    const marked = a.results[0]!.highlights.map(([s, e]) => a.results[0]!.excerpt.slice(s, e).toLowerCase());
    expect(marked).toEqual(expect.arrayContaining(['harbour', 'repairs']));
  });

  it('refuses plainly when nothing matches, and offers no noise', () => {
    const a = answerQuestion(index, 'best lasagna recipe with spinach');
    expect(a).toMatchObject({ answered: false, reason: 'no-match', results: [] });
    expect(a.message).toBe('The archive has nothing on that.');
  });

  it('refuses weak matches and lists the nearest articles', () => {
    const a = answerQuestion(
      index,
      'What did the mayor say about the ferry timetable and bus tickets in harbour town?',
    );
    expect(a.answered).toBe(false);
    expect(a.reason).toBe('weak-match');
    expect(a.nearest.length).toBeGreaterThan(0);
  });

  it('names the name it has never heard of', () => {
    const a = answerQuestion(index, 'What did Zelensky say about the harbour?');
    expect(a).toMatchObject({
      answered: false,
      reason: 'unknown-name',
      message: 'The archive has nothing on “Zelensky”.',
    });
  });

  it('says so when the question asks what an outlet the archive holds nothing from reported', () => {
    const a = answerQuestion(
      index,
      'What did Reuters and Bloomberg report about the library budget cuts and the new mayor?',
    );
    expect(a).toMatchObject({
      answered: false,
      reason: 'unknown-outlet',
      message: 'The archive has no articles from Reuters or Bloomberg.',
    });
    expect(a.nearest[0]?.articleId).toBe('c');
    // When the archive answers the rest of the question well, the quote is worth more than the refusal.
    expect(
      answerQuestion(index, 'What did Reuters report about how many books children can borrow at the library?')
        .answered,
    ).toBe(true);
    // An outlet the archive holds is a preference, not a refusal; so is a half-remembered one when another named outlet is here.
    expect(answerQuestion(index, 'What did the City Post report about the library books for children?').answered).toBe(
      true,
    );
    expect(
      answerQuestion(index, 'What did the City Post and Reuters report about the library books for children?').answered,
    ).toBe(true);
    // Outlets are names: the common word "reuters" in lower case, or "Times" alone, is not one.
    expect(index.parseQuery('The Times of India and the reuters desk').absentOutlets).toEqual(['The Times of India']);
  });

  it('answers a question naming an absent outlet when the rest of it is well answered', () => {
    const a = answerQuestion(index, 'According to CNN, how many books can children borrow at the new city library?');
    expect(a.answered).toBe(true);
    expect(a.results[0]!.excerpt).toContain('four books');
  });

  it('with refusals off (for scoring a ranking), quotes what ranks first for every kind of refusal', () => {
    for (const q of [
      'What did Zelensky say about the harbour?',
      'What did Reuters and Bloomberg report about the library budget cuts and the new mayor?',
      'What did the mayor say about the ferry timetable and bus tickets in harbour town?',
    ]) {
      expect(answerQuestion(index, q).answered).toBe(false);
      const a = answerQuestion(index, q, { k: 3, refuse: false });
      expect(a.answered).toBe(true);
      expect(a.results.map((r) => r.articleId)).toEqual(
        index.search(q, { k: 3 }).hits.map((h) => index.articles[h.article]!.id),
      );
    }
  });

  it('does not take a capitalised first word for a name', () => {
    expect(index.parseQuery('Harbour repairs by the port authority').unknownNames).toEqual([]);
  });

  it('turns away empty, symbol-only and overlong questions with a clear message', () => {
    expect(answerQuestion(index, '   ')).toMatchObject({ answered: false, reason: 'empty' });
    expect(answerQuestion(index, '🙂🙂🙂')).toMatchObject({ answered: false, reason: 'empty' });
    const long = answerQuestion(index, 'harbour '.repeat(2000));
    expect(long).toMatchObject({ answered: false, reason: 'too-long' });
    expect(long.message).toMatch(/too long/);
    expect(answerQuestion(index, 'what is the')).toMatchObject({ answered: false, reason: 'no-terms' });
  });

  it('pages with an offset', () => {
    const first = answerQuestion(index, 'harbour', { k: 1 });
    const second = answerQuestion(index, 'harbour', { k: 1, offset: 1 });
    expect(second.results[0]!.articleId).not.toBe(first.results[0]!.articleId);
  });

  it('never quotes more than the excerpt limit', () => {
    const long = 'The harbour ' + 'was busy with ships and boats and cranes '.repeat(40) + 'today.';
    const idx = NewsIndex.build([article('x', 'Long', [long, 'Short harbour note.'])], { aliases });
    const a = answerQuestion(idx, 'harbour cranes today', { k: 2, perArticle: 2 });
    for (const r of a.results) {
      expect(r.excerpt.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
      for (const [, e] of r.highlights) expect(e).toBeLessThanOrEqual(r.excerpt.length);
    }
    expect(a.results.some((r) => r.excerpt.endsWith('…') || r.excerpt.startsWith('…'))).toBe(true);
  });
});

describe('evidence of an answer', () => {
  const table = buildAliasTable({ synonyms: [['ship', 'vessel']] });
  // "ship" is common in this archive, "vessel" rare.
  const fleet = [
    article('s1', 'The ship sails at dawn', ['The ship left the quay at dawn with grain for the islands.']),
    article('s2', 'A ship in the storm', ['A ship lost its mast in the storm off the cape.']),
    article('s3', 'Ship repairs', ['The old ship was repaired in dry dock over the winter.']),
    article('s4', 'The vessel registry', ['Every vessel must be entered in the registry by March.']),
  ];
  const index = NewsIndex.build(fleet, { aliases: table });

  it('gives a passage holding the very word asked full credit for it, however rare its synonyms', () => {
    const query = index.parseQuery('ship grain');
    const hit = index.rank(query, { k: 1 })[0]!;
    expect(index.articles[hit.article]!.id).toBe('s1');
    expect(evidenceOf(index, query, hit).coverage).toBeCloseTo(1, 5);
  });

  it('gives a synonym found part of the credit, and never more than its own weight', () => {
    const query = index.parseQuery('vessel grain');
    const hit = index.rank(query, { k: 4 }).find((h) => index.articles[h.article]!.id === 's1')!;
    expect(hit.matched).toContain('ship');
    const { coverage } = evidenceOf(index, query, hit);
    expect(coverage).toBeGreaterThan(0.3);
    expect(coverage).toBeLessThan(0.9);
  });
});

describe('alias groups as names', () => {
  const table = buildAliasTable({
    aliases: [{ names: ['ISIS', 'Daesh', 'Islamic State'] }, { names: ['jihadists', 'militants', 'fighters'] }],
  });
  const withMilitants = [...articles, article('e', 'Militants flee', ['Militants of Daesh fled the town at night.'])];
  const index = NewsIndex.build(withMilitants, { aliases: table, hash: 'h-names' });

  it('counts a group of proper names as a name asked, and a group of common nouns as a word', () => {
    expect(table.isName('_isis')).toBe(true);
    expect(table.isName('_jihadists')).toBe(false);
    const query = index.parseQuery('where were the fighters of Daesh arrested');
    expect(query.names).toContain('_isis');
    expect(query.terms.map((t) => t.term)).toContain('_jihadists');
    expect(query.names).not.toContain('_jihadists');
  });
});
