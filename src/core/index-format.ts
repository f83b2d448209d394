/**
 * The index file format: an index's data (index-parts.ts) as bytes and back. A small preamble,
 * a JSON header and binary sections (see SECTIONS), so loading parses only the header and copies
 * the arrays; a load runs in steps a serving process can pause between (see slices.ts). Bytes in,
 * bytes out: reading and writing files is the caller's (src/indexFile.ts, src/engine.ts).
 */
import { buildAliasTable, type AliasTable, type Language } from './aliases.js';
import { lazyMini, madeSpelling, miniSerialized } from './index-spelling.js';
import type { ArticleMeta, IndexParts, Ints } from './index-parts.js';
import { memoryText, PassageList, passageColumns, type TextBytes } from './passage-store.js';
import { IntList } from './storage.js';

export type { TextBytes } from './passage-store.js';

/** Bumped whenever the persisted shape changes; a load reads the formats READ_FORMATS names. */
export const INDEX_FORMAT_VERSION = 14;

/**
 * The formats a load reads: 13 kept its vocabulary, headings, minisearch's metadata and `extra`
 * in the header, parsed in one step (26 ms at 10x); 14 keeps them in sections of their own.
 */
const READ_FORMATS: readonly number[] = [13, 14];

/** Whether a load reads an index file of this format version (see READ_FORMATS). */
export const readsIndexFormat = (version: number): boolean => READ_FORMATS.includes(version);

/**
 * Bumped whenever what an index holds changes (the way terms are made, what is indexed): the
 * corpus hash includes it, so every saved index is rebuilt. A change of layout alone
 * (INDEX_FORMAT_VERSION) is not: the old layout is still read.
 */
export const INDEX_TERMS_VERSION = 15;

/** The JSON part of the persisted index; the passages and integer arrays follow it as raw bytes. */
interface IndexHeader extends Partial<HeaderParts> {
  formatVersion: number;
  hash: string;
  /** The alias data the index was built with (validated, as JSON), so a load needs no alias file. */
  aliases: string;
  /** Where each section lies after the header: [byte offset, byte length]. */
  sections: Record<SectionName, [offset: number, bytes: number]>;
  /** Whether `tokens` and `tokenOffsets` are 16-bit (else 32-bit). */
  narrow: { tokens: boolean; tokenOffsets: boolean };
}

/**
 * What format 13 kept in the header and format 14 in JSON sections of its own (see PART_SECTIONS),
 * each parsed in a step of its own: together they were 700 KB of JSON at 10×.
 */
interface HeaderParts {
  /** Whatever the caller stores alongside the index (the engine keeps its warnings and file list). */
  extra: unknown;
  /** Distinct passage headings; `passageHeading` points into it. */
  headings: string[];
  vocab: string[];
  /** minisearch's own serialization without its term index, which is in the `miniIndex` section. */
  mini: Record<string, unknown>;
}

/** The section holding each of the header's parts (format 14). */
const PART_SECTIONS = { extra: 'extraJson', headings: 'headingsJson', vocab: 'vocabJson', mini: 'miniMeta' } as const;

/**
 * Binary sections: Int32 arrays (`tokens` and `tokenOffsets` 16-bit when `narrow` says so);
 * `text` (every passage's text, UTF-8, back to back); and `miniIndex`, minisearch's term index
 * as JSON arrays of [term, postings] entries, each chunk of about `JSON_CHUNK_BYTES` starting at
 * the byte offset in `miniChunks`; `articleJson`, the articles (ArticleMeta) as JSON arrays of
 * about as many bytes each, starting at the byte offsets in `articleChunks`. In chunks so a load
 * can stop between them (see decodeIndex): one JSON.parse of every article at 10× blocked 160 ms.
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
  ...Object.values(PART_SECTIONS),
] as const;

/** File signature of a persisted index: "NDIX". */
const MAGIC = 0x5844_494e;
/** Magic, format version, header length. */
const PREAMBLE_BYTES = 12;
/**
 * Bytes of JSON a chunk of the persisted minisearch index or article list holds at least (one
 * entry more at most), each parsed in one step of a load. Loading parses one chunk at a time, so
 * the parsed JSON dies young instead of outliving the whole load: a third less time in GC. By
 * bytes, not entries: 250 terms made chunks of 450 KB at 10× (a term's postings grow with the
 * archive), each a JSON.parse of up to 28 ms on the serving thread; the reader reads any sizes.
 */
