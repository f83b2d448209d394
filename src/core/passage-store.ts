/**
 * Passages kept in flat arrays rather than one object with its own strings each: the text as
 * UTF-8 bytes (in memory, or left in the index file), sentence offsets in one Int32Array. Both a
 * built and a loaded index hold their passages so; only the passages a question reaches are read.
 */
import type { Passage } from './passages.js';

/** Passage text as UTF-8 bytes, by byte range. */
export interface TextBytes {
  read(from: number, to: number): string;
  /** Called once the index that reads through it has loaded (a file reader then owns its descriptor). */
  own?(): void;
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
export const memoryText = (bytes: Buffer): TextBytes => ({ read: (from, to) => bytes.toString('utf8', from, to) });

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
