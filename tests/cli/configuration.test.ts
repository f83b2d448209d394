/**
 * Configuration as a newcomer meets it: numbers out of range say the range, hex is not a number,
 * deploy:commands with a bad token or id prints one line and no stack, and INDEX_PATH problems
 * name the variable, never hang, and leave the terminal answering from memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { makeDirs, unwritableReason } from '../../src/paths.js';
import { runCliInProcess } from '../setup/inProcess.js';
import { nodeEntry } from '../setup/tsx.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SEEDS = join(ROOT, 'tests/fixtures/seeds');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('numbers in the configuration', () => {
  it.each([
    ['ANSWER_RESULTS', '0', 'must be between 1 and 10'],
    ['ANSWER_RESULTS', '11', 'must be between 1 and 10'],
    ['ANSWER_RESULTS', '50', 'must be between 1 and 10'],
    ['RATE_LIMIT_QUESTIONS', '-1', 'must be between 1 and 1000'],
    ['FEED_POLL_MINUTES', '1', 'must be between 5 and 10080'],
    ['FOLLOW_DMS_PER_DAY', '0', 'must be between 1 and 100'],
    ['FOLLOW_BATCH_SECONDS', '3601', 'must be between 0 and 3600'],
    ['ANSWER_RESULTS', '0x3', 'must be a whole number between 1 and 10'],
    ['ANSWER_RESULTS', '1e1', 'must be a whole number between 1 and 10'],
    ['ANSWER_RESULTS', '2.5', 'must be a whole number between 1 and 10'],
    ['ANSWER_RESULTS', 'three', 'must be a whole number between 1 and 10'],
  ])('%s=%s: "%s"', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([`${name}: ${message}`]);
  });

  it('reads plain decimal whole numbers, with the limits themselves allowed', () => {
    expect(loadConfig({ ANSWER_RESULTS: '10', RATE_LIMIT_QUESTIONS: '1', FEED_POLL_MINUTES: '10080' })).toMatchObject({
      ANSWER_RESULTS: 10,
      RATE_LIMIT_QUESTIONS: 1,
      FEED_POLL_MINUTES: 10_080,
    });
    expect(loadConfig({ ANSWER_RESULTS: '+4' }).ANSWER_RESULTS).toBe(4);
    expect(loadConfig({})).toMatchObject({ FOLLOW_DMS_PER_DAY: 5, FOLLOW_BATCH_SECONDS: 120 });
    expect(loadConfig({ FOLLOW_DMS_PER_DAY: '100', FOLLOW_BATCH_SECONDS: '0' })).toMatchObject({
      FOLLOW_DMS_PER_DAY: 100,
      FOLLOW_BATCH_SECONDS: 0,
    });
  });
});

function spawnScript(file: string, args: string[], env: Record<string, string>, cwd = ROOT) {
  const data = mkdtempSync(join(tmpdir(), 'newsdesk-conf-'));
  const [node, ...entry] = nodeEntry(file);
  const r = spawnSync(node, [...entry, ...args], {
    cwd,
    input: 'Where is Tasil?\n',
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: data,
      CORPUS_DIR: SEEDS,
      INDEX_PATH: join(data, 'index.bin'),
      DATABASE_PATH: join(data, 'db.sqlite'),
      ...env,
    },
    timeout: 40_000,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe('npm run deploy:commands with bad settings', () => {
  it.each([
    [{ DISCORD_TOKEN: 'abc' }, 'DISCORD_TOKEN: looks too short to be a bot token'],
    [
      { DISCORD_TOKEN: 'x'.repeat(72), DISCORD_APPLICATION_ID: 'my-app' },
      'DISCORD_APPLICATION_ID: must be a Discord id (17 to 20 digits)',
    ],
    [
      { DISCORD_TOKEN: 'x'.repeat(72), DISCORD_GUILD_ID: '12' },
      'DISCORD_GUILD_ID: must be a Discord id (17 to 20 digits)',
    ],
  ])('%j: one line naming the variable, no stack, exit 1', (env, problem) => {
    const r = spawnScript('src/discord/deploy.ts', [], env);
    expect([r.code, r.out, r.err]).toEqual([1, '', `newsdesk deploy:commands: invalid configuration: ${problem}\n`]);
  });
});

describe('INDEX_PATH', () => {
  it('whose parent is a file: the problem names the file; the terminal still answers, with a warning naming INDEX_PATH', () => {
    const r = spawnScript('src/main.ts', [], { INDEX_PATH: join(ROOT, 'README.md', 'index.bin') });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Daraa');
    expect(r.err).toContain(
      `warning: INDEX_PATH: ${join(ROOT, 'README.md')} is a file, not a folder; answering from an index in memory`,
    );
  });

  it('under /proc (where Node’s recursive mkdir loops forever): no hang, the terminal answers from memory', () => {
    const started = Date.now();
    const r = spawnScript('src/main.ts', [], { INDEX_PATH: '/proc/nope/index.bin' });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.out).toContain('Daraa');
    expect(r.err).toContain(
      'warning: INDEX_PATH: cannot create the folder /proc/nope (ENOENT); answering from an index in memory',
    );
    expect(Date.now() - started).toBeLessThan(40_000);
  });

  it('that cannot be written stops the bot before it connects, naming the variable in one line', () => {
    const r = spawnScript('src/main.ts', [], { INDEX_PATH: '/proc/nope/index.bin', DISCORD_TOKEN: 'x'.repeat(72) });
    expect([r.code, r.out, r.err]).toEqual([
      1,
      '',
      'newsdesk start: invalid configuration: INDEX_PATH: cannot create the folder /proc/nope (ENOENT)\n',
    ]);
  });

  it('makeDirs and unwritableReason: made level by level, a file in the way and a folder in the file’s place named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-paths-'));
    makeDirs(join(dir, 'a', 'b', 'c'));
    expect(unwritableReason(join(dir, 'a', 'b', 'c', 'index.bin'))).toBeNull();
    writeFileSync(join(dir, 'file'), 'x');
    expect(unwritableReason(join(dir, 'file', 'deeper', 'index.bin'))).toBe(
      `${join(dir, 'file')} is a file, not a folder`,
    );
    expect(unwritableReason(join(dir, 'a'))).toBe(`${join(dir, 'a')} is a folder, not a file`);
  });
});

describe('npm run ask -- --corpus', () => {
  /** npm run ask in this process (tests/setup/inProcess.ts), with the environment spawnScript gives. */
  const ask = (args: string[], env: Record<string, string>) => {
    const data = mkdtempSync(join(tmpdir(), 'newsdesk-conf-'));
    return runCliInProcess(['ask', ...args], {
      HOME: data,
      CORPUS_DIR: SEEDS,
      INDEX_PATH: join(data, 'index.bin'),
      DATABASE_PATH: join(data, 'db.sqlite'),
      ...env,
    });
  };

  it('reads a relative path from the caller’s directory (INIT_CWD under npm), and warns about an empty corpus', async () => {
    const fromTests = await ask(['--json', '--corpus', 'fixtures/seeds', 'Where is Tasil?'], {
      INIT_CWD: join(ROOT, 'tests'),
    });
    expect(fromTests.code, fromTests.err).toBe(0);
    expect(JSON.parse(fromTests.out).answered).toBe(true);
    const empty = mkdtempSync(join(tmpdir(), 'newsdesk-empty-'));
    const r = await ask(['--json', '--corpus', '.', 'Where is Tasil?'], { INIT_CWD: empty });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).answered).toBe(false);
    expect(r.err).toBe(
      'warning: .: no articles found; every question will go unanswered (see README, Your own articles)\n',
    );
  });
});
