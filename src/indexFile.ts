import { closeSync, open, openSync, read, readSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  indexSummary,
  NewsIndex,
  readIndexHead,
  sectionsToRead,
  sectionsToSummarize,
  type IndexHead,
  type IndexSummary,
  type LoadOptions,
  type SectionName,
  type TextBytes,
  type TextSource,
} from './core/search.js';

/**
 * A saved index read from its file: the file plumbing that src/core leaves to its callers. The
 * index itself loads from its sections (NewsIndex.fromSections); here the passage text stays in the file
 * and is read when an answer quotes it, which keeps a serving process's memory down.
 */

// By descriptor, not FileHandle: FileText keeps the number, and a FileHandle closes it when collected.
const openAsync = promisify(open);
const readAsync = promisify(read);

/** Bytes asked of one read: readFile refuses a file over 2 GiB, which an index at 100× nears. */
const READ_PIECE_BYTES = 1 << 28;

/**
 * The reads a load makes of an index file, as [buffer, offset, length, position] arguments for
 * fs.read; each takes back how many bytes it gave. One loop for the synchronous and the
 * asynchronous loader below.
 */
type PieceRead = [buffer: Uint8Array, offset: number, length: number, position: number];

/** Reads that fill `into` from `position` on; the bytes got (fewer at the end of the file). */
function* piecesInto(into: Uint8Array, position: number): Generator<PieceRead, number, number> {
  for (let at = 0; at < into.length;) {
    const n = yield [into, at, Math.min(READ_PIECE_BYTES, into.length - at), position + at];
    if (n === 0) return at;
    at += n;
  }
  return into.length;
}

/**
 * The reads of an index file: its preamble and header, which `accept` may turn down (null), then
 * each section but the passage text (left in the file: see FileText) into a buffer of its own,
 * which the loaded index keeps as its array. Not the whole file into one buffer and the arrays
 * copied out of it: at 10× that was 164 MB of fresh memory on top of the arrays' 100, and a
 * megabyte copied per step on the serving thread (6.5 ms each, 90 of them).
 */
function* indexReads(
  accept?: (data: Buffer) => boolean,
  which: (head: IndexHead) => Array<{ name: SectionName; offset: number; bytes: number }> = (head) =>
    sectionsToRead(head, false),
): Generator<PieceRead, { head: IndexHead; sections: Map<SectionName, Uint8Array> } | null, number> {
  let start = Buffer.alloc(NewsIndex.PEEK_MIN);
  start = start.subarray(0, yield* piecesInto(start, 0));
  // The whole header, when the preamble says it is one (else readIndexHead says what is wrong).
  const length = NewsIndex.peekLength(start);
  const whole = Buffer.alloc(Math.max(length, start.length));
  whole.set(start);
  const headBytes = whole.subarray(0, start.length + (yield* piecesInto(whole.subarray(start.length), start.length)));
  if (accept && !accept(headBytes)) return null;
  const head = readIndexHead(headBytes);
  const sections = new Map<SectionName, Uint8Array>();
  for (const { name, offset, bytes } of which(head)) {
    // An ArrayBuffer of its own: aligned for any array (see decodeSections).
    const into = new Uint8Array(bytes);
    if ((yield* piecesInto(into, offset)) < bytes) throw new Error('index file is truncated');
    sections.set(name, into);
  }
  return { head, sections };
}

/** Runs `indexReads` with synchronous reads. */
function readIndex(fd: number, accept?: (data: Buffer) => boolean) {
  const reads = indexReads(accept);
  let step = reads.next();
  while (!step.done) step = reads.next(readSync(fd, ...step.value));
  return step.value;
}

/** readIndex off the thread (`which`: the sections read; all but the passage text unless given). */
async function readIndexAsync(
  fd: number,
  accept?: (data: Buffer) => boolean,
  which?: Parameters<typeof indexReads>[1],
) {
  const reads = indexReads(accept, which);
  let step = reads.next();
  while (!step.done) step = reads.next((await readAsync(fd, ...step.value)).bytesRead);
  return step.value;
}

/** A section read by indexReads. */
const sectionOf = (sections: Map<SectionName, Uint8Array>) => (name: SectionName) => {
  const bytes = sections.get(name);
  if (!bytes) throw new Error(`index section ${name} was not read`);
  return bytes;
};

/** Bytes of passage text read from the index file at a time: blocks aligned to their size (see FileText). */
export const TEXT_BLOCK_BYTES = 16_384;

/**
 * Blocks of passage text a loaded index keeps (8 MiB), the least recently read given up first.
 * At 1× the benchmark's whole text (6.3 MB) stays once read: an answer read 13-20 blocks of it
 * from the file, 0.15 ms of its 1.9 ms. A larger archive keeps the blocks its questions read most.
 */
export const TEXT_BLOCKS_KEPT = 512;

/** Closes the descriptor of an index file once nothing can read from it any more. */
const fileCloser = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed by the process ending */
  }
});

/**
 * Passage text left in the index file and read a block at a time when an answer quotes it,
 * instead of the whole text held in memory; the blocks read last are kept (up to `blocksKept`).
 * Once the index has loaded, the descriptor belongs to this object (see own) and is closed when
 * it is garbage, so an old index that a late reader still holds keeps working after a reindex
 * replaced it. The file is only ever replaced by a rename (see saveIndex), so the descriptor goes
 * on reading the file it opened.
 */
