import { finish, sliced } from './slices.js';
import MiniSearch from 'minisearch';
import { placeFormsOf } from './places.js';
import { buildAliasTable, editDistance, type AliasTable } from './aliases.js';
import { foldWord, irregularForms, stem, terms as indexTerms, tokenize, type Token } from './text.js';
import type { Article } from './types.js';
import { DEFAULT_PASSAGE_OPTIONS, splitArticle, type Passage, type PassageOptions } from './passages.js';
import { namedDates, type NamedDates } from './dates.js';
import { KNOWN_OUTLETS } from './outlets.js';
import type { AnswerIndex } from './answerIndex.js';

/** Bumped whenever the persisted shape or the way terms are made changes. */
export const INDEX_FORMAT_VERSION = 12;

/** What a renderer needs of an article, without its body. */
export type ArticleMeta = Omit<Article, 'sections' | 'line'> & {
  /** Index of the article's first passage; its passages run to the next article's. */
  firstPassage: number;
};

export interface RankingOptions {
  /**
   * BM25F weights of an article's fields in the article-level score: a title word counts as this
   * many body words (the body holds the standfirst and headings, as passages do). Applied when
   * the index is built: they shape its persisted article postings.
   */
  fieldWeights: Record<'title' | 'source' | 'date', number>;
  /** How many articles the article-level search hands to passage scoring. */
  candidates: number;
  /** Weight of the best passage against the whole article. */
  passageWeight: number;
  /** Multiplier for articles from an outlet the question names. */
  outletBoost: number;
  /** Multiplier for articles published on a day the question names (half of it for the month). */
  dateBoost: number;
  /** Weight of synonym expansions relative to the words asked. */
  synonymWeight: number;
  /**
   * Passage score added per adjacent pair of different question words, times the lesser word's
   * IDF. 0.3: NewsQA dev top-1 a 0.735 -> 0.742, b 0.737 -> 0.741 (excerpt answers +1.4 / +0.4
   * points); MultiHop-RAG nDCG@10 a 0.826 -> 0.829, b 0.834 -> 0.836, evidence quoted -0.1 / -0.3
   * points. 1.0 did more for NewsQA but cost MultiHop-RAG 0.5 points of nDCG; a window of three
   * words instead of adjacent ones, less on NewsQA.
   */
  proximity: number;
  /** BM25 parameters, for articles and passages alike. */
  k1: number;
  b: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  fieldWeights: { title: 2, source: 1, date: 0.5 },
  candidates: 30,
  passageWeight: 1,
  outletBoost: 2,
  dateBoost: 2,
  synonymWeight: 0.4,
  proximity: 0.3,
  k1: 1.2,
  b: 0.75,
};

type ArticleField = 'title' | 'lead' | 'body' | 'source' | 'date';
const FIELDS: ArticleField[] = ['title', 'lead', 'body', 'source', 'date'];

/** A question term with its weight; `fuzzy` marks a correction of a misspelt word. */
export interface QueryTerm {
  term: string;
  weight: number;
  /** The word as asked, for terms that came from a synonym or a spelling correction. */
  from?: string;
  /** Set when the term is a spelling correction of `from`. */
  corrected?: true;
}

export interface ParsedQuery {
  terms: QueryTerm[];
  /** Terms the archive has never seen, even after spelling correction. */
  unknown: string[];
  /** Of those, the ones asked as names (capitalised mid-sentence, or an acronym), as written. */
  unknownNames: string[];
  /** Known terms asked as names, or alias groups of names (not of common nouns). */
  names: string[];
  outlets: string[];
  /** Outlets the question names that the archive holds no article from (see outlets.ts), as written. */
  absentOutlets: string[];
  dates: NamedDates;
}

/** A ranked passage: the evidence behind one result. */
export interface PassageHit {
  passage: number;
  article: number;
  score: number;
  /** Score of the article as a whole and of this passage, each scaled to the best candidate (0..1). */
  articleEvidence: number;
  passageEvidence: number;
  /** Index terms of the question this passage contains. */
  matched: string[];
}

export interface SearchResult {
  query: ParsedQuery;
  hits: PassageHit[];
}

export interface SearchRequest {
  /** Number of results. */
  k: number;
  /** Passages per article (1: one result per article). */
  perArticle?: number;
}

/** 16-bit where every value fits (a vocabulary and passages under 65,535), else 32-bit. */
export type Ints = Uint16Array | Int32Array;
const narrowest = (values: ArrayLike<number>, max: number): Ints =>
  max < 0xffff ? Uint16Array.from(values) : Int32Array.from(values);

/** An index's data (delta.ts merges two). */
export type IndexParts = Built;

interface Built {
  articles: ArticleMeta[];
  passages: Passage[];
  /** Index terms of each passage, concatenated; `tokenStart[p]..tokenStart[p+1]` is passage p. */
  tokens: Ints;
  tokenStart: Int32Array;
  /** Where each token stands in its passage's text: [start, end) pairs plus one; 0 for heading words. */
  tokenOffsets: Ints;
  vocab: string[];
  passageDf: Int32Array;
  articleDf: Int32Array;
  /**
   * minisearch over the passages, which only spelling correction and "did you mean" ask: a loaded
   * index makes it on first use (see loadSteps), so a start that meets no misspelling never pays for it.
   */
  mini: MiniSearch | LazyMini;
  postings: ArticlePostings;
}

/** A minisearch index still to make from its saved form, shared by an index and any delta over it. */
interface LazyMini {
  made?: MiniSearch;
  /** How to make it; dropped once made, with the saved bytes it holds. */
  steps?: () => Generator<void, MiniSearch>;
  /** An empty index, when the saved one cannot be read: answers go on, without spelling correction. */
  empty: () => MiniSearch;
}

/** The JSON part of the persisted index; the passages and integer arrays follow it as raw bytes. */
interface IndexHeader {
  formatVersion: number;
  hash: string;
  /** Whatever the caller stores alongside the index (the engine keeps its warnings and file list). */
  extra: unknown;
  /** Distinct passage headings; `passageHeading` points into it. */
  headings: string[];
  vocab: string[];
  /** The alias data the index was built with (validated, as JSON), so a load needs no alias file. */
  aliases: string;
  /** minisearch's own serialization without its term index, which is in the `miniIndex` section. */
  mini: Record<string, unknown>;
  /** Where each section lies after the header: [byte offset, byte length]. */
  sections: Record<SectionName, [offset: number, bytes: number]>;
  /** Whether `tokens` and `tokenOffsets` are 16-bit (else 32-bit). */
  narrow: { tokens: boolean; tokenOffsets: boolean };
}

/**
 * Binary sections: Int32 arrays (`tokens` and `tokenOffsets` 16-bit when `narrow` says so);
 * `text` (every passage's text, UTF-8, back to back); and `miniIndex`, minisearch's term index
 * as JSON arrays of [term, postings] entries, each chunk of `MINI_CHUNK_TERMS` terms starting at
 * the byte offset in `miniChunks`; `articleJson`, the articles (ArticleMeta) as JSON arrays of
 * `ARTICLE_CHUNK` articles each, starting at the byte offsets in `articleChunks`. In chunks so a
 * load can stop between them (see fromBufferAsync): one JSON.parse of every article at 10× blocked 160 ms.
 */
