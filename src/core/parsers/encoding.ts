/**
 * Bytes of a corpus file → text. UTF-8 (with or without a byte-order mark) and UTF-16 with a
 * byte-order mark decode as they are; UTF-8 with a few broken bytes decodes with a note; other
 * bytes that read as legacy 8-bit text (Latin-1 or Windows-1252, which WHATWG treats as one)
 * decode as Windows-1252 with a note; anything else is binary and is refused. Pure: no fs, no
 * environment, no logging.
 */

export type Decoded = { text: string; note?: string } | { error: string };

/** Control characters that never appear in text (tab, newlines, form feed and escape are allowed). */
const CONTROL = /[\x00-\x08\x0E-\x1A\x1C-\x1F\x7F]/g;
/** Text with more than this share of control characters is binary. */
const MAX_CONTROL_SHARE = 0.01;

const NOT_TEXT = 'not a text file (binary data or an unknown encoding)';

function looksBinary(text: string): boolean {
  if (text.includes('\0')) return true;
  const controls = text.match(CONTROL)?.length ?? 0;
  return controls > text.length * MAX_CONTROL_SHARE;
}

/**
 * Bytes 0x80–0x9F in Windows-1252 (WHATWG); the rest is Latin-1. Written out because Node's
 * TextDecoder('windows-1252') decodes these as Latin-1 C1 controls since 20.18.3 / 22.13.0
 * (nodejs/node#60888).
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Windows-1252 bytes → text (every byte decodes). */
export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80]!));
}

function decode(label: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decodes a file's bytes; never throws. The text has no byte-order mark. */
export function decodeBytes(bytes: Uint8Array): Decoded {
  const [a, b, c] = bytes;
  let text: string | undefined;
  let note: string | undefined;
  if (a === 0xef && b === 0xbb && c === 0xbf) {
    text = decode('utf-8', bytes);
    if (text === undefined) return { error: 'not valid UTF-8 after its UTF-8 byte-order mark' };
  } else if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
    text = decode(a === 0xff ? 'utf-16le' : 'utf-16be', bytes);
    if (text === undefined) return { error: 'not valid UTF-16 after its UTF-16 byte-order mark' };
  } else {
    text = decode('utf-8', bytes);
    if (text === undefined) {
      const lossy = new TextDecoder('utf-8').decode(bytes);
      const bad = lossy.match(/\uFFFD/g)?.length ?? 0;
      const good = lossy.match(/[^\x00-\x7F\uFFFD]/g)?.length ?? 0;
      if (good > bad) {
        // Mostly well-formed UTF-8 with a few broken bytes (a bad copy, a cut download).
        text = lossy;
        note = `invalid UTF-8: ${bad} broken byte sequence${bad === 1 ? '' : 's'} shown as �`;
      } else {
        // Not UTF-8: most often an old Latin-1 / Windows-1252 export. Every byte decodes, so only
        // the share of control characters tells such text from binary data.
        text = decodeWindows1252(bytes);
        note = 'not UTF-8: read as Windows-1252 (Latin-1)';
      }
    }
  }
  if (looksBinary(text)) return { error: NOT_TEXT };
  return note ? { text, note } : { text };
}
