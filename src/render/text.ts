import type { Answer, AnswerResult } from '../core/answer.js';
import type { DigestItem } from '../core/digest.js';
import { normaliseUrl } from '../core/links.js';

export interface TextStyle {
  bold: (s: string) => string;
  dim: (s: string) => string;
}

export const PLAIN: TextStyle = { bold: (s) => s, dim: (s) => s };
export const ANSI: TextStyle = { bold: (s) => `\x1b[1m${s}\x1b[22m`, dim: (s) => `\x1b[2m${s}\x1b[22m` };

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

/** An answer as readable terminal text. */
export function renderAnswerText(answer: Answer, style: TextStyle = PLAIN): string {
  const lines: string[] = [];
  if (!answer.answered) {
    lines.push(answer.message ?? 'The archive has no answer to that.');
    if (answer.nearest.length > 0) {
      lines.push('', 'Nearest articles:');
      for (const n of answer.nearest) {
        const url = normaliseUrl(n.url);
        lines.push(`  - ${n.title}${url ? ` <${url}>` : ''}`);
      }
    }
    return lines.join('\n');
  }
  answer.results.forEach((r, i) => {
    const meta = [r.source, shortDate(r.published), normaliseUrl(r.url)].filter(Boolean).join(' · ');
    lines.push(`${i + 1}. ${style.bold(r.title)}`);
    if (meta) lines.push(`   ${style.dim(meta)}`);
    lines.push(`   “${markExcerpt(r, style.bold)}”`, '');
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
        nearest: answer.nearest.map((n) => ({ articleId: n.articleId, title: n.title, url: n.url ?? null, published: n.published ?? null })),
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
    })),
    ...refusal,
  };
}

/** One digest item as terminal text: numbered title, date and link, then the summary. */
export function renderDigestItemText(item: DigestItem, n: number, style: TextStyle = PLAIN): string {
  const meta = [shortDate(item.published), normaliseUrl(item.url)].filter(Boolean).join(' · ');
  return [`${n}. ${style.bold(item.title)}`, ...(meta ? [`   ${style.dim(meta)}`] : []), `   ${item.summary}`].join('\n');
}
