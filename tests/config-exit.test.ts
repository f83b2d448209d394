/**
 * `npm start` with bad configuration: it stops with a non-zero exit code before doing anything,
 * names every bad variable on stderr, and never prints a value, the token least of all.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeEntry } from './setup/tsx.js';

const ROOT = new URL('..', import.meta.url).pathname;
const [NODE, ...MAIN] = nodeEntry('src/main.ts');

/** Runs src/main.ts with only `env` (and PATH) set, from an empty directory so that no .env file is read. */
function start(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'newsdesk-config-'));
  const r = spawnSync(NODE, MAIN, {
    cwd,
    input: '',
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      CORPUS_DIR: join(ROOT, 'tests/fixtures/seeds'),
      INDEX_PATH: join(cwd, 'index.json'),
      DATABASE_PATH: join(cwd, 'db.sqlite'),
      ...env,
    },
    timeout: 20_000,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** The variables named on stderr's problem lines ("  - NAME: reason"). */
const named = (stderr: string) => [...stderr.matchAll(/^ {2}- ([A-Z_]+): /gm)].map((m) => m[1]);

describe('bad configuration stops the start', () => {
  it('names every bad variable at once, exits non-zero, and prints no value (not even a short token)', () => {
    const bad = {
      LOG_LEVEL: 'loud',
      ANSWER_RESULTS: '0',
      DISCORD_TOKEN: 'tok3n-Sh0rt-s3cret',
      RATE_LIMIT_QUESTIONS: 'abc',
      STORE_QUESTION_TEXT: 'perhaps',
    };
    const r = start(bad);
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err.startsWith('newsdesk start: invalid configuration:\n')).toBe(true);
    expect(named(r.err).sort()).toEqual(Object.keys(bad).sort());
    for (const value of Object.values(bad).filter((v) => v.length > 1)) expect(r.err).not.toContain(value);
    // No stack trace, no index built: the config is checked first.
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.err).not.toContain('Newsdesk:');
  });

  it('keeps a well-formed token out of the message when another variable is bad', () => {
    const token = `${'M'.repeat(24)}.${'y'.repeat(6)}.${'q'.repeat(38)}`;
    const r = start({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: 'my-app', FEED_POLL_MINUTES: '1' });
    expect(r.signal).toBeNull();
    expect(r.code).not.toBe(0);
    expect(named(r.err)).toEqual(['DISCORD_APPLICATION_ID', 'FEED_POLL_MINUTES']);
    expect(r.err).not.toContain(token);
    expect(r.err).not.toContain('q'.repeat(38));
    expect(r.err).not.toContain('my-app');
    expect(r.out).toBe('');
  });
});