const JSON_CHUNK_BYTES = 32_768;
/** Bytes copied between two chances to pause a load. */
const LOAD_BYTES_PER_STEP = 1 << 20;

/** A typed array type: made empty of a length, or over bytes already in memory. */
interface ArrayType<T> {
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  BYTES_PER_ELEMENT: number;
}

/** A typed array holding a copy of `bytes`, made a step at a time (see LOAD_BYTES_PER_STEP). */
function* copied<T extends Ints | Uint32Array | Float32Array | Uint8Array>(
  bytes: Uint8Array,
  Type: ArrayType<T>,
): Generator<void, T> {
  const out = new Type(bytes.length / Type.BYTES_PER_ELEMENT);
  const view = new Uint8Array(out.buffer);
  for (let at = 0; at < bytes.length; at += LOAD_BYTES_PER_STEP) {
    view.set(bytes.subarray(at, at + LOAD_BYTES_PER_STEP), at);
    yield;
  }
  return out;
}

/** A typed array over `bytes` as they are (aligned for it), in a step that does not pause. */
// eslint-disable-next-line require-yield
function* viewed<T>(bytes: Uint8Array, Type: ArrayType<T>): Generator<void, T> {
  return new Type(bytes.buffer, bytes.byteOffset, bytes.length / Type.BYTES_PER_ELEMENT);
}

/** A Buffer over the same memory as `bytes` (for its toString). */
const bufferOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A value as JSON, UTF-8. */
const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');

/** The bytes of a typed array, as they are in memory. */
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * A list as JSON arrays of about `bytes` each (see JSON_CHUNK_BYTES): the byte offsets of the
 * chunks (Int32) and the chunks, left apart (one joined buffer or string would double them, or
 * pass V8's string limit).
 */
function jsonChunks(entries: Iterable<unknown>, bytes: number): { bounds: Buffer; pieces: Buffer[] } {
  const pieces: Buffer[] = [];
  const bounds = new IntList();
  bounds.push(0);
  let at = 0;
  let chunk: string[] = [];
  let length = 0;
  const flush = () => {
    // What JSON.stringify makes of the array, its entries written one at a time.
    const part = Buffer.from(`[${chunk.join(',')}]`, 'utf8');
    pieces.push(part);
    bounds.push((at += part.length));
    chunk = [];
    length = 0;
  };
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    chunk.push(json);
    if ((length += json.length) >= bytes) flush();
  }
  if (chunk.length > 0) flush();
  return { bounds: bytesOf(bounds.to(Int32Array)), pieces };
}

/**
 * Where a loaded index reads its passage text: given the text section's place in the bytes
 * loaded (offset and length), a reader of it. Without one, the text is copied into memory; the
 * bot passes a reader of the index file (src/indexFile.ts), so the text stays on disk.
 */
export type TextSource = (offset: number, length: number) => TextBytes;

/**
 * The persisted form: a small preamble, a JSON header (vocabulary, headings, minisearch's own
 * metadata, `extra`) and the passages, articles and integer arrays in binary sections. Stamped
 * with the format version and the corpus hash.
 */