const SECTIONS = [
  'tokens',
  'tokenStart',
  'tokenOffsets',
  'passageDf',
  'articleDf',
  'passageArticle',
  'passagePosition',
  'passageHeading',
  'passageLead',
  'textStart',
  'sentenceStart',
  'sentences',
  'text',
  'miniChunks',
  'miniIndex',
  'articleChunks',
  'articleJson',
  'postStart',
  'postArticle',
  'postTf',
  'articleLength',
] as const;
type SectionName = (typeof SECTIONS)[number];

/** File signature of a persisted index: "NDIX". */
const MAGIC = 0x5844_494e;
/** Magic, format version, header length. */
const PREAMBLE_BYTES = 12;
/**
 * Terms per chunk of the persisted minisearch index. Loading parses one chunk at a time, so the
 * parsed JSON dies young instead of outliving the whole load: a third less time in GC.
 */
const MINI_CHUNK_TERMS = 250;
/** Articles per chunk of the persisted article list (see SECTIONS). */
const ARTICLE_CHUNK = 500;
/** Passages made between two chances to pause a load. */
const LOAD_PASSAGES_PER_STEP = 5_000;

/** Bytes copied between two chances to pause a load. */
const LOAD_BYTES_PER_STEP = 1 << 20;

/** A typed array holding a copy of `bytes`, made a step at a time (see LOAD_BYTES_PER_STEP). */
function* copied<T extends Ints | Float32Array | Uint8Array>(
  bytes: Uint8Array,
  Type: { new (length: number): T; BYTES_PER_ELEMENT: number },
): Generator<void, T> {
  const out = new Type(bytes.length / Type.BYTES_PER_ELEMENT);
  const view = new Uint8Array(out.buffer);
  for (let at = 0; at < bytes.length; at += LOAD_BYTES_PER_STEP) {
    view.set(bytes.subarray(at, at + LOAD_BYTES_PER_STEP), at);
    yield;
  }
  return out;
}

/** Terms of the minisearch index loaded between two chances to pause a load. */
const LOAD_TERMS_PER_STEP = 100;

/** minisearch's term index, inside: a radix tree of term → field id → document id → term frequency. */
type MiniTermIndex = { set(term: string, data: Map<number, Map<number, number>>): unknown };

/**
 * minisearch's loadJS in steps of `LOAD_TERMS_PER_STEP` terms. Its own loadJSAsync pauses only
 * every 1,000 terms, which took 40–170 ms each at 1× on a busy machine; this does what loadJS
 * does for each term (serialization version 2, the one minisearch 7 writes), into the instance's
 * term index, and falls back to loadJS for anything else.
 */
function* loadMini(
  meta: Record<string, unknown>,
  terms: Iterable<[string, unknown]>,
  options: ReturnType<typeof miniOptions>,
): Generator<void, MiniSearch> {
  type Serialized = Parameters<typeof MiniSearch.loadJS>[0];
  const mini = MiniSearch.loadJS({ ...meta, index: [] } as unknown as Serialized, options);
  const termIndex = (mini as unknown as { _index?: Partial<MiniTermIndex> })._index;
  if (meta.serializationVersion !== 2 || typeof termIndex?.set !== 'function')
    return MiniSearch.loadJS({ ...meta, index: terms } as unknown as Serialized, options);
  let n = 0;
  for (const [term, data] of terms) {
    const fields = new Map<number, Map<number, number>>();
    for (const [field, docs] of Object.entries(data as Record<string, Record<string, number>>)) {
      const postings = new Map<number, number>();
      for (const doc in docs) postings.set(parseInt(doc, 10), docs[doc]!);
      fields.set(parseInt(field, 10), postings);
    }
    (termIndex as MiniTermIndex).set(term, fields);
    if (++n % LOAD_TERMS_PER_STEP === 0) yield;
  }
  return mini;
}

/**
 * A saved minisearch index to make on first use: made on a cold start it was a third of the
 * start (parsing, building its term tree, and the garbage after), and only spelling correction
 * asks for it. A function of its own, so what it keeps is only what it names, not the whole
 * file's bytes that the loader's other closures hold.
 */
function lazyMini(
  meta: Record<string, unknown>,
  chunks: ArrayLike<number>,
  terms: Buffer,
  aliases: AliasTable,
): LazyMini {
  // loadJS only iterates the term index, so it can take the chunks one at a time.
  function* termEntries(): Generator<[string, unknown]> {
    for (let i = 0; i + 1 < chunks.length; i++)
      yield* JSON.parse(terms.toString('utf8', chunks[i]!, chunks[i + 1]!)) as Array<[string, unknown]>;
  }
  return {
    steps: () => loadMini(meta, termEntries(), miniOptions(aliases)),
    empty: () => new MiniSearch(miniOptions(aliases)),
  };
}

const identity = (t: string) => t;
const splitSpace = (s: string) => s.split(' ');

function miniOptions(aliases: AliasTable) {
  return {
    fields: FIELDS,
    storeFields: [],
    tokenize: (text: string) => tokenize(text, aliases).map((t) => t.term),
    processTerm: identity,
    searchOptions: { tokenize: splitSpace, processTerm: identity },
  };
}

/** The bytes of a typed array, as they are in memory. */
const bytesOf = (a: Ints): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A list as JSON arrays of `size` entries each: [byte offsets of the chunks (Int32), the chunks back to back]. */
function jsonChunks(entries: readonly unknown[], size: number): [bounds: Buffer, json: Buffer] {
  const parts: Buffer[] = [];
  const bounds = [0];
  for (let i = 0; i < entries.length; i += size) {
    const part = Buffer.from(JSON.stringify(entries.slice(i, i + size)), 'utf8');
    parts.push(part);
    bounds.push(bounds[bounds.length - 1]! + part.length);
  }
  return [Buffer.from(Int32Array.from(bounds).buffer), Buffer.concat(parts)];
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2023-10-07T…" → "October 7 2023", so a date asked in words finds the article's date field. */
export function dateWords(iso: string | undefined): string {
  const m = iso ? /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso) : null;
  if (!m) return '';
  const month = MONTH_NAMES[Number(m[2]) - 1] ?? '';
  return [month, m[3] ? String(Number(m[3])) : '', m[1]].filter(Boolean).join(' ');
}

/** What a renderer needs of an article (its body left out), its passages starting at `firstPassage`. */
export function toMeta(a: Article, firstPassage: number): ArticleMeta {
  const meta: ArticleMeta = { id: a.id, title: a.title, tags: a.tags, file: a.file, firstPassage };
  if (a.url) meta.url = a.url;
  if (a.published) meta.published = a.published;
  if (a.source) meta.source = a.source;
  if (a.author) meta.author = a.author;
  if (a.standfirst) meta.standfirst = a.standfirst;
  if (a.photoCredits) meta.photoCredits = a.photoCredits;
  return meta;
}

export interface LoadOptions {
  /** Aliases to answer with instead of those the index was built with. */
  aliases?: AliasTable;
  ranking?: Partial<RankingOptions>;
}

/** Passage text as UTF-8 bytes, by byte range. */
export interface TextBytes {
  read(from: number, to: number): string;
  /** Called once the index that reads through it has loaded (a file reader then owns its descriptor). */
  own?(): void;
}

/**
 * Where a loaded index reads its passage text: given the text section's place in the bytes
 * loaded (offset and length), a reader of it. Without one, the text is copied into memory; the
 * bot passes a reader of the index file (src/indexFile.ts), so the text stays on disk.
 */
