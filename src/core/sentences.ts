/**
 * Sentence boundaries from the platform's Unicode segmenter (ICU, UAX #29), with one repair:
 * ICU ends a sentence after every abbreviation point ("Mr.", "U.S.", "Jan."), so a break that
 * follows a known abbreviation or an initial is joined back.
 */
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// Domain data: abbreviations that end with a point but rarely end a sentence.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'gen', 'col', 'lt', 'maj', 'capt', 'cmdr', 'sgt',
  'gov', 'sen', 'rep', 'pres', 'rev', 'hon', 'mt', 'ft', 'no', 'nos', 'vs', 'etc', 'inc', 'ltd',
  'co', 'corp', 'dept', 'est', 'approx', 'fig', 'vol', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'e.g', 'i.e', 'u.s', 'u.k', 'u.n', 'a.m', 'p.m',
]);

function endsWithAbbreviation(sentence: string): boolean {
  const m = /(?:^|[\s(“"'])((?:[A-Za-z]\.)*[A-Za-z]+)\.\s*$/.exec(sentence);
  if (!m) return false;
  const word = m[1]!;
  // "J." in "J. Smith" or "U.S." style initials.
  if (word.length === 1 && /[A-Z]/.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** Start and end offsets of each sentence of `text`, trimmed of surrounding white space. */
export function sentenceSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let pendingStart = -1;
  for (const { segment, index } of segmenter.segment(text)) {
    const start = pendingStart >= 0 ? pendingStart : index;
    const end = index + segment.length;
    // Join when this piece ends in an abbreviation and the next starts in lower case or a digit.
    const next = text.slice(end).trimStart();
    if (endsWithAbbreviation(segment) && next.length > 0 && /^[\p{Ll}\d]/u.test(next)) {
      pendingStart = start;
      continue;
    }
    if (endsWithAbbreviation(segment) && next.length > 0 && /^(?:[A-Z]\.|[A-Z][a-z]+)/.test(next) && isTitleOrInitial(segment)) {
      pendingStart = start;
      continue;
    }
    pendingStart = -1;
    pushTrimmed(text, start, end, spans);
  }
  if (pendingStart >= 0) pushTrimmed(text, pendingStart, text.length, spans);
  return spans;
}

// Titles and initials bind to the name that follows ("Dr. Smith", "J. Smith"); a month does not.
function isTitleOrInitial(segment: string): boolean {
  return /(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|Gen|Col|Lt|Maj|Capt|Sgt|Gov|Sen|Rep|Rev|St|Mt|[A-Z])\.\s*$/.test(segment);
}

function pushTrimmed(text: string, start: number, end: number, out: Array<[number, number]>): void {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) out.push([start, end]);
}

/** The sentences of `text`. */
export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map(([s, e]) => text.slice(s, e));
}
