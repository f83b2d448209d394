/**
 * The terminal: readline line editing and history on a TTY, answers wrapped to its width with a
 * hanging indent (never mid-word), plain text for NO_COLOR and pipes, questions echoed by --stdin.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine.js';
import { textStyleFor, wrapLine } from '../../src/render/text.js';
import { answerLines } from '../../src/terminal.js';
import { nodeCommand } from '../setup/tsx.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SEEDS = join(ROOT, 'tests/fixtures/seeds');

/** A stream that says it is a terminal of `columns` columns. */
function tty<T extends PassThrough>(stream: T, columns = 60): T {
  Object.assign(stream, { isTTY: true, columns, setRawMode: () => stream });
  return stream;
}

describe('wrapLine', () => {
  it('wraps at spaces to the width, with the hanging indent, and keeps a long word whole', () => {
    expect(wrapLine('one two three four five', 12, '1. ', '   ')).toBe('1. one two\n   three\n   four five');
    expect(wrapLine('see https://example.com/a/very/long/path now', 12, '', '  ')).toBe(
      'see\n  https://example.com/a/very/long/path\n  now',
    );
  });

  it('never breaks a word and never passes the width unless one word is longer (property)', () => {
    const word = fc.stringMatching(/^[a-zA-Z’“”.,-]{1,15}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 10, max: 120 }),
        (words, width) => {
          const out = wrapLine(words.join(' '), width, '1. ', '   ');
          const lines = out.split('\n');
          expect(
            lines
              .map((l) => l.slice(3))
              .join(' ')
              .split(' '),
          ).toEqual(words);
          for (const l of lines) if (l.length > width) expect(l.slice(3)).not.toContain(' ');
          expect(lines.slice(1).every((l) => l.startsWith('   '))).toBe(true);
        },
      ),
    );
  });

  it('counts escape codes as no width', () => {
    expect(wrapLine('\x1b[1mbold words\x1b[22m here', 13, '', '')).toBe('\x1b[1mbold words\x1b[22m\nhere');
  });
});

describe('textStyleFor', () => {
  it('bold and wrapped on a terminal; plain with NO_COLOR; plain and unwrapped into a pipe', () => {
    const term = tty(new PassThrough(), 72);
    expect(textStyleFor(term, {}).style.bold('x')).toBe('\x1b[1mx\x1b[22m');
    expect(textStyleFor(term, {}).width).toBe(72);
    expect(textStyleFor(term, { NO_COLOR: '1' }).style.bold('x')).toBe('x');
    expect(textStyleFor(term, { NO_COLOR: '1' }).width).toBe(72);
    expect(textStyleFor(new PassThrough(), {})).toEqual({ style: expect.anything() as unknown, width: undefined });
    expect(textStyleFor(new PassThrough(), {}).style.bold('x')).toBe('x');
  });
});

describe('answerLines on a terminal', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ corpus: SEEDS, indexPath: null });
  });

  it('edits the line (arrows), recalls the last question (up arrow), wraps to the width, and keeps NO_COLOR plain', async () => {
    const input = tty(new PassThrough());
    const out = tty(new PassThrough(), 60);
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const done = answerLines(() => engine.index, input, out, {
      json: false,
      k: 1,
      prompt: '> ',
      env: { NO_COLOR: '1' },
    });
    // Keys one at a time, as a terminal sends them: "Where is Tail?", three steps left, "s", Enter
    // asks "Where is Tasil?". Then the up arrow and Enter ask it again.
    const key = async (k: string) => {
      input.write(k);
      await new Promise((r) => setTimeout(r, 20));
    };
    for (const k of ['Where is Tail?', '\x1b[D', '\x1b[D', '\x1b[D', 's', '\r', '\x1b[A', '\r']) await key(k);
    input.end();
    expect(await done).toBe(2);
    const answers = text.split('1. ').slice(1);
    expect(answers).toHaveLength(2);
    const plain = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    expect(plain).toContain('> Where is Tasil?');
    expect(plain).not.toContain('^[[');
    // NO_COLOR: no bold or dim in the answers (readline's own cursor codes aside).
    expect(text).not.toContain('\x1b[1m');
    // Wrapped at 60 columns with a three-space hanging indent, no word broken.
    const answerLinesOut = answers[0]!.split('\n\n')[0]!.split('\n');
    expect(answerLinesOut.length).toBeGreaterThan(2);
    for (const l of answerLinesOut) expect(l.length).toBeLessThanOrEqual(60);
    for (const l of answerLinesOut.slice(1)) expect(l).toMatch(/^ {3}\S/);
  });
});

describe('npm run ask -- --stdin, text', () => {
  it('prints each question above its answer, in plain text into a pipe', () => {
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-echo-'));
    const r = spawnSync(...nodeCommand('src/cli.ts', ['ask', '--stdin', '-k', '1', '--corpus', SEEDS]), {
      cwd: ROOT,
      input: 'Where is Tasil?\nWhat is the capital of France?\n',
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: data,
        INDEX_PATH: join(data, 'index.bin'),
        DATABASE_PATH: join(data, 'db.sqlite'),
      },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const blocks = r.stdout.split(/^> /m).slice(1);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual(['Where is Tasil?', 'What is the capital of France?']);
    expect(blocks[0]).toMatch(/\n1\. Syria/);
    expect(r.stdout).not.toContain('\x1b[');
  });
});