export type TextSource = (offset: number, length: number) => TextBytes;

const memoryText = (bytes: Buffer): TextBytes => ({ read: (from, to) => bytes.toString('utf8', from, to) });

/** The loaded passages' text and sentence offsets, in flat arrays shared by every passage. */
interface PassageStore {
  text: TextBytes;
  textStart: Int32Array;
  sentenceStart: Int32Array;
  sentences: Int32Array;
}

/**
 * A passage of a loaded index. Only the passages a question reaches are ever read, so the text is
 * decoded and the sentence offsets copied on demand instead of held for all of them.
 */
class StoredPassage implements Passage {
  heading?: string;
  lead?: true;

  constructor(
    readonly article: number,
    readonly position: number,
    private readonly store: PassageStore,
    private readonly i: number,
  ) {}

  get text(): string {
    const { text, textStart } = this.store;
    return text.read(textStart[this.i]!, textStart[this.i + 1]!);
  }

  get sentences(): number[] {
    const { sentences, sentenceStart } = this.store;
    return Array.from(sentences.subarray(sentenceStart[this.i]!, sentenceStart[this.i + 1]!));
  }
}

/**
 * The searchable archive: minisearch over whole articles finds candidates with field weights,
 * aliases and spelling correction; a compact passage store then ranks the passages of those
 * candidates, so every question is answered with sentences, not whole articles.
 */
export class NewsIndex implements AnswerIndex {
  readonly articles: ArticleMeta[];
  readonly passages: Passage[];
  readonly hash: string;
  private readonly tokens: Ints;
  private readonly tokenStart: Int32Array;
  private readonly tokenOffsets: Ints;
  private readonly vocab: string[];
  private readonly termId: Map<string, number>;
  private readonly passageDf: Int32Array;
  private readonly articleDf: Int32Array;
  private readonly miniSource: MiniSearch | LazyMini;
  private readonly avgPassageLength: number;
  private readonly outletNames: Array<{ name: string; source: string }>;
  private readonly articlesBySource: Map<string, number[]>;
  private readonly titleCache = new Map<number, ReadonlySet<string>>();
  /** The archive's sources in compact form ("bbcnewstechnology"), to tell which named outlets it holds. */
  private readonly sourceKeys: string[];
  /** Scratch: query slot of each term id, -1 when the term is not asked. */
  private readonly slotOf: Int32Array;
  /** Article-level postings (see articlePostings) and the mean article length in them. */
  private readonly postings: ArticlePostings;
  private readonly avgArticleLength: number;
  /** Scratch: article scores of the question being ranked. */
  private readonly articleScore: Float64Array;
  readonly aliases: AliasTable;
  readonly ranking: RankingOptions;

  private constructor(b: Built, hash: string, aliases: AliasTable, ranking: RankingOptions) {
    this.articles = b.articles;
    this.passages = b.passages;
    this.tokens = b.tokens;
    this.tokenStart = b.tokenStart;
    this.tokenOffsets = b.tokenOffsets;
    this.vocab = b.vocab;
    this.passageDf = b.passageDf;
    this.articleDf = b.articleDf;
    this.miniSource = b.mini;
    this.hash = hash;
    this.aliases = aliases;
    this.ranking = ranking;
    this.termId = new Map(b.vocab.map((t, i) => [t, i]));
    this.avgPassageLength = b.passages.length ? b.tokens.length / b.passages.length : 1;
    this.slotOf = new Int32Array(b.vocab.length).fill(-1);
    this.articlesBySource = new Map();
    b.articles.forEach((a, i) => {
      if (!a.source) return;
      const key = foldWord(a.source);
      const list = this.articlesBySource.get(key) ?? [];
      list.push(i);
      this.articlesBySource.set(key, list);
    });
    this.outletNames = outletNamesOf([...this.articlesBySource.keys()]);
    this.sourceKeys = [...this.articlesBySource.keys()].map(compact);
    this.postings = b.postings;
    const lengths = b.postings.length;
    this.avgArticleLength = lengths.length ? lengths.reduce((x, y) => x + y, 0) / lengths.length : 1;
    this.articleScore = new Float64Array(b.articles.length);
  }

  /** Builds the index from parsed articles. */
  static build(
    articles: Article[],
    options: { aliases: AliasTable; hash?: string; ranking?: Partial<RankingOptions>; passages?: PassageOptions },
  ): NewsIndex {
    const { aliases } = options;
    const passages: Passage[] = [];
    const metas: ArticleMeta[] = [];
    const vocab: string[] = [];
    const termId = new Map<string, number>();
    const idOf = (term: string) => {
      let id = termId.get(term);
      if (id === undefined) {
        id = vocab.length;
        vocab.push(term);
        termId.set(term, id);
      }
      return id;
    };
    const tokenList: number[] = [];
    const tokenStart: number[] = [];
    const offsets: number[] = [];
    const passageDfCounts: number[] = [];
    const articleDfCounts: number[] = [];
    const mini = new MiniSearch(miniOptions(aliases));
    const passageOptions = options.passages ?? DEFAULT_PASSAGE_OPTIONS;
    const docs = [];
    for (const [i, article] of articles.entries()) {
      metas.push(toMeta(article, passages.length));
      const own = splitArticle(article, i, passageOptions);
      const articleTerms = new Set<number>();
      for (const p of own) {
        tokenStart.push(tokenList.length);
        const seen = new Set<number>();
        // A short heading ("Background") labels every passage under it, so its words count there too.
        const label =
          p.heading && p.heading !== p.text && p.heading.length < passageOptions.sentenceHeadingChars
            ? `${p.heading}\n`
            : '';
        for (const t of tokenize(label + p.text, aliases)) {
          const id = idOf(t.term);
          tokenList.push(id);
          if (t.start < label.length) offsets.push(0, 0);
          else offsets.push(t.start - label.length + 1, t.end - label.length + 1);
          seen.add(id);
        }
        for (const id of seen) {
          passageDfCounts[id] = (passageDfCounts[id] ?? 0) + 1;
          articleTerms.add(id);
        }
        passages.push(p);
      }
      const lead = [article.standfirst ?? '', ...article.sections.map((s) => s.heading ?? '')]
        .filter(Boolean)
        .join('\n');
      const doc = {
        id: i,
        title: article.title,
        lead,
        body: own.map((p) => p.text).join('\n'),
        source: article.source ?? '',
        date: dateWords(article.published),
      };
      for (const f of ['title', 'lead', 'source', 'date'] as const)
        for (const t of tokenize(doc[f], aliases)) articleTerms.add(idOf(t.term));
      for (const id of articleTerms) articleDfCounts[id] = (articleDfCounts[id] ?? 0) + 1;
      docs.push(doc);
    }
    mini.addAll(docs);
    tokenStart.push(tokenList.length);
    const df = (counts: number[]) => Int32Array.from({ length: vocab.length }, (_, i) => counts[i] ?? 0);
    const ranking = { ...DEFAULT_RANKING, ...options.ranking };
    const built = {
      articles: metas,
      passages,
      tokens: narrowest(tokenList, vocab.length),
      tokenStart: Int32Array.from(tokenStart),
      tokenOffsets: narrowest(
        offsets,
        offsets.reduce((m, x) => Math.max(m, x), 0),
      ),
      vocab,
      passageDf: df(passageDfCounts),
      articleDf: df(articleDfCounts),
      mini,
    };
    const postings = articlePostings(built, termId, (a) => articleMetaTerms(metas[a]!, aliases, ranking.fieldWeights));
    return new NewsIndex({ ...built, postings }, options.hash ?? '', aliases, ranking);
  }

