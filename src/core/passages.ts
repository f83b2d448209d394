import type { Article } from './types.js';
import { sentenceSpans } from './sentences.js';

/** A retrievable piece of an article: whole sentences, never more than a few. */
export interface Passage {
  /** Index of the article in the corpus order. */
  article: number;
  /** 0-based position of the passage within its article. */
  position: number;
  heading?: string;
  /** Set on a standfirst or sentence-like heading: it stands apart from the body around it. */
  lead?: true;
  text: string;
  /** Offsets of each sentence within `text`, as [start, end) pairs flattened. */
  sentences: number[];
}

export interface PassageOptions {
  /** A paragraph longer than this is cut into windows of whole sentences. */
  maxChars: number;
  /** Paragraphs shorter than this are joined to the next one under the same heading. */
  minChars: number;
  /** A heading at least this long reads as a sentence and becomes a passage of its own. */
  sentenceHeadingChars: number;
}

export const DEFAULT_PASSAGE_OPTIONS: PassageOptions = { maxChars: 600, minChars: 120, sentenceHeadingChars: 60 };

/** Splits an article's body into passages along sentence boundaries; each knows its heading and position. */
export function splitArticle(
  article: Article,
  articleIndex: number,
  options: PassageOptions = DEFAULT_PASSAGE_OPTIONS,
): Passage[] {
  const out: Passage[] = [];
  const push = (heading: string | undefined, text: string, spans: Array<[number, number]>, lead = false) => {
    const p: Passage = { article: articleIndex, position: out.length, text, sentences: spans.flat() };
    if (heading) p.heading = heading;
    if (lead) p.lead = true;
    out.push(p);
  };
  // The standfirst summarises the article: it is searchable and quotable like any passage.
  if (article.standfirst) push(undefined, article.standfirst, sentenceSpans(article.standfirst), true);
  for (const section of article.sections) {
    // A sub-heading that reads as a sentence (as in scraped news) is a passage of its own.
    if (section.heading && section.heading.length >= options.sentenceHeadingChars)
      push(section.heading, section.heading, sentenceSpans(section.heading), true);
    // Short paragraphs joined into one passage keep their own sentence ends: a list item or a
    // one-line paragraph without a final point must not run into the next.
    let carry = '';
    let carrySpans: Array<[number, number]> = [];
    for (const [i, paragraph] of section.paragraphs.entries()) {
      const at = carry ? carry.length + 1 : 0;
      const text = carry ? `${carry} ${paragraph}` : paragraph;
      const spans = [...carrySpans, ...sentenceSpans(paragraph).map(([s, e]): [number, number] => [s + at, e + at])];
      const isLast = i === section.paragraphs.length - 1;
      if (text.length < options.minChars && !isLast) {
        carry = text;
        carrySpans = spans;
        continue;
      }
      carry = '';
      carrySpans = [];
      if (text.length <= options.maxChars || spans.length <= 1) {
        push(section.heading, text, spans);
        continue;
      }
      for (const window of sentenceWindows(spans, options.maxChars)) {
        const [from, to] = [window[0]![0], window[window.length - 1]![1]];
        push(
          section.heading,
          text.slice(from, to),
          window.map(([s, e]) => [s - from, e - from]),
        );
      }
    }
    if (carry) push(section.heading, carry, carrySpans);
  }
  return out;
}

/** Groups consecutive sentences into windows of at most `maxChars` (a longer sentence stands alone). */
function sentenceWindows(spans: Array<[number, number]>, maxChars: number): Array<Array<[number, number]>> {
  const total = spans[spans.length - 1]![1] - spans[0]![0];
  // Even windows read better than a full one followed by a scrap.
  const target = total / Math.ceil(total / maxChars);
  const windows: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  for (const span of spans) {
    const start = current[0]?.[0] ?? span[0];
    if (current.length > 0 && span[1] - start > maxChars) {
      windows.push(current);
      current = [];
    }
    current.push(span);
    if (current[current.length - 1]![1] - current[0]![0] >= target) {
      windows.push(current);
      current = [];
    }
  }
  if (current.length > 0) windows.push(current);
  return windows;
}
