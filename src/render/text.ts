import type { Answer, AnswerResult } from '../core/answer.js';
import type { DigestItem } from '../core/digest.js';
import { normaliseUrl } from '../core/links.js';

export interface TextStyle {
  bold: (s: string) => string;
  dim: (s: string) => string;
}

export const PLAIN: TextStyle = { bold: (s) => s, dim: (s) => s };
export const ANSI: TextStyle = { bold: (s) => `\x1b[1m${s}\x1b[22m`, dim: (s) => `\x1b[2m${s}\x1b[22m` };

/**
 * How text goes to `out`: bold and dim only on a terminal and without NO_COLOR (https://no-color.org:
 * set to anything but empty), wrapped to the terminal's width; plain and unwrapped into a pipe or a file.
 */
export function textStyleFor(
  out: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
): { style: TextStyle; width?: number } {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const columns = (out as NodeJS.WriteStream).columns;
  const style = tty && !env.NO_COLOR ? ANSI : PLAIN;
  return tty && columns ? { style, width: columns } : { style };
}

const ANSI_CODE = /\x1b\[[0-9;]*m/g;
const visibleLength = (s: string): number => [...s.replace(ANSI_CODE, '')].length;

/**
 * One line of text wrapped to `width` columns at spaces: the first line starts with `first`, the
 * others with `hanging` (usually spaces as wide as a list number). A word never breaks: one longer
 * than the line (a link) gets a line of its own. Escape codes count as no width.
 */
export function wrapLine(text: string, width: number, first = '', hanging = first): string {
  const words = text.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = hanging;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The excerpt with its matched words passed through `mark`. */
export function markExcerpt(result: Pick<AnswerResult, 'excerpt' | 'highlights'>, mark: (s: string) => string): string {
  let out = '';
  let at = 0;
  for (const [s, e] of result.highlights) {
    if (s < at) continue;
    out += result.excerpt.slice(at, s) + mark(result.excerpt.slice(s, e));
    at = e;
  }
  return out + result.excerpt.slice(at);
}

/** "2019-10-29T…" → "2019-10-29". */
export function shortDate(iso: string | undefined): string | undefined {
  return iso ? iso.slice(0, 10) : undefined;
}

/**
 * An answer as readable terminal text; with a `width`, each line is wrapped to it with a hanging
 * indent under the list number (words are never broken).
 */
export function renderAnswerText(answer: Answer, style: TextStyle = PLAIN, width?: number): string {
  const lines: string[] = [];
  const wrap = (text: string, first: string, hanging: string) =>
    width ? wrapLine(text, width, first, hanging) : first + text;
  if (!answer.answered) {
    lines.push(wrap(answer.message ?? 'The archive has no answer to that.', '', ''));
    if (answer.nearest.length > 0) {
      lines.push('', 'Nearest articles:');
      for (const n of answer.nearest) {
        const url = normaliseUrl(n.url);
        lines.push(wrap(`${n.title}${url ? ` <${url}>` : ''}`, '  - ', '    '));
      }
    }
    return lines.join('\n');
  }
  answer.results.forEach((r, i) => {
    const meta = [r.source, shortDate(r.published) ?? 'undated', normaliseUrl(r.url)].filter(Boolean).join(' · ');
    const number = `${i + 1}. `;
    const indent = ' '.repeat(Math.max(3, number.length));
    lines.push(wrap(style.bold(r.title), number, indent));
    if (meta) lines.push(wrap(style.dim(meta), indent, indent));
    lines.push(wrap(`“${markExcerpt(r, style.bold)}”`, indent, indent));
    if (r.newer)
      lines.push(
        wrap(style.dim(`Newer in the archive: ${r.newer.title}, ${shortDate(r.newer.published)}`), indent, indent),
      );
    lines.push('');
  });
  return lines.join('\n').trimEnd();
}

/** The JSON shape of an answer for `--json`. */
export function answerJson(answer: Answer): object {
  // A refusal says why, in words, and where to look instead.
  const refusal = answer.answered
    ? {}
    : {
        reason: answer.reason ?? null,
        message: answer.message ?? null,
        nearest: answer.nearest.map((n) => ({
          articleId: n.articleId,
          title: n.title,
          url: n.url ?? null,
          published: n.published ?? null,
        })),
        suggestions: answer.suggestions ?? [],
      };
  return {
    question: answer.question,
    answered: answer.answered,
    results: answer.results.map((r) => ({
      articleId: r.articleId,
      title: r.title,
      url: normaliseUrl(r.url) ?? null,
      published: r.published ?? null,
      excerpt: r.excerpt,
      score: r.score,
      newer: r.newer ? { articleId: r.newer.articleId, title: r.newer.title, published: r.newer.published } : null,
    })),
    ...(answer.answered ? { asOf: answer.asOf ?? null } : {}),
    ...refusal,
  };
}

/** One digest item as terminal text: numbered title, date and link, then the summary (wrapped to `width` when given). */
export function renderDigestItemText(item: DigestItem, n: number, style: TextStyle = PLAIN, width?: number): string {
  const meta = [shortDate(item.published), normaliseUrl(item.url)].filter(Boolean).join(' · ');
  const wrap = (text: string, first: string) => (width ? wrapLine(text, width, first, '   ') : first + text);
  return [
    wrap(style.bold(item.title), `${n}. `),
    ...(meta ? [wrap(style.dim(meta), '   ')] : []),
    wrap(item.summary, '   '),
  ].join('\n');
}