  /**
   * The persisted form: a small preamble, a JSON header (articles, passage text, vocabulary,
   * minisearch's own index, `extra`) and the integer arrays as raw bytes, so loading parses only
   * the header and copies the arrays. Stamped with the format version and the corpus hash.
   */
  toBuffer(extra: unknown = null): Buffer {
    const n = this.passages.length;
    const headings: string[] = [];
    const headingId = new Map<string, number>();
    const passageHeading = new Int32Array(n).fill(-1);
    const textStart = new Int32Array(n + 1);
    const sentenceStart = new Int32Array(n + 1);
    let bytes = 0;
    let sentenceCount = 0;
    this.passages.forEach((p, i) => {
      if (p.heading !== undefined) {
        let id = headingId.get(p.heading);
        if (id === undefined) headingId.set(p.heading, (id = headings.push(p.heading) - 1));
        passageHeading[i] = id;
      }
      textStart[i] = bytes;
      bytes += Buffer.byteLength(p.text, 'utf8');
      sentenceStart[i] = sentenceCount;
      sentenceCount += p.sentences.length;
    });
    textStart[n] = bytes;
    sentenceStart[n] = sentenceCount;
    const ints = (values: ArrayLike<number>) => Buffer.from(Int32Array.from(values).buffer);
    const { index: terms, ...mini } = this.mini.toJSON();
    const data: Record<SectionName, Buffer> = {
      tokens: bytesOf(this.tokens),
      tokenStart: ints(this.tokenStart),
      tokenOffsets: bytesOf(this.tokenOffsets),
      passageDf: ints(this.passageDf),
      articleDf: ints(this.articleDf),
      passageArticle: ints(this.passages.map((p) => p.article)),
      passagePosition: ints(this.passages.map((p) => p.position)),
      passageHeading: ints(passageHeading),
      passageLead: ints(this.passages.map((p) => (p.lead ? 1 : 0))),
      textStart: ints(textStart),
      sentenceStart: ints(sentenceStart),
      sentences: ints(this.passages.flatMap((p) => p.sentences)),
      text: Buffer.from(this.passages.map((p) => p.text).join(''), 'utf8'),
      ...(([miniChunks, miniIndex]) => ({ miniChunks, miniIndex }))(jsonChunks(terms, MINI_CHUNK_TERMS)),
      ...(([articleChunks, articleJson]) => ({ articleChunks, articleJson }))(jsonChunks(this.articles, ARTICLE_CHUNK)),
      postStart: ints(this.postings.start),
      postArticle: ints(this.postings.article),
      postTf: Buffer.from(Float32Array.from(this.postings.tf).buffer),
      articleLength: Buffer.from(Float32Array.from(this.postings.length).buffer),
    };
    const sections = {} as IndexHeader['sections'];
    let offset = 0;
    for (const name of SECTIONS) {
      sections[name] = [offset, data[name].length];
      // Each section starts on a 4-byte boundary.
      offset += data[name].length + ((4 - (data[name].length % 4)) % 4);
    }
    const header: IndexHeader = {
      formatVersion: INDEX_FORMAT_VERSION,
      hash: this.hash,
      extra,
      headings,
      vocab: this.vocab,
      aliases: this.aliases.fingerprint,
      mini,
      sections,
      narrow: { tokens: this.tokens instanceof Uint16Array, tokenOffsets: this.tokenOffsets instanceof Uint16Array },
    };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const body = PREAMBLE_BYTES + json.length + ((4 - (json.length % 4)) % 4);
    const out = Buffer.alloc(body + offset);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(INDEX_FORMAT_VERSION, 4);
    out.writeUInt32LE(json.length, 8);
    json.copy(out, PREAMBLE_BYTES);
    for (const name of SECTIONS) data[name].copy(out, body + sections[name][0]);
    return out;
  }

  /**
   * The format version and corpus hash of a persisted index, read without loading it; null when
   * the data is not an index, an error when it is cut short.
   */
  /** How many bytes of a file `peek` needs, from its first `PEEK_MIN` bytes (0: not an index file). */
  static peekLength(start: Uint8Array): number {
    const buf = Buffer.from(start.buffer, start.byteOffset, start.byteLength);
    return buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC ? 0 : PREAMBLE_BYTES + buf.readUInt32LE(8);
  }

  /** The bytes at the start of a file that tell how much of it `peek` reads. */
  static readonly PEEK_MIN = PREAMBLE_BYTES;

