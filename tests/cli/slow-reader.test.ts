/**
 * Nothing is cut off when the output is read slowly: `ask --stdin` and `npm start` used to call
 * process.exit() right after the last answer, dropping what stdout had not flushed (146 of 600
 * lines kept here, 375 of 660 in normal use). Driven as the command line (through npm -s,
 * questions from a file, stdout into a pipe nobody reads for a while), except that the reader
 * waits until the writer has ended or has stopped to wait for it: `sleep 5` alone passes on a
 * loaded machine whenever answering takes longer than the sleep. A writer that waits for its
 * reader (as it must) is read as soon as it is seen waiting; one that exits with answers unread
 * loses them, every time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Each live thread of `pid` and of every process below it: its state letter and the CPU ticks it has used. */
function threadsOf(pid: number): Array<{ state: string; ticks: number }> {
  const stat = (path: string): string[] | undefined => {
    try {
      const text = readFileSync(path, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
      return text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined; // Gone meanwhile.
    }
  };
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(stat(`/proc/${name}/stat`)?.[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
  }
  const threads: Array<{ state: string; ticks: number }> = [];
  for (const queue = [pid]; queue.length > 0;) {
    const p = queue.pop()!;
    queue.push(...(parents.get(p) ?? []));
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      const f = stat(`/proc/${p}/task/${task}/stat`);
      // Fields 3 (state), 14 and 15 (user and system time).
      if (f) threads.push({ state: f[0]!, ticks: Number(f[11]) + Number(f[12]) });
    }
  }
  return threads;
}

/**
 * Resolves once the process `pid` and everything it started have used no CPU for `quietMs` and
 * are all asleep: a writer blocked on a full pipe. A writer still answering uses CPU within a
 * fraction of that even on a loaded machine, and is running or waiting for a core (state R).
 */
async function waitingForReader(pid: number, quietMs = 600): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const threads = threadsOf(pid);
    if (threads.length === 0) return; // It has ended: the pipeline's own `done` takes over.
    const ticks = threads.reduce((sum, t) => sum + t.ticks, 0);
    if (ticks !== last) {
      last = ticks;
      since = Date.now();
    } else if (Date.now() - since >= quietMs && threads.every((t) => t.state === 'S')) return;
  }
}

/**
 * `{ command < questions; touch done; } | (wait for done or go, at most 10 s; reader)`, with `go`
 * made once the command is seen waiting for the reader; resolves to what the reader printed.
 */
async function slowlyRead(command: string, dir: string, reader: string, env: Record<string, string>): Promise<string> {
  const [done, go, pidFile] = ['done', 'go', 'writer.pid'].map((f) => join(dir, f)) as [string, string, string];
  const writer = `sh -c 'echo $$ > ${pidFile}; exec ${command}' < ${questionFile(dir)}`;
  const wait = `n=0; until [ -f ${done} ] || [ -f ${go} ] || [ $n -ge 200 ]; do sleep 0.05; n=$((n+1)); done`;
  const child = spawn('sh', ['-c', `{ ${writer}; touch ${done}; } | (${wait}; ${reader})`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 90_000,
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  for (let n = 0; !existsSync(pidFile) && n < 200; n++) await new Promise((r) => setTimeout(r, 25));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await Promise.race([waitingForReader(pid).then(() => writeFileSync(go, '')), exited]);
  expect(await exited).toBe(0);
  return out;
}

const env = (dir: string): Record<string, string> => ({
  CORPUS_DIR: SEEDS,
  INDEX_PATH: join(dir, 'index.bin'),
  DATABASE_PATH: join(dir, 'db.sqlite'),
});

describe('a slow reader gets every answer', () => {
  it(`npm run -s ask -- --json --stdin: one line per question for ${QUESTIONS} questions`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-slow-'));
    const out = await slowlyRead(`npm run -s ask -- --json --stdin --corpus ${SEEDS}`, dir, 'wc -l', env(dir));
    expect(out.trim()).toBe(String(QUESTIONS));
  }, 120_000);

  it(`npm start (no token): every one of ${QUESTIONS} answers, the last one whole`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-slow-'));
    // One result per answer, so blank lines separate answers (and a refusal from its nearest articles).
    const out = await slowlyRead('npm run -s start', dir, 'cat', { ...env(dir), ANSWER_RESULTS: '1' });
    // Each answer ends with a blank line; a refusal's list of nearest articles is a block of its own.
    const answers = out.split('\n\n').filter((a) => a.trim() !== '' && !a.startsWith('Nearest articles:'));
    expect(answers).toHaveLength(QUESTIONS);
    expect(out.endsWith('\n\n')).toBe(true);
  }, 120_000);
});