export function encodeIndex(parts: IndexParts, hash: string, aliases: AliasTable, extra: unknown): Buffer {
  const { store } = parts.passages;
  const columns = passageColumns(parts.passages);
  const bytes = columns.textStart[parts.passages.length]!;
  const mini = miniSerialized(madeSpelling(parts.mini));
  const miniJson = jsonChunks(mini.terms, JSON_CHUNK_BYTES);
  const articleJson = jsonChunks(parts.articles, JSON_CHUNK_BYTES);
  const data: Record<SectionName, Uint8Array[]> = {
    tokens: [bytesOf(parts.tokens)],
    tokenStart: [bytesOf(parts.tokenStart)],
    tokenOffsets: [bytesOf(parts.tokenOffsets)],
    passageDf: [bytesOf(parts.passageDf)],
    articleDf: [bytesOf(parts.articleDf)],
    passageArticle: [bytesOf(store.article)],
    passagePosition: [bytesOf(store.position)],
    passageHeading: [bytesOf(store.heading)],
    passageLead: [bytesOf(store.lead)],
    textStart: [bytesOf(columns.textStart)],
    sentenceStart: [bytesOf(columns.sentenceStart)],
    sentences: [bytesOf(columns.sentences)],
    // Written last, piece by piece (see below): the pieces may be made as they are written.
    text: [],
    miniChunks: [miniJson.bounds],
    miniIndex: miniJson.pieces,
    articleChunks: [articleJson.bounds],
    articleJson: articleJson.pieces,
    postStart: [bytesOf(parts.postings.start)],
    postArticle: [bytesOf(parts.postings.article)],
    postTf: [bytesOf(parts.postings.tf)],
    articleLength: [bytesOf(parts.postings.length)],
    extraJson: [jsonBytes(extra)],
    headingsJson: [jsonBytes(store.headings)],
    vocabJson: [jsonBytes(parts.vocab)],
    miniMeta: [jsonBytes(mini.meta)],
  };
  const length = (name: SectionName) => (name === 'text' ? bytes : data[name].reduce((sum, x) => sum + x.length, 0));
  const sections = {} as IndexHeader['sections'];
  let offset = 0;
  for (const name of SECTIONS) {
    const size = length(name);
    sections[name] = [offset, size];
    // Each section starts on a 4-byte boundary.
    offset += size + ((4 - (size % 4)) % 4);
  }
  const header: IndexHeader = {
    formatVersion: INDEX_FORMAT_VERSION,
    hash,
    aliases: aliases.fingerprint,
    sections,
    narrow: { tokens: parts.tokens instanceof Uint16Array, tokenOffsets: parts.tokenOffsets instanceof Uint16Array },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const body = PREAMBLE_BYTES + json.length + ((4 - (json.length % 4)) % 4);
  const out = Buffer.alloc(body + offset);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(INDEX_FORMAT_VERSION, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, PREAMBLE_BYTES);
  for (const name of SECTIONS) {
    let at = body + sections[name][0];
    for (const piece of data[name]) {
      out.set(piece, at);
      at += piece.length;
    }
  }
  let at = body + sections.text[0];
  for (const piece of columns.text) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** The bytes at the start of a file that tell how much of it `peekIndex` reads. */
export const PEEK_MIN = PREAMBLE_BYTES;

/** How many bytes of a file `peekIndex` needs, from its first `PEEK_MIN` bytes (0: not an index file). */
export function peekLength(start: Uint8Array): number {
  const buf = Buffer.from(start.buffer, start.byteOffset, start.byteLength);
  return buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC ? 0 : PREAMBLE_BYTES + buf.readUInt32LE(8);
}

/**
 * The format version and corpus hash of a persisted index, read without loading it; null when
 * the data is not an index, an error when it is cut short.
 */
export function peekIndex(data: Uint8Array): { formatVersion: number; hash: string } | null {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC) return null;
  const formatVersion = buf.readUInt32LE(4);
  if (PREAMBLE_BYTES + buf.readUInt32LE(8) > buf.length) throw new Error('index file is truncated');
  // The hash is the second key of the header: read only the start of it.
  const start = buf.toString('utf8', PREAMBLE_BYTES, Math.min(buf.length, PREAMBLE_BYTES + 200));
  const quoted = /"hash":("(?:[^"\\]|\\.)*")/.exec(start)?.[1];
  return { formatVersion, hash: quoted ? (JSON.parse(quoted) as string) : '' };
}

/** A loaded index's data, with what was saved beside it and the reader of its passage text. */
export interface DecodedIndex {
  parts: IndexParts;
  hash: string;
  aliases: AliasTable;
  extra: unknown;
  /** Told once the index over it is made (see TextBytes.own). */
  text: TextBytes;
}