export class FileText implements TextBytes {
  /** The kept blocks, `blockBytes` each, in one buffer: its pages are taken as blocks fill them. */
  private slots: Buffer | null = null;
  /** The slot holding each kept block. */
  private readonly slotOf = new Map<number, number>();
  /** The block in each slot, and when it was last read (a count of reads). */
  private slotBlock: number[] = [];
  private lastRead: number[] = [];
  private reads = 0;
  /** A read over two blocks or more is put together here. */
  private joined = Buffer.alloc(0);

  constructor(
    private readonly fd: number,
    /** Where the text section starts in the file, and its length. */
    private readonly base: number,
    private readonly length: number,
    private readonly blockBytes = TEXT_BLOCK_BYTES,
    private readonly blocksKept = TEXT_BLOCKS_KEPT,
  ) {}

  /**
   * Takes the descriptor over: from now on it is closed when this object is garbage. Called once
   * the index has loaded; until then the loader closes it if the load fails (closing it twice
   * could close whatever file was opened in between under the same number).
   */
  own(): void {
    fileCloser.register(this, this.fd);
  }

  read(from: number, to: number): string {
    const size = this.blockBytes;
    const block = Math.floor(from / size);
    if (to <= (block + 1) * size) {
      const at = this.slot(block) * size - block * size;
      return this.slots!.toString('utf8', at + from, at + to);
    }
    // Across blocks: each block's part copied out as soon as it is read, so none is given up meanwhile.
    if (this.joined.length < to - from) this.joined = Buffer.allocUnsafe(to - from);
    for (let at = from; at < to;) {
      const b = Math.floor(at / size);
      const end = Math.min(to, (b + 1) * size);
      const slotAt = this.slot(b) * size - b * size;
      this.slots!.copy(this.joined, at - from, slotAt + at, slotAt + end);
      at = end;
    }
    return this.joined.toString('utf8', 0, to - from);
  }

  /** The slot holding `block`, read from the file into the least recently read slot if not kept. */
  private slot(block: number): number {
    let slot = this.slotOf.get(block);
    if (slot === undefined) {
      const size = this.blockBytes;
      this.slots ??= Buffer.allocUnsafe(Math.min(this.blocksKept, Math.ceil(this.length / size)) * size);
      if (this.slotBlock.length < this.slots.length / size) slot = this.slotBlock.length;
      else {
        slot = 0;
        for (let s = 1; s < this.lastRead.length; s++) if (this.lastRead[s]! < this.lastRead[slot]!) slot = s;
        this.slotOf.delete(this.slotBlock[slot]!);
      }
      const start = block * size;
      const bytes = Math.min(size, this.length - start);
      for (let got = 0; got < bytes;) {
        const n = readSync(this.fd, this.slots, slot * size + got, bytes - got, this.base + start + got);
        if (n === 0) throw new Error('index file is truncated: it changed after it was loaded');
        got += n;
      }
      this.slotBlock[slot] = block;
      this.slotOf.set(block, slot);
    }
    this.lastRead[slot] = ++this.reads;
    return slot;
  }
}

const fileText =
  (fd: number): TextSource =>
  (offset, length) =>
    new FileText(fd, offset, length);

type Loaded = { index: NewsIndex; extra: unknown };

/**
 * Loads a saved index from its file, leaving the passage text in the file: the way a bot starts.
 * `accept` may look at the file's first bytes (its preamble and header: see NewsIndex.peek) and
 * turn it down by returning false; the result is then null. Throws as NewsIndex.fromBuffer does.
 */
export function loadIndexFile(
  path: string,
  options: LoadOptions = {},
  accept?: (data: Buffer) => boolean,
): Loaded | null {
  const fd = openSync(path, 'r');
  let loaded: Loaded | null = null;
  try {
    const read = readIndex(fd, accept);
    if (!read) return null;
    loaded = NewsIndex.fromSections(read.head, sectionOf(read.sections), options, fileText(fd));
    return loaded;
  } finally {
    if (!loaded) closeSync(fd);
  }
}

/**
 * loadIndexFile with the file read off the thread and the index built in slices of a few
 * milliseconds (NewsIndex.fromSectionsAsync): how a serving process takes up a rebuilt index while
 * it goes on answering from the old one.
 */
export async function loadIndexFileAsync(
  path: string,
  options: LoadOptions = {},
  accept?: (data: Buffer) => boolean,
): Promise<Loaded | null> {
  const fd = await openAsync(path, 'r');
  let loaded: Loaded | null = null;
  try {
    const read = await readIndexAsync(fd, accept);
    if (!read) return null;
    loaded = await NewsIndex.fromSectionsAsync(read.head, sectionOf(read.sections), options, fileText(fd));
    return loaded;
  } finally {
    if (!loaded) closeSync(fd);
  }
}

/**
 * What a saved index holds (its counts and what was saved beside it: see indexSummary), read off
 * the thread from its header and one small section, the index not loaded; null when `accept`
 * turns the file down. For a process that keeps the index for others and holds none: the shard
 * manager loaded every index it had just built (a load of the whole file on its serving thread,
 * then as much again in garbage) only to count what it held, while its shards took it up.
 */
export async function readIndexSummary(path: string, accept?: (data: Buffer) => boolean): Promise<IndexSummary | null> {
  const fd = await openAsync(path, 'r');
  try {
    const read = await readIndexAsync(fd, accept, sectionsToSummarize);
    return read && indexSummary(read.head, read.sections);
  } finally {
    closeSync(fd);
  }
}
