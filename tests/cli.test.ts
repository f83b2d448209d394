import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from './setup/inProcess.js';
import { nodeEntry } from './setup/tsx.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SEEDS = join(ROOT, 'tests/fixtures/seeds');

function run(script: string, args: string[], input = '', env: Record<string, string> = {}) {
  const data = mkdtempSync(join(tmpdir(), 'newsdesk-cli-'));
  const [node, ...entry] = nodeEntry(script);
  const r = spawnSync(node, [...entry, ...args], {
    input,
    encoding: 'utf8',
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: data,
      CORPUS_DIR: SEEDS,
      INDEX_PATH: join(data, 'index.json'),
      DATABASE_PATH: join(data, 'db.sqlite'),
      ...env,
    },
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * `npm run ask -- …` in this process (tests/setup/inProcess.ts), with the environment `run` gives
 * a spawned one: for the flags whose output is JSON or an error line (a spawned run costs a node start).
 */
function ask(args: string[]) {
  const data = mkdtempSync(join(tmpdir(), 'newsdesk-cli-'));
  return runCliInProcess(['ask', ...args], {
    HOME: data,
    CORPUS_DIR: SEEDS,
    INDEX_PATH: join(data, 'index.json'),
    DATABASE_PATH: join(data, 'db.sqlite'),
  });
}

describe('npm run ask', () => {
  it('prints a readable answer with the quoted sentence', () => {
    const r = run('src/cli.ts', ['ask', 'How many White Helmets did Jordan take in?']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1\. Syria, the heads of Isis try to escape from Deir Ezzor/);
    expect(r.out).toContain('Jordan 442');
  });

  it('--json prints one object with the agreed fields', async () => {
    const r = await ask(['--json', '-k', '2', 'Who is the spokesman of Jazeera Storm?']);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out);
    expect(Object.keys(answer)).toEqual(['question', 'answered', 'results', 'asOf']);
    expect(answer.answered).toBe(true);
    // The seed articles carry no dates: nothing to be "as of", nothing newer.
    expect(answer.asOf).toBeNull();
    expect(answer.results.length).toBeLessThanOrEqual(2);
    expect(Object.keys(answer.results[0])).toEqual([
      'articleId',
      'title',
      'url',
      'published',
      'excerpt',
      'score',
      'newer',
    ]);
    expect(answer.results[0].newer).toBeNull();
    expect(answer.results[0].excerpt).toContain('Mustefa Bali');
  });

  it('--json gives a refusal its reason, message and nearest articles', async () => {
    const r = await ask(['--json', 'What happened to the Syrain refugees?']);
    const answer = JSON.parse(r.out);
    expect(Object.keys(answer)).toEqual([
      'question',
      'answered',
      'results',
      'reason',
      'message',
      'nearest',
      'suggestions',
    ]);
    expect(answer.answered).toBe(false);
    expect(answer.reason).toBe('unknown-name');
    // The misspelt name is too far to correct, so the closest names the archive holds are offered.
    expect(answer.message).toBe('The archive has nothing on “Syrain”. Did you mean “Syria”?');
    expect(answer.suggestions).toEqual(['Syria']);
    expect(answer.nearest.length).toBeGreaterThan(0);
    expect(Object.keys(answer.nearest[0])).toEqual(['articleId', 'title', 'url', 'published']);
  });

  it('--stdin --json answers one line per question, in order', () => {
    const r = run(
      'src/cli.ts',
      ['ask', '--stdin', '--json'],
      'Who is Sadam al-Jamal?\nWhat is the capital of France?\nWhere is Tasil?\n',
    );
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.question, l.answered])).toEqual([
      ['Who is Sadam al-Jamal?', true],
      ['What is the capital of France?', false],
      ['Where is Tasil?', true],
    ]);
  });

  it('--corpus uses another corpus', async () => {
    const r = await ask([
      '--json',
      '--corpus',
      join(ROOT, 'tests/fixtures/formats/articles.jsonl'),
      'When do electric trains start on the coast line?',
    ]);
    expect(JSON.parse(r.out).results[0].articleId).toBe('l1');
    expect(r.err).toContain('warning: articles.jsonl:2: invalid JSON');
  });

  it('rejects a bad -k with a short message', async () => {
    const r = await ask(['-k', 'lots', 'question']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('newsdesk ask: -k must be a whole number from 1 to 10 (got "lots")\n');
  });
});

describe('npm start without a token', () => {
  it('answers piped questions from the corpus and exits at the end of input', () => {
    const r = run('src/main.ts', [], 'How many White Helmets did Jordan take in?\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Jordan 442');
    expect(r.err).toMatch(/Newsdesk: 5 articles, \d+ passages/);
  });

  it('meets bad input with a clear message, never a stack trace', () => {
    const input =
      ['', '   ', 'x'.repeat(10_000), '🙂🙂🙂', '**bold** `code` @everyone @here', '<@&123> ||spoiler||'].join('\n') +
      '\n';
    const r = run('src/main.ts', [], input);
    expect(r.code).toBe(0);
    expect(r.out).toContain('That question is too long');
    expect(r.out).toContain('Ask a question with a few words in it');
    expect(r.out + r.err).not.toMatch(/\bat .*\.ts:\d+|Error:/);
  });

  it('names the bad variable when the configuration is wrong, without its value', () => {
    const r = run('src/main.ts', [], '', { DISCORD_GUILD_ID: 'not-a-snowflake', ANSWER_RESULTS: '99' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('newsdesk start: invalid configuration:\n');
    expect(r.err).toContain('DISCORD_GUILD_ID: must be a Discord id (17 to 20 digits)');
    expect(r.err).toContain('ANSWER_RESULTS: must be between 1 and 10');
    expect(r.err).not.toContain('not-a-snowflake');
  });
});
