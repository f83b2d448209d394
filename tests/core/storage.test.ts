import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteList, IntList } from '../../src/core/storage.js';

describe('IntList', () => {
  it('gives back what was pushed, across chunks, in the type asked for', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xfffe })), fc.integer({ min: 1, max: 7 }), (values, chunk) => {
        const list = new IntList(chunk);
        for (const x of values) list.push(x);
        expect(list.length).toBe(values.length);
        expect(values.map((_, i) => list.get(i))).toEqual(values);
        const narrow = list.toInts();
        expect(narrow).toBeInstanceOf(Uint16Array);
        expect(Array.from(narrow)).toEqual(values);
      }),
    );
  });

  it('widens to 32 bits when a value or the given bound does not fit 16', () => {
    const list = new IntList(2);
    for (const x of [1, 70_000, 3]) list.push(x);
    expect(list.max).toBe(70_000);
    expect(Array.from(list.toInts())).toEqual([1, 70_000, 3]);
    expect(list.toInts()).toBeInstanceOf(Int32Array);
    const small = new IntList(2);
    small.push(5);
    expect(small.toInts(false, 0xffff)).toBeInstanceOf(Int32Array);
  });

  it('holds values up to 2^32 - 1 (byte offsets of 4 GiB of text) as Uint32', () => {
    const list = new IntList(3);
    for (const x of [0, 2 ** 31 + 5, 2 ** 32 - 1]) list.push(x);
    expect(Array.from(list.to(Uint32Array))).toEqual([0, 2 ** 31 + 5, 2 ** 32 - 1]);
  });

  it('grows past many chunks without a copy per growth, and releases chunks once copied', () => {
    // Five default chunks (a plain array of this many numbers would take 8 bytes each on the heap).
    const n = (1 << 20) + 3;
    const list = new IntList();
    for (let i = 0; i < n; i++) list.push(i % 65_000);
    expect(list.length).toBe(n);
    expect(list.get(n - 1)).toBe((n - 1) % 65_000);
    const out = list.toInts(true);
    expect(out).toBeInstanceOf(Uint16Array);
    expect(out.length).toBe(n);
    expect([out[0], out[65_001], out[n - 1]]).toEqual([0, 1, (n - 1) % 65_000]);
  });
});

describe('ByteList', () => {
  it('reads back each string appended, by byte range, whichever chunks it lies across', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' })), fc.integer({ min: 1, max: 9 }), (texts, chunk) => {
        const list = new ByteList(chunk);
        const ranges: Array<[number, number]> = [];
        for (const t of texts) {
          const from = list.length;
          expect(list.append(t)).toBe(Buffer.byteLength(t));
          ranges.push([from, list.length]);
        }
        expect(ranges.map(([from, to]) => list.read(from, to))).toEqual(texts);
        expect(Buffer.concat([...list.pieces()]).toString('utf8')).toBe(texts.join(''));
      }),
    );
  });

  it('grows its first chunk as text comes, keeping what it held', () => {
    const list = new ByteList();
    const texts = Array.from({ length: 3_000 }, (_, i) => `passage ${i}: ${'é'.repeat(i % 40)} `);
    texts.push('x'.repeat(300_000), 'the end');
    const ranges = texts.map((t) => {
      const from = list.length;
      list.append(t);
      return [from, list.length] as const;
    });
    expect(ranges.map(([from, to]) => list.read(from, to))).toEqual(texts);
    expect(list.length).toBe(Buffer.byteLength(texts.join('')));
  });
});