/** A persisted index's header, parsed, and where its sections start in the bytes (see readIndexHead). */
export interface IndexHead {
  header: IndexHeader;
  /** Byte offset of the first section. */
  body: number;
}

/**
 * The header of a persisted index from its first bytes (at least `peekLength` of them); throws
 * when they are not an index, have another format version, or are cut short.
 */
export function readIndexHead(data: Uint8Array): IndexHead {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < PREAMBLE_BYTES || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a Newsdesk index file');
  const version = buf.readUInt32LE(4);
  if (!readsIndexFormat(version)) throw new Error(`index format ${version} is not ${READ_FORMATS.join(' or ')}`);
  const jsonLength = buf.readUInt32LE(8);
  if (PREAMBLE_BYTES + jsonLength > buf.length) throw new Error('index file is truncated');
  const header = JSON.parse(buf.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + jsonLength)) as IndexHeader;
  return { header, body: PREAMBLE_BYTES + jsonLength + ((4 - (jsonLength % 4)) % 4) };
}

/**
 * Where the sections a load reads lie in the bytes: all but the passage text, which stays where
 * it is when the load is given a TextSource. What a reader of the file reads (see decodeSections).
 */
export function sectionsToRead(
  head: IndexHead,
  withText: boolean,
): Array<{ name: SectionName; offset: number; bytes: number }> {
  // A format-13 file has no sections for the header's parts.
  return SECTIONS.filter((name) => name in head.header.sections && (withText || name !== 'text')).map((name) => {
    const [offset, bytes] = head.header.sections[name];
    return { name, offset: head.body + offset, bytes };
  });
}

export type SectionName = (typeof SECTIONS)[number];

/** What an index holds, told without loading it (see indexSummary). */
export interface IndexSummary {
  hash: string;
  articles: number;
  passages: number;
  /** What was saved beside the index (see encodeIndex). */
  extra: unknown;
}

/**
 * How many articles and passages an index holds (from its sections' sizes: one Float32 length per
 * article, one Int32 per passage) and what was saved beside it, read from its header and, in
 * format 14, its `extraJson` section (among `sections`, which the caller reads; see
 * sectionsToSummarize): all a process that keeps the index for others needs of it (the shard manager).
 */
export function indexSummary(head: IndexHead, sections: ReadonlyMap<SectionName, Uint8Array>): IndexSummary {
  const { header } = head;
  const extraBytes = sections.get(PART_SECTIONS.extra);
  const extra =
    PART_SECTIONS.extra in header.sections
      ? (JSON.parse(bufferOf(extraBytes ?? new Uint8Array(0)).toString('utf8')) as unknown)
      : header.extra;
  return {
    hash: header.hash,
    articles: header.sections.articleLength[1] / Float32Array.BYTES_PER_ELEMENT,
    passages: header.sections.passageArticle[1] / Int32Array.BYTES_PER_ELEMENT,
    extra,
  };
}

/** The sections indexSummary reads (none in format 13, whose header holds `extra`). */
export const sectionsToSummarize = (head: IndexHead) =>
  sectionsToRead(head, false).filter(({ name }) => name === PART_SECTIONS.extra);

/**
 * Reads a persisted index in steps of a few milliseconds, yielding where a caller may pause;
 * throws when the bytes are not an index, have another format version, or are cut short. The
 * index answers with the aliases it was built with (and the `language` data) unless `aliases` are given.
 */
export function* decodeIndex(
  buf: Buffer,
  aliasesGiven?: AliasTable,
  source?: TextSource,
  language?: Language,
): Generator<void, DecodedIndex> {
  const head = readIndexHead(buf);
  for (const { offset, bytes } of sectionsToRead(head, true))
    if (offset + bytes > buf.length) throw new Error('index file is truncated');
  const section = (name: SectionName): Buffer => {
    const [offset, bytes] = head.header.sections[name];
    return buf.subarray(head.body + offset, head.body + offset + bytes);
  };
  return yield* decodeSections(head, section, false, aliasesGiven, source, language);
}

