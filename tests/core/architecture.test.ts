import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * src/core stays pure: no file I/O, no Discord, no storage, no logging, no configuration. It is
 * what runs in milliseconds in tests, and what the front ends (CLI, bot, bench) all share.
 */
const CORE = join(import.meta.dirname, '../../src/core');
const files = (readdirSync(CORE, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(CORE, f));

const FORBIDDEN: Array<[RegExp, string]> = [
  [/^(node:)?fs(\/promises)?$/, 'file I/O'],
  [/^discord\.js$|^@discordjs\//, 'Discord'],
  [/^better-sqlite3$|^pg$/, 'storage'],
  [/^pino$/, 'logging'],
  [/^dotenv/, 'configuration'],
  [/(^|\/)store(\/|\.js$|$)/, 'the store'],
  [/^\.\.\/(?!core\/)/, 'code outside src/core'],
];

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(text: string): string[] {
  const found = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return [...new Set(found)];
}

describe('src/core', () => {
  it('imports nothing that does I/O, talks to Discord, stores, logs or configures', () => {
    const offences: string[] = [];
    for (const file of files) {
      const rel = relative(CORE, file);
      // A module in a sub-folder reaches core's own files through '../'.
      const depth = rel.split('/').length - 1;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const outside = depth > 0 ? spec.replace(/^(\.\.\/){1,}/, (m) => (m.length / 3 > depth ? '../' : './')) : spec;
        for (const [re, what] of FORBIDDEN) if (re.test(outside)) offences.push(`${rel}: ${spec} (${what})`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('keeps each module small enough to read in one sitting', () => {
    // A stage that outgrows this is two stages (search.ts at 1,421 lines became query, rank and index-*).
    const MAX_LINES = 600;
    const long = files
      .map((f) => [relative(CORE, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > MAX_LINES)
      .map(([f, lines]) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('reads the files it should, and would catch an offence', () => {
    expect(files.map((f) => relative(CORE, f))).toEqual(
      expect.arrayContaining(['search.ts', 'query.ts', 'rank.ts', 'answer.ts', join('parsers', 'html.ts')]),
    );
    expect(importsOf("import { readFileSync } from 'node:fs';\nconst x = await import('pino');")).toEqual([
      'node:fs',
      'pino',
    ]);
    expect(FORBIDDEN.some(([re]) => re.test('node:fs'))).toBe(true);
    expect(FORBIDDEN.some(([re]) => re.test('../store/store.js'))).toBe(true);
  });
});
