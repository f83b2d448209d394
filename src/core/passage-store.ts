/**
 * Passages kept in columns rather than one object each: the text as UTF-8 bytes (in memory, or
 * left in the index file), sentence offsets, article, position, heading and lead in typed arrays.
 * Both a built and a loaded index hold their passages so (a PassageList); a passage object is
 * made only when one is read, and only the passages a question reaches are. A save writes these
 * columns as they are (see encodeIndex).
 */
import type { Passage } from './passages.js';
import { ByteList, IntList } from './storage.js';

/** Passage text as UTF-8 bytes, by byte range. */
export interface TextBytes {
  read(from: number, to: number): string;
  /** Called once the index that reads through it has loaded (a file reader then owns its descriptor). */
  own?(): void;
  /** All the bytes in order, as consecutive pieces without a copy: text in memory has them, a file reader not. */
  pieces?(): Iterable<Uint8Array>;
}

/** The passages' columns, shared by every passage: passage p is row p of each. */
export interface PassageStore {
  text: TextBytes;
  /** Byte offset of passage p's text; `textStart[p + 1]` ends it (Uint32: up to 4 GiB of text). */
  textStart: Uint32Array;
  sentenceStart: Int32Array;
  sentences: Int32Array;
  /** The article holding passage p (Passage.article). */
  article: Int32Array;
  /** Passage p's place in its article (Passage.position). */
  position: Int32Array;
  /** Passage p's heading, as an index into `headings`; -1 for none. */
  heading: Int32Array;
  /** 1 where passage p is a lead (Passage.lead), else 0. */
  lead: Int32Array;
  /** The distinct headings, in the order first met. */
  headings: readonly string[];
}

/** Text held in one buffer. */
export const memoryText = (bytes: Buffer): TextBytes => ({
  read: (from, to) => bytes.toString('utf8', from, to),
  pieces: () => [bytes],
});

const NONE = new Int32Array(0);

/**
 * A PassageStore filled a passage at a time, as a build makes passages: `store` can be handed to
 * a PassageList at once, and holds its arrays once `finish` has put them in.
 */
export class PassageStoreBuilder {
  private readonly text = new ByteList();
  private readonly textStart = new IntList();
  private readonly sentenceStart = new IntList();
  private readonly sentences = new IntList();
  private readonly article = new IntList();
  private readonly position = new IntList();
  /** Heading ids plus one (0: none), as IntList holds no negative numbers. */
  private readonly heading = new IntList();
  private readonly lead = new IntList();
  private readonly headings: string[] = [];
  private readonly headingId = new Map<string, number>();
  readonly store: PassageStore = {
    text: this.text,
    textStart: new Uint32Array(0),
    sentenceStart: NONE,
    sentences: NONE,
    article: NONE,
    position: NONE,
    heading: NONE,
    lead: NONE,
    headings: this.headings,
  };

  /** Appends a passage; it is number `count` before the call. */
  add(p: Passage): void {
    this.textStart.push(this.text.length);
    this.text.append(p.text);
    this.sentenceStart.push(this.sentences.length);
    for (const x of p.sentences) this.sentences.push(x);
    this.article.push(p.article);
    this.position.push(p.position);
    let id = -1;
    if (p.heading !== undefined) {
      id = this.headingId.get(p.heading) ?? -1;
      if (id < 0) this.headingId.set(p.heading, (id = this.headings.push(p.heading) - 1));
    }
    this.heading.push(id + 1);
    this.lead.push(p.lead ? 1 : 0);
  }

  /** How many passages were added. */
  get count(): number {
    return this.article.length;
  }

  /** Puts the arrays into `store`; nothing may be added after. */
  finish(): PassageStore {
    this.textStart.push(this.text.length);
    this.sentenceStart.push(this.sentences.length);
    this.store.textStart = this.textStart.to(Uint32Array, true);
    this.store.sentenceStart = this.sentenceStart.to(Int32Array, true);
    this.store.sentences = this.sentences.to(Int32Array, true);
    this.store.article = this.article.to(Int32Array, true);
    this.store.position = this.position.to(Int32Array, true);
    const heading = this.heading.to(Int32Array, true);
    for (let i = 0; i < heading.length; i++) heading[i]!--;
    this.store.heading = heading;
    this.store.lead = this.lead.to(Int32Array, true);
    this.headingId.clear();
    return this.store;
  }
}

/**
 * An index's passages, number p made into a Passage when it is read (see StoredPassage): one
 * object per passage made at a load was 210,740 objects at 10×, every one surviving the
 * scavenges in the middle of a reload.
 */
export class PassageList implements Iterable<Passage> {
  constructor(readonly store: PassageStore) {}

  get length(): number {
    return this.store.article.length;
  }

  /** Passage number p (0 <= p < length). */
  get(p: number): Passage {
    if (!(p >= 0 && p < this.store.article.length)) throw new RangeError(`no passage ${p}`);
    return new StoredPassage(this.store, p);
  }

  *[Symbol.iterator](): Generator<Passage> {
    for (let p = 0; p < this.length; p++) yield new StoredPassage(this.store, p);
  }
}

/** What a save writes of the passages: their text as UTF-8 pieces in order, and the offset columns. */
export interface PassageColumns {
  text: Iterable<Uint8Array>;
  textStart: Uint32Array;
  sentenceStart: Int32Array;
  sentences: Int32Array;
}

/**
 * The passages' text and sentence columns for a save: the store's as they are when it holds the
 * text in memory (a build's, or a load's copied into memory); else (text left in the index file)
 * measured from the passages, each one's text read only as its piece is written, so the text
 * is never held twice.
 */
export function passageColumns(passages: PassageList): PassageColumns {
  const { store } = passages;
  const n = passages.length;
  if (store.text.pieces) return { ...store, text: store.text.pieces() };
  const textStart = new Uint32Array(n + 1);
  let bytes = 0;
  for (let p = 0; p < n; p++) {
    textStart[p] = bytes;
    bytes += Buffer.byteLength(passages.get(p).text, 'utf8');
  }
  if (bytes > 0xffff_ffff) throw new Error('index text over 4 GiB');
  textStart[n] = bytes;
  function* text() {
    for (const p of passages) yield Buffer.from(p.text, 'utf8');
  }
  return { text: text(), textStart, sentenceStart: store.sentenceStart, sentences: store.sentences };
}

/**
 * A passage over a PassageStore, made when it is read: its fields read from the columns, its
 * text decoded and its sentence offsets copied on demand.
 */
export class StoredPassage implements Passage {
  constructor(
    private readonly store: PassageStore,
    private readonly i: number,
  ) {}

  get article(): number {
    return this.store.article[this.i]!;
  }

  get position(): number {
    return this.store.position[this.i]!;
  }

  get heading(): string | undefined {
    const h = this.store.heading[this.i]!;
    return h >= 0 ? this.store.headings[h] : undefined;
  }

  get lead(): true | undefined {
    return this.store.lead[this.i] ? true : undefined;
  }

  get text(): string {
    const { text, textStart } = this.store;
    return text.read(textStart[this.i]!, textStart[this.i + 1]!);
  }

  get sentences(): number[] {
    const { sentences, sentenceStart } = this.store;
    const from = sentenceStart[this.i]!;
    // Copied by index: Array.from over a subarray made a view and an iterator result per offset,
    // garbage on every excerpt.
    const out = new Array<number>(sentenceStart[this.i + 1]! - from);
    for (let k = 0; k < out.length; k++) out[k] = sentences[from + k]!;
    return out;
  }
}