  static peek(data: Uint8Array): { formatVersion: number; hash: string } | null {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC) return null;
    const formatVersion = buf.readUInt32LE(4);
    if (PREAMBLE_BYTES + buf.readUInt32LE(8) > buf.length) throw new Error('index file is truncated');
    // The hash is the second key of the header: read only the start of it.
    const start = buf.toString('utf8', PREAMBLE_BYTES, Math.min(buf.length, PREAMBLE_BYTES + 200));
    const quoted = /"hash":("(?:[^"\\]|\\.)*")/.exec(start)?.[1];
    return { formatVersion, hash: quoted ? (JSON.parse(quoted) as string) : '' };
  }

  /**
   * Loads a persisted index; throws when it is not one, or has another format version, or is cut
   * short. It answers with the aliases it was built with unless others are given.
   */
  static fromBuffer(
    data: Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): { index: NewsIndex; extra: unknown } {
    return finish(NewsIndex.loadSteps(Buffer.from(data.buffer, data.byteOffset, data.byteLength), options, text));
  }

  /**
   * fromBuffer in slices of a few milliseconds with the event loop served in between: how a
   * serving process takes up a rebuilt index while it goes on answering from the old one.
   */
  static fromBufferAsync(
    data: Uint8Array,
    options: LoadOptions = {},
    text?: TextSource,
  ): Promise<{ index: NewsIndex; extra: unknown }> {
    return sliced(NewsIndex.loadSteps(Buffer.from(data.buffer, data.byteOffset, data.byteLength), options, text));
  }

  /** The work of a load in steps of a few milliseconds: it yields where a caller may pause. */
  private static *loadSteps(
    buf: Buffer,
    options: LoadOptions,
    source?: TextSource,
  ): Generator<void, { index: NewsIndex; extra: unknown }> {
    if (buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a Newsdesk index file');
    const version = buf.readUInt32LE(4);
    if (version !== INDEX_FORMAT_VERSION) throw new Error(`index format ${version} is not ${INDEX_FORMAT_VERSION}`);
    const jsonLength = buf.readUInt32LE(8);
    if (PREAMBLE_BYTES + jsonLength > buf.length) throw new Error('index file is truncated');
    const header = JSON.parse(buf.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + jsonLength)) as IndexHeader;
    const body = PREAMBLE_BYTES + jsonLength + ((4 - (jsonLength % 4)) % 4);
    const section = (name: SectionName): Buffer => {
      const [offset, bytes] = header.sections[name];
      if (body + offset + bytes > buf.length) throw new Error('index file is truncated');
      return buf.subarray(body + offset, body + offset + bytes);
    };
    // Copies: the arrays then own aligned memory and the file buffer can be freed. Copied a
    // megabyte per step: the first write to fresh memory is slow on some machines (5 ms per MB measured).
    const copy = <T extends Ints | Float32Array>(
      name: SectionName,
      Type: { new (length: number): T; BYTES_PER_ELEMENT: number },
    ): Generator<void, T> => copied(section(name), Type);
    const array = (name: SectionName) => copy(name, Int32Array);
    const floats = (name: SectionName) => copy(name, Float32Array);
    const ints = (name: 'tokens' | 'tokenOffsets'): Generator<void, Ints> =>
      header.narrow[name] ? copy(name, Uint16Array) : array(name);
    yield;
    const articles: ArticleMeta[] = [];
    const articleChunks = yield* array('articleChunks');
    const articleJson = section('articleJson');
    for (let i = 0; i + 1 < articleChunks.length; i++) {
      for (const a of JSON.parse(
        articleJson.toString('utf8', articleChunks[i]!, articleChunks[i + 1]!),
      ) as ArticleMeta[])
        articles.push(a);
      yield;
    }
    const article = yield* array('passageArticle');
    const position = yield* array('passagePosition');
    const heading = yield* array('passageHeading');
    const lead = yield* array('passageLead');
    const textStart = yield* array('textStart');
    const sentenceStart = yield* array('sentenceStart');
    const sentences = yield* array('sentences');
    // The passage text stays UTF-8 (half the memory of a JS string holding any non-Latin-1
    // character), in the file or in one copied buffer, and each passage decodes its own bytes.
    const text = section('text');
    const store: PassageStore = {
      text: source
        ? source(body + header.sections.text[0], text.length)
        : memoryText(Buffer.from((yield* copied(text, Uint8Array)).buffer)),
      textStart,
      sentenceStart,
      sentences,
    };
    const passages: Passage[] = [];
    for (let i = 0; i < article.length; i++) {
      const p: Passage = new StoredPassage(article[i]!, position[i]!, store, i);
      if (heading[i]! >= 0) p.heading = header.headings[heading[i]!]!;
      if (lead[i]) p.lead = true;
      passages.push(p);
      if (i % LOAD_PASSAGES_PER_STEP === 0) yield;
    }
    const aliases = options.aliases ?? buildAliasTable(JSON.parse(header.aliases));
    // A copy of its bytes, so the file's are not kept alive for it (2.9 MB of 17 at 1× on MultiHop-RAG).
    const mini = lazyMini(header.mini, yield* array('miniChunks'), Buffer.from(section('miniIndex')), aliases);
    const tokens = yield* ints('tokens');
    const tokenOffsets = yield* ints('tokenOffsets');
    const postings = {
      start: yield* array('postStart'),
      article: yield* array('postArticle'),
      tf: yield* floats('postTf'),
      length: yield* floats('articleLength'),
    };
    const tokenStart = yield* array('tokenStart');
    const passageDf = yield* array('passageDf');
    const articleDf = yield* array('articleDf');
    const index = new NewsIndex(
      {
        articles,
        passages,
        tokens,
        tokenStart,
        tokenOffsets,
        vocab: header.vocab,
        passageDf,
        articleDf,
        mini,
        postings,
      },
      header.hash,
      aliases,
      { ...DEFAULT_RANKING, ...options.ranking },
    );
    store.text.own?.();
    return { index, extra: header.extra };
  }

  /** The minisearch index, made now if it was left for its first use. */
  private get mini(): MiniSearch {
    const source = this.miniSource;
    if (source instanceof MiniSearch) return source;
    if (!source.made) {
      try {
        source.made = finish(source.steps!());
      } catch {
        source.made = source.empty();
      }
      delete source.steps;
    }
    return source.made;
  }

  /**
   * Makes what a loaded index leaves for its first use (the minisearch index behind spelling
   * correction) in slices of a few milliseconds, so the first misspelt question after a start or
   * a reindex does not pay for it. A serving process calls it once an index is in place.
   */
  async warmUp(): Promise<void> {
    const source = this.miniSource;
    if (source instanceof MiniSearch || source.made || !source.steps) return;
    const made = await sliced(source.steps()).catch(() => source.empty());
    source.made ??= made;
    delete source.steps;
  }

  /** @internal The index's data as it is (shared, not copied): for delta.ts, which merges indexes. */
  get parts(): Readonly<IndexParts> {
    const { articles, passages, tokens, tokenStart, tokenOffsets, vocab, passageDf, articleDf, postings } = this;
    // The minisearch index as it stands, made or still to make: a delta shares it either way.
    const mini = this.miniSource;
    return { articles, passages, tokens, tokenStart, tokenOffsets, vocab, passageDf, articleDf, mini, postings };
  }

  /** @internal An index over merged data (see delta.ts). */
  static fromParts(parts: IndexParts, hash: string, aliases: AliasTable, ranking: RankingOptions): NewsIndex {
    return new NewsIndex(parts, hash, aliases, ranking);
  }

  get termCount(): number {
    return this.vocab.length;
  }

  /** Article number a (AnswerIndex: the answer path reads articles through it, whatever the backend). */
  article(a: number): ArticleMeta {
    return this.articles[a]!;
  }

  /** Passage number p (AnswerIndex). */
  passage(p: number): Passage {
    return this.passages[p]!;
  }

  /** Passages of article `a` as a [from, to) range of passage indexes. */
  passageRange(a: number): [number, number] {
    const from = this.articles[a]!.firstPassage;
    const to = a + 1 < this.articles.length ? this.articles[a + 1]!.firstPassage : this.passages.length;
    return [from, to];
  }

  /**
   * The words of passage p with their index terms and offsets in its text (heading words left
   * out); only those within [from, to), with `shift` added to their offsets, and only the terms
   * `only` holds when it is given.
   */
  passageTokens(p: number, from = 0, to = Infinity, shift = 0, only?: ReadonlyMap<string, unknown>): Token[] {
    const out: Token[] = [];
    for (let i = this.tokenStart[p]!; i < this.tokenStart[p + 1]!; i++) {
      // Stored plus one, 0 for a heading word: -1 here, before any `from`.
      const start = this.tokenOffsets[2 * i]! - 1;
      const end = this.tokenOffsets[2 * i + 1]! - 1;
      if (start < from || end > to) continue;
      const term = this.vocab[this.tokens[i]!]!;
      if (!only || only.has(term)) out.push({ term, start: start + shift, end: end + shift });
    }
    return out;
  }

  /** Index terms of passage p. */
  passageTerms(p: number): string[] {
    const out: string[] = [];
    for (let i = this.tokenStart[p]!; i < this.tokenStart[p + 1]!; i++) out.push(this.vocab[this.tokens[i]!]!);
    return out;
  }

  /** How many articles contain the term (0 when the archive has never seen it). */
  articleFrequency(term: string): number {
    const id = this.termId.get(term);
    return id === undefined ? 0 : this.articleDf[id]!;
  }

  /** Inverse document frequency of a term over articles, as BM25 computes it. */
  idf(term: string): number {
    const n = this.articles.length;
    const df = this.articleFrequency(term);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Index terms of an article's title (cached: refusals and excerpts ask for them often). */
  titleTerms(a: number): ReadonlySet<string> {
    let t = this.titleCache.get(a);
    if (!t) {
      t = new Set(tokenize(this.articles[a]!.title, this.aliases).map((x) => x.term));
      if (this.titleCache.size > 10_000) this.titleCache.clear();
      this.titleCache.set(a, t);
    }
    return t;
  }

  /** Inverse document frequency of a term over passages: finer-grained than over articles in a small archive. */
  passageIdf(term: string): number {
    const id = this.termId.get(term);
    const df = id === undefined ? 0 : this.passageDf[id]!;
    return Math.log(1 + (this.passages.length - df + 0.5) / (df + 0.5));
  }

  /** Turns a question into weighted index terms, outlets and dates. */
  parseQuery(question: string): ParsedQuery {
    const counts = new Map<string, number>();
    const named = new Set<string>();
    const surface = new Map<string, string>();
    const asWritten = new Map<string, string>();
    for (const t of tokenize(question, this.aliases)) {
      counts.set(t.term, (counts.get(t.term) ?? 0) + 1);
      surface.set(t.term, foldWord(question.slice(t.start, t.end)));
      if (!asWritten.has(t.term)) asWritten.set(t.term, question.slice(t.start, t.end));
      if (looksLikeName(question, t.start, t.end)) named.add(t.term);
    }
    const terms: QueryTerm[] = [];
    const unknown: string[] = [];
    const add = (qt: QueryTerm) => {
      const existing = terms.find((t) => t.term === qt.term);
      if (existing) existing.weight = Math.max(existing.weight, qt.weight);
      else terms.push(qt);
    };
    const names = new Set<string>();
    for (const [term] of counts) {
      if (this.termId.has(term)) {
        add({ term, weight: 1 });
        if (named.has(term) || this.aliases.isName(term)) names.add(term);
      } else {
        const fixed = this.correct(term, surface.get(term) ?? term);
        if (fixed) {
          add({ term: fixed, weight: 0.7, from: term, corrected: true });
          if (named.has(term) || this.aliases.isName(fixed)) names.add(fixed);
        } else if (!placeFormsOf(term).some((p) => this.termId.has(p))) unknown.push(term);
      }
      for (const syn of this.aliases.synonymsOf(term)) {
        if (this.termId.has(syn)) add({ term: syn, weight: this.ranking.synonymWeight, from: term });
      }
      // A place asked by its adjective ("Turkish") is also looked for by its name, and the other way round, as a synonym.
      for (const place of placeFormsOf(term)) {
        if (this.termId.has(place)) add({ term: place, weight: this.ranking.synonymWeight, from: term });
      }
    }
    const outlets = this.outletsIn(question);
    const absentOutlets = this.absentOutletsIn(question);
    // An outlet's name says where to look, not what about: it is not an unknown word of the question.
    const outletWords = new Set(absentOutlets.flatMap((o) => tokenize(o, this.aliases).map((t) => t.term)));
    const unknownWords = unknown.filter((u) => !outletWords.has(u));
    return {
      terms,
      unknown: unknownWords,
      unknownNames: unknownWords.filter((u) => named.has(u)).map((u) => asWritten.get(u) ?? u),
      names: [...names],
      outlets,
      absentOutlets,
      dates: namedDates(question),
    };
  }

  /** The closest known term to a misspelt one (edit distance ≤ 1, or 2 for long words), preferring common ones. */
  private correct(term: string, word: string): string | undefined {
    // Short words are too close to other real words ("tall" → "fall") to correct safely.
    if (term.length < 5 || term.startsWith('_') || /\d/.test(term)) return undefined;
    const maxDistance = term.length >= 7 ? 2 : 1;
    const hits = this.mini.search(term, { fuzzy: maxDistance, fields: ['title', 'body'], combineWith: 'OR' });
    // Names merged into an alias group are indexed under the group's term, not as words.
    const alias = this.aliases.closestName(word, word.length >= 7 ? 2 : 1);
    if (alias && this.termId.has(alias)) return alias;
    // An irregular form is indexed under its base ("children" as "child"), too far from its misspellings.
    for (const [form, base] of irregularForms()) {
      if (form[0] !== word[0] || Math.abs(form.length - word.length) > maxDistance) continue;
      const fixed = stem(base);
      if (this.termId.has(fixed) && editDistance(word, form, maxDistance) <= maxDistance) return fixed;
    }
    let best: string | undefined;
    let bestScore = -1;
    const seen = new Set<string>();
    for (const hit of hits.slice(0, 50)) {
      for (const candidate of Object.keys(hit.match)) {
        // A typo rarely changes the first letter; requiring it keeps corrections honest.
        if (seen.has(candidate) || candidate === term || candidate[0] !== term[0]) continue;
        seen.add(candidate);
        const df = this.articleFrequency(candidate);
        if (df > bestScore) {
          best = candidate;
          bestScore = df;
        }
      }
    }
    if (best) return best;
    // A shorter form of a known word ("Kurds" for "Kurdish"): the most common word it begins.
    for (const hit of this.mini.search(term, { prefix: true, fields: ['title', 'body'] }).slice(0, 20)) {
      for (const candidate of Object.keys(hit.match)) {
        const df = this.articleFrequency(candidate);
        if (candidate.startsWith(term) && candidate.length - term.length <= 4 && df > bestScore) {
          best = candidate;
          bestScore = df;
        }
      }
    }
    return best;
  }

  /**
   * Up to `n` words of the archive closest in spelling to a word it never saw (same first
   * letter, at most 3 edits, the most widespread first), as the archive writes them: for "did you
   * mean". Only refusals ask, so it may read passage text.
   */
  nearestWords(term: string, n: number): string[] {
    if (term.length < 3 || term.startsWith('_') || /\d/.test(term)) return [];
    const found = new Map<string, number>();
    for (const hit of this.mini
      .search(term, { fuzzy: Math.min(3, Math.max(1, Math.floor(term.length / 3))), fields: ['title', 'body'] })
      .slice(0, 50)) {
      for (const candidate of Object.keys(hit.match)) {
        if (candidate !== term && candidate[0] === term[0] && this.termId.has(candidate))
          found.set(candidate, this.articleFrequency(candidate));
      }
    }
    const out: string[] = [];
    // A name of an alias group is indexed under the group's term: offer the group's first name.
    const group = this.aliases.closestName(term, 2);
    const alias =
      group && this.termId.has(group) ? this.aliases.groups.find((g) => g.term === group)?.names[0] : undefined;
    if (alias) out.push(alias);
    for (const [candidate] of [...found].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))) {
      const word = this.surfaceOf(candidate);
      if (word && !out.includes(word)) out.push(word);
      if (out.length >= n) break;
    }
    return out;
  }

  /** A word of the archive's text that makes the index term, lower-cased unless it is a name. */
  private surfaceOf(term: string): string | undefined {
    const id = this.termId.get(term)!;
    const { start, article } = this.postings;
    if (start[id] === start[id + 1]) return undefined;
    const [from, to] = this.passageRange(article[start[id]!]!);
    for (let p = from; p < to; p++) {
      const t = this.passageTokens(p).find((x) => x.term === term);
      if (t) return this.passages[p]!.text.slice(t.start, t.end);
    }
    return undefined;
  }

  /** Well-known outlets named in the question that none of the archive's sources is. */
  private absentOutletsIn(question: string): string[] {
    const found = new Set<string>();
    // One pass, longest name first at each place: "The Times of India" is not read again as "Times of India".
    for (const m of question.matchAll(OUTLET_PATTERN)) {
      const name = m[0];
      if (found.has(name)) continue;
      const key = compact(name);
      if (!this.sourceKeys.some((s) => s.includes(key))) found.add(name);
    }
    return [...found];
  }

  private outletsIn(question: string): string[] {
    if (this.outletNames.length === 0) return [];
    const q = ` ${foldWord(question).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
    const found = new Set<string>();
    for (const { name, source } of this.outletNames) if (q.includes(` ${name} `)) found.add(source);
    return [...found];
  }

  /** Ranks passages for a question: one per article unless asked otherwise. */
  search(question: string, request: SearchRequest): SearchResult {
    const query = this.parseQuery(question);
    return { query, hits: this.rank(query, request) };
  }

  /** Ranks passages for an already parsed question. */
  rank(query: ParsedQuery, request: SearchRequest): PassageHit[] {
    if (query.terms.length === 0 || this.articles.length === 0) return [];
    const r = this.ranking;

    // Stage 1: candidate articles by BM25F over whole articles, every question term counted.
    const outletArticles = new Set<number>();
    for (const s of query.outlets) for (const a of this.articlesBySource.get(s) ?? []) outletArticles.add(a);
    const boostOf = (a: number) => {
      let boost = outletArticles.has(a) ? r.outletBoost : 1;
      const published = this.articles[a]!.published;
      if (published && (query.dates.days.size || query.dates.months.size)) {
        if (query.dates.days.has(published.slice(0, 10))) boost *= r.dateBoost;
        else if (query.dates.months.has(published.slice(0, 7))) boost *= Math.sqrt(r.dateBoost);
      }
      return boost;
    };
    const candidates = this.articleCandidates(query, Math.max(r.candidates, request.k * 3), boostOf);
    if (candidates.length === 0) return [];

    // Stage 2: passages of the candidates, scored with BM25 over all question terms.
    const slots = query.terms.map((t) => this.termId.get(t.term) ?? -1);
    const weights = query.terms.map((t, i) => {
      const id = slots[i]!;
      if (id < 0) return 0;
      const df = this.passageDf[id]!;
      return t.weight * Math.log(1 + (this.passages.length - df + 0.5) / (df + 0.5));
    });
    slots.forEach((id, slot) => {
      if (id >= 0) this.slotOf[id] = slot;
    });
    const tf = new Float64Array(slots.length);
    const perArticle = request.perArticle ?? 1;
    // For each candidate, its best passages (at most perArticle), kept in score order.
    const best: Array<{ article: number; articleScore: number; passages: Array<{ p: number; score: number }> }> = [];
    let maxPassage = 0;
    let maxArticle = 0;
    try {
      for (const c of candidates) {
        const a = c.id;
        const [from, to] = this.passageRange(a);
        const top: Array<{ p: number; score: number }> = [];
        for (let p = from; p < to; p++) {
          const score = this.scorePassage(p, slots.length, weights, tf);
          if (top.length < perArticle || score > top[top.length - 1]!.score) {
            // Insert after every passage scoring at least as much (earlier passages first on a tie).
            let at = top.length;
            top.push({ p, score });
            for (; at > 0 && top[at - 1]!.score < score; at--) top[at] = top[at - 1]!;
            top[at] = { p, score };
            if (top.length > perArticle) top.pop();
          }
        }
        if (top.length === 0) continue;
        const articleScore = c.score * boostOf(a);
        maxArticle = Math.max(maxArticle, articleScore);
        maxPassage = Math.max(maxPassage, top[0]!.score);
        best.push({ article: a, articleScore, passages: top });
      }
    } finally {
      for (const id of slots) if (id >= 0) this.slotOf[id] = -1;
    }

    const hits: PassageHit[] = [];
    for (const b of best) {
      const articleEvidence = maxArticle > 0 ? b.articleScore / maxArticle : 0;
      const boost = boostOf(b.article);
      for (const { p, score } of b.passages) {
        const passageEvidence = maxPassage > 0 ? score / maxPassage : 0;
        hits.push({
          passage: p,
          article: b.article,
          score: articleEvidence + r.passageWeight * passageEvidence * boost,
          articleEvidence,
          passageEvidence,
          matched: [],
        });
      }
    }
    hits.sort((x, y) => y.score - x.score || x.passage - y.passage);
    const out = hits.slice(0, request.k);
    for (const h of out) h.matched = this.matchedTerms(h.passage, query);
    return out;
  }

  /** The best `count` articles for the question by BM25F over whole articles (title, source and date words weighted in). */
  private articleCandidates(
    query: ParsedQuery,
    count: number,
    boostOf: (a: number) => number,
  ): Array<{ id: number; score: number }> {
    const r = this.ranking;
    const { start, article, tf, length } = this.postings;
    const avgLength = this.avgArticleLength;
    const scores = this.articleScore;
    const n = this.articles.length;
    const touched: number[] = [];
    for (const t of query.terms) {
      const id = this.termId.get(t.term);
      if (id === undefined) continue;
      const df = start[id + 1]! - start[id]!;
      const idf = t.weight * Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = start[id]!; i < start[id + 1]!; i++) {
        const a = article[i]!;
        const f = tf[i]!;
        if (scores[a] === 0) touched.push(a);
        scores[a]! += (idf * f * (r.k1 + 1)) / (f + r.k1 * (1 - r.b + (r.b * length[a]!) / avgLength));
      }
    }
    const out = touched.map((a) => ({ id: a, score: scores[a]! * boostOf(a) }));
    for (const a of touched) scores[a] = 0;
    out.sort((x, y) => y.score - x.score || x.id - y.id);
    return out.slice(0, count);
  }

  /** BM25 of passage p for the question terms currently in `slotOf`. */
  private scorePassage(p: number, slotCount: number, weights: number[], tf: Float64Array): number {
    const r = this.ranking;
    tf.fill(0);
    const start = this.tokenStart[p]!;
    const end = this.tokenStart[p + 1]!;
    let any = false;
    // Question words side by side ("oil spill", "prime minister") say more than the same
    // words apart: each adjacent pair of different words asked adds the lesser word's weight.
    let prev = -1;
    let prevAt = -2;
    let near = 0;
    for (let i = start; i < end; i++) {
      const slot = this.slotOf[this.tokens[i]!]!;
      if (slot >= 0) {
        tf[slot]!++;
        any = true;
        if (prev !== slot && i - prevAt === 1) near += Math.min(weights[prev]!, weights[slot]!);
        prev = slot;
        prevAt = i;
      }
    }
    if (!any) return 0;
    const norm = r.k1 * (1 - r.b + (r.b * (end - start)) / this.avgPassageLength);
    let score = r.proximity * near;
    for (let s = 0; s < slotCount; s++) {
      const f = tf[s]!;
      if (f > 0) score += (weights[s]! * f * (r.k1 + 1)) / (f + norm);
    }
    return score;
  }

  /** Which of `terms` article a holds anywhere: in its title, its outlet's name or any of its passages. */
  articleHolds(a: number, terms: Iterable<string>): Set<string> {
    const title = this.titleTerms(a);
    const source = this.articles[a]!.source;
    const outlet = source ? new Set(indexTerms(source, this.aliases)) : null;
    const held = new Set<string>();
    const wanted = new Map<number, string>();
    for (const t of terms) {
      if (title.has(t) || outlet?.has(t)) held.add(t);
      else {
        const id = this.termId.get(t);
        if (id !== undefined) wanted.set(id, t);
      }
    }
    if (wanted.size === 0) return held;
    const [from, to] = this.passageRange(a);
    for (let i = this.tokenStart[from]!; i < this.tokenStart[to]! && wanted.size > 0; i++) {
      const t = wanted.get(this.tokens[i]!);
      if (t !== undefined) {
        held.add(t);
        wanted.delete(this.tokens[i]!);
      }
    }
    return held;
  }

  /**
   * For each passage of article a, the question weight it holds: each group of terms (a word
   * asked with its synonyms) counts once, at its best weight. Cheap: no re-tokenising.
   */
  passageCoverage(a: number, weights: ReadonlyMap<string, { weight: number; group: string }>): Float64Array {
    const [from, to] = this.passageRange(a);
    const groups = [...new Set([...weights.values()].map((w) => w.group))];
    const ids: number[] = [];
    const slotWeight: number[] = [];
    const slotGroup: number[] = [];
    for (const [term, w] of weights) {
      const id = this.termId.get(term);
      if (id === undefined) continue;
      this.slotOf[id] = ids.length;
      ids.push(id);
      slotWeight.push(w.weight);
      slotGroup.push(groups.indexOf(w.group));
    }
    const out = new Float64Array(to - from);
    const best = new Float64Array(groups.length);
    try {
      for (let p = from; p < to; p++) {
        best.fill(0);
        for (let i = this.tokenStart[p]!; i < this.tokenStart[p + 1]!; i++) {
          const slot = this.slotOf[this.tokens[i]!]!;
          if (slot >= 0 && slotWeight[slot]! > best[slotGroup[slot]!]!) best[slotGroup[slot]!] = slotWeight[slot]!;
        }
        let sum = 0;
        for (const v of best) sum += v;
        out[p - from] = sum;
      }
    } finally {
      for (const id of ids) this.slotOf[id] = -1;
    }
    return out;
  }

  /** The question's terms that passage p contains. */
  private matchedTerms(p: number, query: ParsedQuery): string[] {
    const wanted = new Map<number, string>();
    for (const t of query.terms) {
      const id = this.termId.get(t.term);
      if (id !== undefined) wanted.set(id, t.term);
    }
    const out = new Set<string>();
    for (let i = this.tokenStart[p]!; i < this.tokenStart[p + 1]!; i++) {
      const term = wanted.get(this.tokens[i]!);
      if (term !== undefined) out.add(term);
    }
    return [...out];
  }
}

/** Words of an article's title, source and date, with the weight each field gives them in article scoring. */
export function articleMetaTerms(
  meta: ArticleMeta,
  aliases: AliasTable,
  w: RankingOptions['fieldWeights'],
): Array<[term: string, weight: number]> {
  const out: Array<[string, number]> = [];
  for (const t of tokenize(meta.title, aliases)) out.push([t.term, w.title]);
  for (const t of tokenize(meta.source ?? '', aliases)) out.push([t.term, w.source]);
  for (const t of tokenize(dateWords(meta.published), aliases)) out.push([t.term, w.date]);
  return out;
}

/** For each term, the articles holding it and its weighted frequency there; the length of each article. */
interface ArticlePostings {
  /** Postings of term t run from start[t] to start[t + 1]. */
  start: Int32Array;
  article: Int32Array;
  tf: Float32Array;
  length: Float32Array;
}

/**
 * Article postings from the passage tokens, plus each article's title, source and date words at
 * their field weight: built with the index and persisted with it (two passes over typed arrays:
 * count, then fill).
 */
function articlePostings(
  b: Omit<Built, 'postings'>,
  termId: ReadonlyMap<string, number>,
  metaTerms: (a: number) => Array<[string, number]>,
): ArticlePostings {
  const n = b.articles.length;
  const terms = b.vocab.length;
  const meta = Array.from({ length: n }, (_, a) =>
    metaTerms(a).flatMap(([term, w]) => {
      const id = termId.get(term);
      return id === undefined || w <= 0 ? [] : [[id, w] as const];
    }),
  );
  const range = (a: number): [number, number] => [
    b.tokenStart[b.articles[a]!.firstPassage]!,
    a + 1 < n ? b.tokenStart[b.articles[a + 1]!.firstPassage]! : b.tokens.length,
  ];
  const start = new Int32Array(terms + 1);
  const lastSeen = new Int32Array(terms).fill(-1);
  const length = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    const [from, to] = range(a);
    let len = to - from;
    for (let i = from; i < to; i++) {
      const id = b.tokens[i]!;
      if (lastSeen[id] !== a) {
        lastSeen[id] = a;
        start[id + 1]!++;
      }
    }
    for (const [id, w] of meta[a]!) {
      len += w;
      if (lastSeen[id] !== a) {
        lastSeen[id] = a;
        start[id + 1]!++;
      }
    }
    length[a] = len;
  }
  for (let t = 0; t < terms; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, terms);
  const slot = new Int32Array(terms);
  const article = new Int32Array(start[terms]!);
  const tf = new Float32Array(article.length);
  lastSeen.fill(-1);
  const add = (id: number, a: number, w: number) => {
    if (lastSeen[id] !== a) {
      lastSeen[id] = a;
      slot[id] = fill[id]!++;
      article[slot[id]!] = a;
    }
    tf[slot[id]!]! += w;
  };
  for (let a = 0; a < n; a++) {
    const [from, to] = range(a);
    for (let i = from; i < to; i++) add(b.tokens[i]!, a, 1);
    for (const [id, w] of meta[a]!) add(id, a, w);
  }
  return { start, article, tf, length };
}

/** Letters and digits only, lower case: "CBSSports.com" and "CBS Sports" meet as "cbssports". */
export const compact = (s: string): string => foldWord(s).replace(/[^\p{L}\p{N}]+/gu, '');

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The well-known outlets as one whole-word, case-sensitive pattern, longest names first so the
 * longest name wins where several start. One pattern, not one per outlet: each `\p{…}` pattern
 * costs a compile on first use, and a hundred of them made the first question 80 ms slower.
 */
export const OUTLET_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...KNOWN_OUTLETS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);

/** A word written as a name: an acronym, or capitalised somewhere other than the start of a sentence. */
export function looksLikeName(text: string, start: number, end: number): boolean {
  const word = text.slice(start, end);
  if (/^[A-Z0-9]{2,}$/.test(word) && /[A-Z]/.test(word)) return true;
  if (!/^\p{Lu}/u.test(word)) return false;
  const before = text.slice(0, start).trimEnd();
  return before.length > 0 && !/[.!?:"“]$/.test(before);
}

/** Names a question may use for each outlet: the full name, and the part before " - " ("The Independent"). */
export function outletNamesOf(sources: string[]): Array<{ name: string; source: string }> {
  const out: Array<{ name: string; source: string }> = [];
  const norm = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  for (const source of sources) {
    const full = norm(source);
    if (full) out.push({ name: full, source });
    const base = norm(source.split(' - ')[0] ?? '');
    if (base && base !== full && base.length > 3) out.push({ name: base, source });
  }
  // Longer names first, so "the independent life and style" is tried before "the independent".
  return out.sort((a, b) => b.name.length - a.name.length);
}
