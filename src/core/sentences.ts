/**
 * Sentence boundaries from the platform's Unicode segmenter (ICU, UAX #29), with repairs where
 * ICU breaks too eagerly: after every abbreviation point ("Sen.", "U.S.", "Jan.", "J.") and after
 * a "?" or "!" that a lower-case word continues ("“Why?” he asked.").
 */
import { eng } from 'stopword/src/stopwords_eng.js';
import { ENGLISH_ABBREVIATIONS, type AbbreviationData } from './abbreviations.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

export interface SentenceOptions {
  abbreviations: AbbreviationData;
  /**
   * Lower-case words that open sentences (function words): after a short form that may end a
   * sentence ("…in the U.S. But…"), the next sentence starts when it starts with one of these.
   */
  openers: ReadonlySet<string>;
}

/** English: the abbreviation data and the `stopword` package's English list plus a few sentence openers it lacks. */
export const DEFAULT_SENTENCE_OPTIONS: SentenceOptions = {
  abbreviations: ENGLISH_ABBREVIATIONS,
  openers: new Set([
    ...eng,
    ...['she', 'its', 'when', 'however', 'meanwhile', 'although', 'though', 'so', 'yet', 'until', 'once', 'instead'],
    ...[
      'during',
      'despite',
      'according',
      'even',
      'just',
      'why',
      'whether',
      'not',
      'no',
      'today',
      'yesterday',
      'last',
      'earlier',
      'later',
    ],
  ]),
};

type Binding = 'before' | 'either' | null;

/** Per options object: the lists as sets, built once. */
const lookup = new WeakMap<AbbreviationData, { before: Set<string>; either: Set<string> }>();

function bindingOf(word: string, data: AbbreviationData): Binding {
  let sets = lookup.get(data);
  if (!sets) lookup.set(data, (sets = { before: new Set(data.before), either: new Set(data.either) }));
  if (sets.before.has(word)) return 'before';
  // Listed forms, runs of initials ("U.S", "a.m", "J.R.R") and single capital initials ("J").
  if (sets.either.has(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word) || /^\p{Lu}$/u.test(word)) return 'either';
  return null;
}

// Initials alone in quotes at the end: the “A.J.” of "Ashley “A.J.”".
const QUOTED_INITIALS = /(?:^|\s)["“'‘](?:\p{Lu}\.){2,}["”'’]$/u;
// The word before a final point, with any inner points: "U.S" of "…the U.S.", "Sen" of "Sen.".
const LAST_WORD = /(?:^|[^\p{L}\p{N}.'’])((?:\p{L}\.)*\p{L}+)\.$/u;

/** Whether the sentence ICU ended with `segment` goes on in `rest` (the text after it). */
function continues(segment: string, rest: string, options: SentenceOptions): boolean {
  // A line break ends a sentence (list items, headings on their own line).
  if (/\n\s*$/.test(segment) || rest === '') return false;
  // A sentence never opens in lower case: "“Why?” he asked", "e.g. the border".
  if (/^\p{Ll}/u.test(rest)) return true;
  const last = segment.trimEnd();
  // Initials quoted as a nickname ("Ashley “A.J.” Jewell") go on into the name they stand in.
  if (QUOTED_INITIALS.test(last)) return continuesName(rest, options);
  const m = LAST_WORD.exec(last);
  if (!m) return false;
  const binding = bindingOf(m[1]!, options.abbreviations);
  if (binding === 'before') return /^[\p{L}\p{N}"“'‘(]/u.test(rest);
  if (binding !== 'either') return false;
  if (/^\p{N}/u.test(rest)) return true;
  return continuesName(rest, options);
}

/** Whether `rest`, after an initial or a short form, goes on with a name rather than a new sentence. */
function continuesName(rest: string, options: SentenceOptions): boolean {
  const next = /^(\p{Lu}[\p{L}'’-]*)(\.?)/u.exec(rest);
  if (!next) return false;
  // Another initial ("J. R. R. Tolkien") continues the name, even "A." or "I.".
  if (next[1]!.length === 1 && next[2] === '.') return true;
  return !options.openers.has(next[1]!.toLowerCase());
}

/** Start and end offsets of each sentence of `text`, trimmed of surrounding white space. */
export function sentenceSpans(
  text: string,
  options: SentenceOptions = DEFAULT_SENTENCE_OPTIONS,
): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let pendingStart = -1;
  for (const { segment, index } of segmenter.segment(text)) {
    const start = pendingStart >= 0 ? pendingStart : index;
    const end = index + segment.length;
    if (continues(segment, text.slice(end, end + 40), options)) {
      pendingStart = start;
      continue;
    }
    pendingStart = -1;
    pushTrimmed(text, start, end, spans);
  }
  if (pendingStart >= 0) pushTrimmed(text, pendingStart, text.length, spans);
  return spans;
}

function pushTrimmed(text: string, start: number, end: number, out: Array<[number, number]>): void {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) out.push([start, end]);
}

/** The sentences of `text`. */
export function splitSentences(text: string, options: SentenceOptions = DEFAULT_SENTENCE_OPTIONS): string[] {
  return sentenceSpans(text, options).map(([s, e]) => text.slice(s, e));
}
