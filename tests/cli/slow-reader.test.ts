/**
 * Nothing is cut off when the output is read slowly: `ask --stdin` and `npm start` used to call
 * process.exit() right after the last answer, dropping what stdout had not flushed (146 of 600
 * lines kept here, 375 of 660 in normal use). Driven as the command line (through npm -s,
 * questions from a file, stdout into a pipe nobody reads for a while), except that the reader
 * waits for the writer to end, or for ten seconds: `sleep 5` alone passes on a loaded machine
 * whenever answering takes longer than the sleep. A writer that waits for its reader (as it must)
 * is read after ten seconds; one that exits with answers unread loses them, every time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const SEEDS = join(ROOT, 'tests/fixtures/seeds');
const QUESTIONS = 600;

/** Generated questions over the seed corpus: places and people it names, asked 600 ways. */
function questionFile(dir: string): string {
  const subjects = [
    'Tasil',
    'Jazeera Storm',
    'the White Helmets',
    'Deir Ezzor',
    'Sadam al-Jamal',
    'Daraa',
    'the SDF',
    'Jordan',
  ];
  const forms = ['Where is {}?', 'What happened in {}?', 'Who leads {}?', 'What did {} do?', 'Why is {} in the news?'];
  const lines = Array.from(
    { length: QUESTIONS },
    (_, n) => `${forms[n % forms.length]!.replace('{}', subjects[n % subjects.length]!)} (${n})`,
  );
  const file = join(dir, 'questions.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `{ command; touch done; } | (wait for done, at most 10 s; reader)`. */
function slowPipe(command: string, dir: string, reader: string): string {
  const done = join(dir, 'done');
  return `{ ${command} < ${questionFile(dir)}; touch ${done}; } | (n=0; until [ -f ${done} ] || [ $n -ge 100 ]; do sleep 0.1; n=$((n+1)); done; ${reader})`;
}

function slowlyRead(command: string, dir: string): string {
  return execFileSync('sh', ['-c', slowPipe(command, dir, 'wc -l')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      CORPUS_DIR: SEEDS,
      INDEX_PATH: join(dir, 'index.bin'),
      DATABASE_PATH: join(dir, 'db.sqlite'),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 90_000,
  }).trim();
}

describe('a slow reader gets every answer', () => {
  it(`npm run -s ask -- --json --stdin: one line per question for ${QUESTIONS} questions`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-slow-'));
    expect(slowlyRead(`npm run -s ask -- --json --stdin --corpus ${SEEDS}`, dir)).toBe(String(QUESTIONS));
  }, 120_000);

  it(`npm start (no token): every one of ${QUESTIONS} answers, the last one whole`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-slow-'));
    const out = execFileSync('sh', ['-c', slowPipe('npm run -s start', dir, 'cat')], {
      cwd: ROOT,
      encoding: 'utf8',
      // One result per answer, so blank lines separate answers (and a refusal from its nearest articles).
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        CORPUS_DIR: SEEDS,
        INDEX_PATH: join(dir, 'index.bin'),
        DATABASE_PATH: join(dir, 'db.sqlite'),
        ANSWER_RESULTS: '1',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
      timeout: 90_000,
    });
    // Each answer ends with a blank line; a refusal's list of nearest articles is a block of its own.
    const answers = out.split('\n\n').filter((a) => a.trim() !== '' && !a.startsWith('Nearest articles:'));
    expect(answers).toHaveLength(QUESTIONS);
    expect(out.endsWith('\n\n')).toBe(true);
  }, 120_000);
});
