import { closeSync, fstat, fstatSync, open, openSync, read, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { NewsIndex, type LoadOptions, type TextBytes, type TextSource } from './core/search.js';

/**
 * A saved index read from its file: the file plumbing that src/core leaves to its callers. The
 * index itself loads from bytes (NewsIndex.fromBuffer); here the passage text stays in the file
 * and is read when an answer quotes it, which keeps a serving process's memory down.
 */

// By descriptor, not FileHandle: FileText keeps the number, and a FileHandle closes it when collected.
const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const readAsync = promisify(read);

/** Bytes asked of one read: readFile refuses a file over 2 GiB, which an index at 100× nears. */
const READ_PIECE_BYTES = 1 << 28;

/**
 * The reads that fill one buffer with a file of `size` bytes, as [buffer, offset, length,
 * position] arguments for fs.read; each takes back how many bytes it gave. One loop for the
 * synchronous and the asynchronous reader below.
 */
type PieceRead = [buffer: Buffer, offset: number, length: number, position: number];
function* wholeReads(size: number): Generator<PieceRead, Buffer, number> {
  const out = Buffer.allocUnsafe(size);
  for (let at = 0; at < out.length;) {
    const n = yield [out, at, Math.min(READ_PIECE_BYTES, out.length - at), at];
    if (n === 0) return out.subarray(0, at);
    at += n;
  }
  return out;
}

/** The whole file behind a descriptor, read in pieces into one buffer. */
function readWhole(fd: number): Buffer {
  const reads = wholeReads(fstatSync(fd).size);
  let step = reads.next();
  while (!step.done) step = reads.next(readSync(fd, ...step.value));
  return step.value;
}

/** readWhole off the thread. */
async function readWholeAsync(fd: number): Promise<Buffer> {
  const reads = wholeReads((await fstatAsync(fd)).size);
  let step = reads.next();
  while (!step.done) step = reads.next((await readAsync(fd, ...step.value)).bytesRead);
  return step.value;
}

/** Bytes of passage text read from the index file at a time (see FileText). */
const TEXT_BLOCK_BYTES = 16_384;

/** Closes the descriptor of an index file once nothing can read from it any more. */
const fileCloser = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed by the process ending */
  }
});

/**
 * Passage text left in the index file and read when an answer quotes it (on the benchmark,
 * about 13 reads of 16 KB per question) instead of the whole text held in memory. Once the index
 * has loaded, the descriptor belongs to this object (see own) and is closed when it is garbage,
 * so an old index that a late reader still holds keeps working after a reindex replaced it. The
 * file is only ever replaced by a rename (see saveIndex), so the descriptor goes on reading the
 * file it opened.
 */
class FileText implements TextBytes {
  /** The last block read: `filled` bytes from `blockAt`; the buffer is reused by the next read. */
  private block = Buffer.allocUnsafe(TEXT_BLOCK_BYTES);
  private blockAt = 0;
  private filled = 0;

  constructor(
    private readonly fd: number,
    /** Where the text section starts in the file, and its length. */
    private readonly base: number,
    private readonly length: number,
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
    if (from < this.blockAt || to > this.blockAt + this.filled) this.fill(from, to);
    return this.block.toString('utf8', from - this.blockAt, to - this.blockAt);
  }

  /**
   * Reads a block holding [from, to) and the text around it: an excerpt reads its passage, the
   * passages either side and the article's other good passages, which one read then serves.
   */
  private fill(from: number, to: number): void {
    const start = Math.max(0, from - TEXT_BLOCK_BYTES / 4);
    const end = Math.min(this.length, Math.max(to, start + TEXT_BLOCK_BYTES));
    if (end - start > this.block.length) this.block = Buffer.allocUnsafe(end - start);
    this.filled = 0;
    for (let got = 0; got < end - start;) {
      const n = readSync(this.fd, this.block, got, end - start - got, this.base + start + got);
      if (n === 0) throw new Error('index file is truncated: it changed after it was loaded');
      got += n;
    }
    this.blockAt = start;
    this.filled = end - start;
  }
}

const fileText =
  (fd: number): TextSource =>
  (offset, length) =>
    new FileText(fd, offset, length);

type Loaded = { index: NewsIndex; extra: unknown };

/**
 * Loads a saved index from its file, leaving the passage text in the file: the way a bot starts.
 * `accept` may look at the file's bytes first (see NewsIndex.peek) and turn it down by returning
 * false; the result is then null. Throws as NewsIndex.fromBuffer does.
 */
export function loadIndexFile(
  path: string,
  options: LoadOptions = {},
  accept?: (data: Buffer) => boolean,
): Loaded | null {
  const fd = openSync(path, 'r');
  let loaded: Loaded | null = null;
  try {
    const data = readWhole(fd);
    if (accept && !accept(data)) return null;
    loaded = NewsIndex.fromBuffer(data, options, fileText(fd));
    return loaded;
  } finally {
    if (!loaded) closeSync(fd);
  }
}

/**
 * loadIndexFile with the file read off the thread and the index built in slices of a few
 * milliseconds (NewsIndex.fromBufferAsync): how a serving process takes up a rebuilt index while
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
    const data = await readWholeAsync(fd);
    if (accept && !accept(data)) return null;
    loaded = await NewsIndex.fromBufferAsync(data, options, fileText(fd));
    return loaded;
  } finally {
    if (!loaded) closeSync(fd);
  }
}
