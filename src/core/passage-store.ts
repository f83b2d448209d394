/**
 * Passages kept in flat arrays rather than one object with its own strings each: the text as
 * UTF-8 bytes (in memory, or left in the index file), sentence offsets in one Int32Array. Both a
 * built and a loaded index hold their passages so; only the passages a question reaches are read.
 * A save writes these columns as they are (see encodeIndex).
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

/** The passages' text and sentence offsets, in flat arrays shared by every passage. */
export interface PassageStore {
  text: TextBytes;
  /** Byte offset of passage p's text; `textStart[p + 1]` ends it (Uint32: up to 4 GiB of text). */
  textStart: Uint32Array;
  sentenceStart: Int32Array;
  sentences: Int32Array;
}

/** Text held in one buffer. */
export const memoryText = (bytes: Buffer): TextBytes => ({
  read: (from, to) => bytes.toString('utf8', from, to),
  pieces: () => [bytes],
});

const NONE = new Int32Array(0);

/**
 * A PassageStore filled a passage at a time, as a build makes passages: `store` can be handed to
 * passages at once, and holds its arrays once `finish` has put them in.
 */
export class PassageStoreBuilder {
  private readonly text = new ByteList();
  private readonly textStart = new IntList();
  private readonly sentenceStart = new IntList();
  private readonly sentences = new IntList();
  readonly store: PassageStore = {
    text: this.text,
    textStart: new Uint32Array(0),
    sentenceStart: NONE,
    sentences: NONE,
  };

  /** Appends a passage's text and sentence offsets; it is number `count` before the call. */
  add(p: Pick<Passage, 'text' | 'sentences'>): void {
    this.textStart.push(this.text.length);
    this.text.append(p.text);
    this.sentenceStart.push(this.sentences.length);
    for (const x of p.sentences) this.sentences.push(x);
  }

  /** Puts the arrays into `store`; nothing may be added after. */
  finish(): PassageStore {
    this.textStart.push(this.text.length);
    this.sentenceStart.push(this.sentences.length);
    this.store.textStart = this.textStart.to(Uint32Array, true);
    this.store.sentenceStart = this.sentenceStart.to(Int32Array, true);
    this.store.sentences = this.sentences.to(Int32Array, true);
    return this.store;
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
 * The passages' columns for a save: the store's as they are when it holds every passage in order
 * with its text in memory (a build's, or a load's copied into memory); else (a merged index's,
 * see delta.ts, or text left in the index file) measured from the passages, each one's text
 * encoded only as its piece is written, so the text is never held twice.
 */
export function passageColumns(passages: readonly Passage[], store?: PassageStore): PassageColumns {
  const n = passages.length;
  if (store?.text.pieces && store.textStart.length === n + 1) return { ...store, text: store.text.pieces() };
  const textStart = new Uint32Array(n + 1);
  const sentenceStart = new Int32Array(n + 1);
  const sentences = new IntList();
  let bytes = 0;
  passages.forEach((p, i) => {
    textStart[i] = bytes;
    bytes += Buffer.byteLength(p.text, 'utf8');
    sentenceStart[i] = sentences.length;
    for (const x of p.sentences) sentences.push(x);
  });
  if (bytes > 0xffff_ffff) throw new Error('index text over 4 GiB');
  textStart[n] = bytes;
  sentenceStart[n] = sentences.length;
  function* text() {
    for (const p of passages) yield Buffer.from(p.text, 'utf8');
  }
  return { text: text(), textStart, sentenceStart, sentences: sentences.to(Int32Array, true) };
}

/**
 * A passage over a PassageStore: its text decoded and its sentence offsets copied on demand
 * instead of held for every passage.
 */
export class StoredPassage implements Passage {
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