/**
 * decodeIndex over sections given one by one (`section`, each holding exactly its bytes).
 * `owned`: each is a buffer of its own, read for this load (src/indexFile.ts), which the arrays
 * then use as they are; else they are copied, so that the bytes they came from can be freed.
 */
export function* decodeSections(
  head: IndexHead,
  section: (name: SectionName) => Uint8Array,
  owned: boolean,
  aliasesGiven?: AliasTable,
  source?: TextSource,
  language?: Language,
): Generator<void, DecodedIndex> {
  const { header, body } = head;
  // Copies: the arrays then own aligned memory and the file buffer can be freed. Copied a
  // megabyte per step: the first write to fresh memory is slow on some machines (5 ms per MB measured).
  // A section read into its own buffer is used as it is: no copy, and no second megabyte of fresh memory per megabyte.
  const copy = <T extends Ints | Uint32Array | Float32Array | Uint8Array>(
    name: SectionName,
    Type: ArrayType<T>,
  ): Generator<void, T> => {
    const bytes = section(name);
    return owned && bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0 ? viewed(bytes, Type) : copied(bytes, Type);
  };
  const array = (name: SectionName) => copy(name, Int32Array);
  const floats = (name: SectionName) => copy(name, Float32Array);
  const ints = (name: 'tokens' | 'tokenOffsets'): Generator<void, Ints> =>
    header.narrow[name] ? copy(name, Uint16Array) : array(name);
  // A part of the header from its section, parsed in a step of its own (or as a format-13 header held it).
  function* part<K extends keyof HeaderParts>(key: K): Generator<void, HeaderParts[K]> {
    if (!(PART_SECTIONS[key] in header.sections)) return header[key] as HeaderParts[K];
    const value = JSON.parse(bufferOf(section(PART_SECTIONS[key])).toString('utf8')) as HeaderParts[K];
    yield;
    return value;
  }
  yield;
  const extra = yield* part('extra');
  const headings = yield* part('headings');
  const vocab = yield* part('vocab');
  const miniMeta = yield* part('mini');
  const articles: ArticleMeta[] = [];
  const articleChunks = yield* array('articleChunks');
  const articleJson = bufferOf(section('articleJson'));
  for (let i = 0; i + 1 < articleChunks.length; i++) {
    for (const a of JSON.parse(articleJson.toString('utf8', articleChunks[i]!, articleChunks[i + 1]!)) as ArticleMeta[])
      articles.push(a);
    yield;
  }
  const article = yield* array('passageArticle');
  const position = yield* array('passagePosition');
  const heading = yield* array('passageHeading');
  const lead = yield* array('passageLead');
  const textStart = yield* copy('textStart', Uint32Array);
  const sentenceStart = yield* array('sentenceStart');
  const sentences = yield* array('sentences');
  // The passage text stays UTF-8 (half the memory of a JS string holding any non-Latin-1
  // character), in the file or in one copied buffer, and each passage decodes its own bytes.
  // The passages stay in these columns: none is made into an object until it is read.
  const [textAt, textBytes] = header.sections.text;
  const passages = new PassageList({
    text: source ? source(body + textAt, textBytes) : memoryText(bufferOf(yield* copy('text', Uint8Array))),
    textStart,
    sentenceStart,
    sentences,
    article,
    position,
    heading,
    lead,
    headings,
  });
  const aliases = aliasesGiven ?? buildAliasTable(JSON.parse(header.aliases), language);
  // A copy of its bytes, so the file's are not kept alive for it (2.9 MB of 17 at 1× on MultiHop-RAG),
  // made a step at a time: in one go it held the event loop for hundreds of ms at 10×.
  const miniChunks = yield* array('miniChunks');
  const miniBytes = yield* copy('miniIndex', Uint8Array);
  const mini = lazyMini(miniMeta, miniChunks, bufferOf(miniBytes), aliases);
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
  const parts: IndexParts = {
    articles,
    passages,
    tokens,
    tokenStart,
    tokenOffsets,
    vocab,
    passageDf,
    articleDf,
    mini,
    postings,
  };
  return { parts, hash: header.hash, aliases, extra, text: passages.store.text };
}
