import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileText } from '../src/indexFile.js';

describe('FileText', () => {
  it('reads any byte range as the bytes decode, within a block, across blocks and past the blocks kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-text-'));
    const path = join(dir, 'text.bin');
    // Multi-byte characters throughout, so block edges fall inside them; 4 bytes of something else before the text.
    const passages = Array.from({ length: 300 }, (_, i) => `passage ${i}: café Zürich 東京 😀 `);
    const bytes = Buffer.from(passages.join(''), 'utf8');
    writeFileSync(path, Buffer.concat([Buffer.from('head'), bytes]));
    // Each passage's byte range, as an index keeps them.
    const bounds = [0];
    for (const p of passages) bounds.push(bounds.at(-1)! + Buffer.byteLength(p));
    const fd = openSync(path, 'r');
    try {
      // Blocks of 64 bytes, 3 kept: most passages span two blocks, and the text is 50 times more than is kept.
      const reader = new FileText(fd, 4, bytes.length, 64, 3);
      const order = [...Array(300).keys(), 5, 299, 0, 150, 150, 7];
      for (const i of order) {
        const [from, to] = [bounds[i]!, bounds[i + 1]!];
        expect(reader.read(from, to)).toBe(bytes.toString('utf8', from, to));
      }
      // A range of several blocks, and one ending at the text's end.
      expect(reader.read(bounds[10]!, bounds[20]!)).toBe(bytes.toString('utf8', bounds[10]!, bounds[20]!));
      expect(reader.read(bounds[250]!, bytes.length)).toBe(passages.slice(250).join(''));
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
