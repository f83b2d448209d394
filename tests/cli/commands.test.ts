/**
 * Every script in package.json that is Newsdesk's own answers --help (exit 0, usage on stdout),
 * meets a bad flag with exit 2 and one line naming it, in one style: `newsdesk <command>: <message>`.
 * The README's Commands table lists every script, and the flags each one's --help lists.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../setup/inProcess.js';
import { nodeEntry } from '../setup/tsx.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
/** Newsdesk's own scripts: `tsx <file> [command]`; the rest (tsc, vitest, node dist) are the tools' own. */
const OWN = Object.entries(scripts).filter(([, cmd]) => /^tsx (src|bench)\//.test(cmd));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * A script run as package.json runs it; those of src/cli.ts (ask, digest, eval, backup,
 * forget-guild) in this process (tests/setup/inProcess.ts: the same main and error reporting,
 * without a node start each), the others (start, bench, deploy:commands) spawned.
 */
function run(script: string, args: string[]): Promise<Run> {
  const [, file, ...fixed] = scripts[script]!.split(' ');
  if (file === 'src/cli.ts') return runCliInProcess([...fixed, ...args], { HOME: ROOT });
  return new Promise((resolve, reject) => {
    const [node, ...entry] = nodeEntry(file!);
    const child = spawn(node, [...entry, ...fixed, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: ROOT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const helps = new Map<string, Promise<Run>>();
/** A script's --help, run once for both tests that read it. */
function helpOf(name: string): Promise<Run> {
  if (!helps.has(name)) helps.set(name, run(name, ['--help']));
  return helps.get(name)!;
}

/** The long flags a text names (`--json`, `--no-cache`), sorted and without repeats. */
const flagsIn = (text: string): string[] => [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].sort();

describe('every script', () => {
  it('is one of ours for the ones that run Newsdesk code: start, ask, digest, eval, backup, forget-guild, bench, deploy:commands', () => {
    expect(OWN.map(([name]) => name).sort()).toEqual(
      ['ask', 'backup', 'bench', 'deploy:commands', 'digest', 'eval', 'forget-guild', 'start'].sort(),
    );
  });

  it('answers --help with exit 0 and its usage on stdout, and a bad flag with exit 2 and one line naming it', async () => {
    const results = await Promise.all(
      OWN.map(async ([name]) => ({ name, help: await helpOf(name), bad: await run(name, ['--bogus']) })),
    );
    for (const { name, help, bad } of results) {
      expect([name, help.code, help.err]).toEqual([name, 0, '']);
      expect(help.out, name).toMatch(/^usage:/i);
      expect(help.out, name).toContain(name === 'start' ? 'npm start' : `npm run ${name}`);
      const command = name === 'start' ? 'start' : name;
      expect([name, bad.code, bad.out, bad.err]).toEqual([
        name,
        2,
        '',
        `newsdesk ${command}: unknown option --bogus (see --help)\n`,
      ]);
    }
  }, 120_000);
});

describe('README, Commands', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  // Escaped pipes inside a cell (`a\|b`) are not column separators.
  const section = readme
    .slice(readme.indexOf('\n## Commands\n'), readme.indexOf('\n## ', readme.indexOf('\n## Commands\n') + 5))
    .replaceAll('\\|', '¦');
  /** Table rows: | `npm run x` | flags | example |. */
  const rows = new Map(
    [...section.matchAll(/^\| `npm (?:run )?([\w:-]+)`[^|]*\|([^|]*)\|([^|]*)\|$/gm)].map((m) => [
      m[1]!,
      { flags: m[2]!, example: m[3]! },
    ]),
  );

  it('has a row for every script in package.json, and none for a script that is not there', () => {
    expect(section).toContain('## Commands');
    expect([...rows.keys()].sort()).toEqual(Object.keys(scripts).sort());
    for (const [name, row] of rows) expect(row.example, name).toMatch(/`npm (run )?/);
  });

  it('lists exactly the flags each of our scripts gives in its --help', async () => {
    const helps = await Promise.all(OWN.map(async ([name]) => ({ name, help: await helpOf(name) })));
    for (const { name, help } of helps)
      expect([name, flagsIn(rows.get(name)!.flags)]).toEqual([name, flagsIn(help.out)]);
  }, 120_000);
});
