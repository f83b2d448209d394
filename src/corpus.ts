import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ARTICLE_EXTENSIONS, parseArticleFile } from './core/formats.js';
import type { Article, CorpusWarning } from './core/types.js';

/** A corpus file as read from disk; `path` is relative to the corpus root (or the file name). */
export interface CorpusFile {
  path: string;
  content: string;
}

/** Data files that live in corpus/ but are not articles. */
const NOT_ARTICLES = new Set(['aliases.yaml', 'aliases.yml', 'readme.md']);

/** Reads every article file under a directory (recursively, sorted), or the one file given. */
export async function listCorpusFiles(path: string): Promise<CorpusFile[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new Error(`corpus not found: ${path}`);
  if (info.isFile()) return [{ path: path.split(/[\\/]/).pop() ?? path, content: await readFile(path, 'utf8') }];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const names = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? path, e.name))
    .filter((full) => {
      const rel = relative(path, full);
      const base = rel.split(/[\\/]/).pop()!.toLowerCase();
      if (rel.split(/[\\/]/).some((part) => part.startsWith('.') || part.startsWith('_'))) return false;
      if (NOT_ARTICLES.has(base)) return false;
      return ARTICLE_EXTENSIONS.includes(base.split('.').pop() ?? '');
    })
    .sort();
  return Promise.all(names.map(async (full) => ({ path: relative(path, full), content: await readFile(full, 'utf8') })));
}

/** Parses read files into articles; a repeated article id keeps the first and warns naming both files. */
export function parseCorpusFiles(files: CorpusFile[]): { articles: Article[]; warnings: CorpusWarning[] } {
  const articles: Article[] = [];
  const warnings: CorpusWarning[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const parsed = parseArticleFile(f.path, f.content);
    warnings.push(...parsed.warnings);
    for (const a of parsed.articles) {
      const first = seen.get(a.id);
      if (first !== undefined) {
        const w: CorpusWarning = { file: f.path, reason: `duplicate article id "${a.id}" (first in ${first}); skipped` };
        if (a.line) w.line = a.line;
        warnings.push(w);
        continue;
      }
      seen.set(a.id, f.path);
      articles.push(a);
    }
  }
  return { articles, warnings };
}
