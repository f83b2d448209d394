/**
 * Growable storage for what an index holds per token and per passage. A plain array stops growing
 * near 2^27 elements (V8 refused one at 100× MultiHop-RAG: ~60M tokens, two offsets each) and
 * holds each number in 8 bytes on the JS heap; a joined string stops at 512 MiB. These grow in
 * fixed-size typed chunks instead (no copy per growth, no ceiling but memory), and are made into
 * one contiguous typed array, or written out piece by piece, once the count is known.
 */
import type { Ints } from './index-parts.js';

/** Integers per chunk of an IntList: 1 MiB. */
const INT_CHUNK = 1 << 18;
/** Bytes per chunk of a ByteList. */
const BYTE_CHUNK = 1 << 24;
/**
 * What a first chunk starts at, doubling up to the chunk size: a delta's index of one article
 * (see delta.ts) would otherwise allocate 20 MB for a few KB, tens of ms on the serving thread.
 */
const FIRST_INTS = 1 << 10;
const FIRST_BYTES = 1 << 16;

/** Non-negative integers below 2^32 appended one at a time, in Uint32 chunks (see the module comment). */
export class IntList {
  private readonly chunks: Uint32Array[] = [];
  private last: Uint32Array;
  private at = 0;
  /** The largest value pushed (0 when none). */
  max = 0;

  constructor(private readonly chunkSize = INT_CHUNK) {
    this.last = new Uint32Array(Math.min(chunkSize, FIRST_INTS));
    this.chunks.push(this.last);
  }

  get length(): number {
    return (this.chunks.length - 1) * this.chunkSize + this.at;
  }

  push(x: number): void {
    if (this.at === this.last.length) {
      if (this.at < this.chunkSize) {
        // The first chunk, still small: twice the room, the values so far copied.
        const next = new Uint32Array(Math.min(this.chunkSize, 2 * this.at));
        next.set(this.last);
        this.chunks[0] = this.last = next;
      } else {
        this.last = new Uint32Array(this.chunkSize);
        this.chunks.push(this.last);
        this.at = 0;
      }
    }
    this.last[this.at++] = x;
    if (x > this.max) this.max = x;
  }

  /** Value number i (i < length). */
  get(i: number): number {
    return this.chunks[Math.floor(i / this.chunkSize)]![i % this.chunkSize]!;
  }

  /** Sets value number i (i < length) to x, as push does. */
  set(i: number, x: number): void {
    this.chunks[Math.floor(i / this.chunkSize)]![i % this.chunkSize] = x;
    if (x > this.max) this.max = x;
  }

  /** The values in one array of the given type; each chunk is dropped once copied when `release` is set. */
  to<T extends Ints | Int32Array | Uint32Array>(Type: { new (length: number): T }, release = false): T {
    const out = new Type(this.length);
    const n = this.chunks.length;
    for (let c = 0; c < n; c++) {
      const chunk = this.chunks[c]!;
      const used = c === n - 1 ? chunk.subarray(0, this.at) : chunk;
      out.set(used, c * this.chunkSize);
      if (release && c < n - 1) this.chunks[c] = EMPTY;
    }
    return out;
  }

  /** The values in the narrowest of Ints that holds `max` (see narrowest in index-parts.ts). */
  toInts(release = false, max = this.max): Ints {
    return max < 0xffff ? this.to(Uint16Array, release) : this.to(Int32Array, release);
  }
}

const EMPTY = new Uint32Array(0);

/** UTF-8 text appended a string at a time into Buffer chunks, read back by byte range. */
export class ByteList {
  private readonly chunks: Buffer[] = [];
  private last: Buffer;
  private at = 0;

  constructor(private readonly chunkSize = BYTE_CHUNK) {
    this.last = Buffer.allocUnsafe(Math.min(chunkSize, FIRST_BYTES));
    this.chunks.push(this.last);
  }

  /** Grows the first chunk, while below the chunk size, to hold `more` bytes (doubling; at most the chunk size). */
  private grow(more: number): void {
    if (this.last.length >= this.chunkSize || this.at + more <= this.last.length) return;
    let size = this.last.length;
    while (size < this.at + more && size < this.chunkSize) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, this.chunkSize));
    this.last.copy(next, 0, 0, this.at);
    this.chunks[0] = this.last = next;
  }

  /** Bytes held. */
  get length(): number {
    return (this.chunks.length - 1) * this.chunkSize + this.at;
  }

  /** Appends a string as UTF-8; returns how many bytes it took. */
  append(s: string): number {
    const bytes = Buffer.byteLength(s, 'utf8');
    // Past a first chunk's room it grows; past the chunk size, the string runs on into new chunks below.
    this.grow(bytes);
    if (bytes <= this.last.length - this.at) {
      this.last.write(s, this.at, 'utf8');
      this.at += bytes;
      return bytes;
    }
    // Across chunks: encoded once, then copied piece by piece.
    const encoded = Buffer.from(s, 'utf8');
    for (let from = 0; from < encoded.length;) {
      if (this.at === this.chunkSize) {
        this.last = Buffer.allocUnsafe(this.chunkSize);
        this.chunks.push(this.last);
        this.at = 0;
      }
      const n = encoded.copy(this.last, this.at, from);
      this.at += n;
      from += n;
    }
    return bytes;
  }

  /** The text of bytes [from, to). */
  read(from: number, to: number): string {
    if (from >= to) return '';
    const c = Math.floor(from / this.chunkSize);
    const start = from - c * this.chunkSize;
    if (to - c * this.chunkSize <= this.chunkSize) return this.chunks[c]!.toString('utf8', start, start + to - from);
    return Buffer.concat([...this.pieces(from, to)]).toString('utf8');
  }

  /** The bytes of [from, to) (all of them by default) as consecutive views, without a copy. */
  *pieces(from = 0, to = this.length): Generator<Buffer> {
    for (let at = from; at < to;) {
      const c = Math.floor(at / this.chunkSize);
      const start = at - c * this.chunkSize;
      const end = Math.min(this.chunkSize, to - c * this.chunkSize);
      yield this.chunks[c]!.subarray(start, end);
      at += end - start;
    }
  }
}
