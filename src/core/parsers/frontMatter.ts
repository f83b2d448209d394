/**
 * Front matter as data, never as code. A Markdown file may open with a block between `---` lines;
 * it is read as YAML (core schema plus timestamps, no custom tags, no merge keys) and nothing else.
 * gray-matter, which this replaces, ran `---js` / `---javascript` blocks through eval(): a block
 * that names any language other than YAML is refused here, as is a YAML tag the schema does not
 * know (`!!js/function`, `!foo`), so the file is skipped with a warning instead of half-read.
 */
import type { DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';
import { yaml } from '../yaml.js';

/** The block's fields, or why the file is refused; `line` is the 1-based line in the file. */
export type FrontMatter =
  { data: Record<string, unknown> | undefined; body: string } | { reason: string; line?: number };

/** YAML options: data types only. `uniqueKeys` turns a repeated key into an error, as before. */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'core',
  customTags: ['timestamp'],
  merge: false,
  uniqueKeys: true,
  prettyErrors: true,
};
/** An alias may stand for a large subtree: a few expansions are plenty for front matter (no "billion laughs"). */
const MAX_ALIASES = 100;

/** Languages that name YAML in a `---<language>` opening line. */
const YAML_NAMES = new Set(['', 'yaml', 'yml']);

/**
 * Splits a Markdown file (Unix newlines) into its front matter and body. No front matter: `data`
 * is undefined. A block in another language than YAML, a tag YAML does not define, or YAML that
 * does not parse: the warning's `reason` (with the line where it is known).
 */
export function readFrontMatter(content: string): FrontMatter {
  // `---` alone (or `---<language>`) on the first line opens the block; `----` is a Markdown rule.
  const open = /^---(?!-)([^\n]*)(?:\n|$)/.exec(content);
  if (!open) return { data: undefined, body: content };
  const language = open[1]!.trim();
  if (!YAML_NAMES.has(language.toLowerCase())) {
    return {
      reason: `front matter in "${language.slice(0, 40)}" refused: content is never run as code (only YAML front matter is read); skipped`,
      line: 1,
    };
  }
  const rest = content.slice(open[0].length);
  // The block ends at a line of `---` (or YAML's `...`); without one, all the rest is front matter.
  const close = /^(?:---|\.\.\.)[ \t]*$/m.exec(rest);
  const text = close ? rest.slice(0, close.index) : rest;
  const body = close ? rest.slice(close.index + close[0].length).replace(/^\n/, '') : '';
  // The YAML text starts on the file's second line.
  const lineOf = (yamlLine: number | undefined) => (yamlLine === undefined ? undefined : yamlLine + 1);
  if (text.replace(/^\s*#.*$/gm, '').trim() === '') return { data: {}, body };
  const doc = yaml().parseDocument(text, YAML_OPTIONS);
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const reason =
      problem.code === 'TAG_RESOLVE_FAILED'
        ? `front matter tag refused: ${message.replace(/^Unresolved tag: /, '')} is not plain data (only YAML's own types are read); skipped`
        : `invalid front matter: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    const line = lineOf(problem.linePos?.[0].line);
    return line === undefined ? { reason } : { reason, line };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    // The only throw left once the document parsed: too many alias expansions.
    return { reason: 'invalid front matter: too many alias expansions (a YAML "billion laughs"); skipped' };
  }
  if (data === null || data === undefined) return { data: {}, body };
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date)
    return { reason: 'invalid front matter: not a mapping of fields' };
  return { data: data as Record<string, unknown>, body };
}
