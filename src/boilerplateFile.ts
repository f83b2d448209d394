import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoilerplateDataSchema, compileBoilerplate, type Boilerplate } from './core/boilerplate.js';
import { yaml } from './yaml.js';

/** The page-furniture patterns shipped with Newsdesk (src/ and dist/ are both one level below the package root). */
export const BOILERPLATE_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'patterns', 'boilerplate.yaml');

let loaded: { text: string; rules: Boilerplate } | undefined;

/**
 * The boilerplate data file, read and checked once per process. It ships with the code, so a
 * missing or broken file is a bug to stop on, not a corpus problem to warn about.
 */
function load(): { text: string; rules: Boilerplate } {
  if (loaded) return loaded;
  const text = readFileSync(BOILERPLATE_FILE, 'utf8');
  const parsed = BoilerplateDataSchema.safeParse(yaml().parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${BOILERPLATE_FILE}: ${issue.path.join('.')}: ${issue.message}`);
  }
  loaded = { text, rules: compileBoilerplate(parsed.data) };
  return loaded;
}

/** The compiled page-furniture rules for the parsers. */
export const boilerplate = (): Boilerplate => load().rules;

/** The data file's text, for the index hash: new patterns rebuild the saved index. */
export const boilerplateText = (): string => load().text;
