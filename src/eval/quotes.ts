/**
 * What the eval checks in a quoted excerpt: whether it holds an answer (NewsQA), whether it
 * quotes a gold article's evidence (MultiHop-RAG), and whether it stops in the middle of a
 * sentence. Pure: no I/O.
 */

/** Case-folded, curly quotes made straight, white space collapsed: how an answer is looked for. */
export function normaliseQuote(text: string): string {
  return text
    .toLowerCase()
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„‟″]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The excerpt contains one of the answers (as the README's scorer compares them). */
export function holdsAnswer(excerpt: string, answers: readonly string[]): boolean {
  const quote = normaliseQuote(excerpt);
  return answers.some((a) => {
    const answer = normaliseQuote(a);
    return answer !== '' && quote.includes(answer);
  });
}

const words = (text: string): string[] => normaliseQuote(text).match(/[\p{L}\p{N}]+/gu) ?? [];

/** The shortest run of consecutive words that counts as quoting a fact. */
export const EVIDENCE_RUN_WORDS = 8;

/** The excerpt contains the fact, or shares a run of at least `run` consecutive words with it. */
export function quotesEvidence(excerpt: string, fact: string, run = EVIDENCE_RUN_WORDS): boolean {
  if (normaliseQuote(excerpt).includes(normaliseQuote(fact))) return true;
  const factWords = words(fact);
  const quoteWords = words(excerpt);
  if (factWords.length < run || quoteWords.length < run) return false;
  const grams = new Set<string>();
  for (let i = 0; i + run <= factWords.length; i++) grams.add(factWords.slice(i, i + run).join(' '));
  for (let i = 0; i + run <= quoteWords.length; i++) if (grams.has(quoteWords.slice(i, i + run).join(' '))) return true;
  return false;
}

// Words that end in a point without ending a sentence: titles, "vs.", "No. 1", months, company
// suffixes. The eval's own list, apart from the segmenter's, so the count checks it.
const SHORT_FORM =
  /(?:^|[\s("“])(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Maj|Capt|Sgt|Adm|Rev|St|Mt|Ft|Jr|Sr|vs|v|No|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|Inc|Corp|Co|Ltd)\.$/;
// "U.S.", "U.N.", "D.C." and single initials ("J.").
const INITIALS = /(?:^|[\s("“])(?:[A-Z]\.)+$/;

/**
 * Whether an excerpt stops inside a sentence, where a reader sees a cut: it ends at an
 * abbreviation or an initial, or the source text goes on in lower case or with a digit.
 * `after` is the source text that follows the excerpt (empty when unknown or at a paragraph end).
 * An excerpt that ends in an ellipsis was cut on purpose and is counted apart.
 */
export function endsMidSentence(excerpt: string, after = ''): boolean {
  const text = excerpt.trimEnd();
  if (text.endsWith('…') || text === '') return false;
  if (/^[ \t]*[\p{Ll}\d]/u.test(after)) return true;
  // An abbreviation may end a sentence ("…in the U.S."), but not before more of the same paragraph.
  if (!/^[ \t]*\S/.test(after) && after !== '') return false;
  return SHORT_FORM.test(text) || INITIALS.test(text);
}

/** The source text right after `excerpt` in `source` (white space compared loosely), or ''. */
export function textAfter(source: string, excerpt: string): string {
  const body = excerpt.replace(/^…/, '').replace(/…$/, '').trim();
  if (body === '') return '';
  // Excerpts join sentences with single spaces; the source may break lines between them.
  const pattern = body
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
  const m = new RegExp(pattern).exec(source);
  if (!m) return '';
  return source.slice(m.index + m[0].length, m.index + m[0].length + 40);
}
