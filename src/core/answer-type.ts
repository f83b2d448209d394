/**
 * The expected answer: what kind of thing a question asks for (a time, a number, a name, a place),
 * read from its question word, and whether a sentence holds one the question does not already
 * name. Cheap regular expressions over the sentence text: they run for every sentence considered
 * on the answer path, where loading an NLP model would cost more than the whole answer.
 */
export type AnswerType = 'time' | 'number' | 'name' | 'place';

/** A question asking who: its answer is a person. */
const ASKS_WHO = /\b(who|whom|whose)\b/i;

/** Whether a question asks who (not which or what): its answer is a person, named whole once in a news story. */
export const asksWho = (question: string): boolean => ASKS_WHO.test(question);

const ASKS: Array<[RegExp, AnswerType]> = [
  [/\b(when|what (year|date|day|time|month)|which (year|date|day|month)|on what (day|date)|how long ago)\b/i, 'time'],
  [
    /\b(how (many|much|long|far|old|big|large|tall|high|fast|often)|number of|what (age|percentage|percent|amount))\b/i,
    'number',
  ],
  [
    /\b(where|what (country|city|state|town|place|region|area|nation)|which (country|city|state|town|place|region|area|nation)|in what)\b/i,
    'place',
  ],
  [ASKS_WHO, 'name'],
  [/\bwhich\b/i, 'name'],
];

/** The kind of answer a question asks for, from its question word; null when it does not say. */
export function expectedAnswer(question: string): AnswerType | null {
  for (const [re, type] of ASKS) if (re.test(question)) return type;
  return null;
}

// An explanation or a report of words: the answer goes on from the sentence that names its subject.
const CONTINUES =
  /\b(why|how come|for what (reason|purpose)|what (is|was|are|were) the (reasons?|causes?|purpose|objectives?|aims?|goals?)|what did .{1,60}\b(say|says|said|tweet|tweeted|write|wrote|tell|told|announce|claim|post))\b/i;

/** Whether the question asks why, or what someone said: its answer continues the sentence it echoes. */
export function asksContinuation(question: string): boolean {
  return CONTINUES.test(question);
}

const MONTH =
  'jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?';
const DAY = '(mon|tues|wednes|thurs|fri|satur|sun)day';
const TIME = new RegExp(
  `\\b(${MONTH}|${DAY}|(1[5-9]|20)\\d\\d|\\d{1,2}(:\\d\\d)? ?[ap]\\.?m\\b|\\d+s\\b|yesterday|today|tonight|tomorrow|last (week|month|year|night)|(weeks?|months?|years?|days?|decades?) (ago|later|earlier)|century|morning|afternoon|evening|night|weekend|spring|summer|autumn|fall|winter)`,
  'i',
);
const NUMBER =
  /\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|quarter|first|second|third)\b/i;
/** A capital, and a character of a word after it, each tested where it stands (a character beyond the BMP is two units). */
const CAPITAL = /\p{Lu}/uy;
const WORD_PART = /[\p{L}'’-]/uy;
// What comes before a word that opens a sentence, where a capital says nothing.
const OPENS = /(^|[.!?:]["'”’]?\s+|["“‘(]|--\s*)$/u;
/** The last characters of a word as written that the possessive and trailing punctuation are taken from. */
const TRIMMED_END = new Set([...".'’-s"].map((c) => c.charCodeAt(0)));
/** The ASCII characters that the part of OPENS before its spaces ends with. */
const OPENING = new Set([...'.!?:"\'(-'].map((c) => c.charCodeAt(0)));

/**
 * Whether OPENS holds of the four characters before `start`. Most capitals follow a letter, or a
 * letter and a space, which settles it without the slice and the match (this runs for every
 * capital of every text weighed); anything else goes to OPENS itself.
 */
export function opensBefore(text: string, start: number): boolean {
  const window = Math.max(0, start - 4);
  let j = start - 1;
  while (j >= window && isAsciiSpace(text.charCodeAt(j))) j--;
  if (j >= window) {
    const c = text.charCodeAt(j);
    if (c < 0x80 && !OPENING.has(c)) return false;
  }
  return OPENS.test(text.slice(window, start));
}

/** The ASCII characters \s matches: tab, line feed, vertical tab, form feed, carriage return and space. */
const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Whether `text` holds an answer of `type` beyond the words the question already uses (lower-cased in `asked`). */
export function holdsExpected(text: string, type: AnswerType, asked: ReadonlySet<string>): boolean {
  if (type === 'time') return TIME.test(text) || /\d/.test(text);
  if (type === 'number') return NUMBER.test(text);
  // Each capitalised word (a capital, then letters, apostrophes and hyphens) found by its bounds,
  // an ASCII character at a time and others by the patterns at their place, not as a match
  // object: this runs over the text of every candidate and sentence weighed.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 ? c < 0x41 || c > 0x5a : !matchesAt(CAPITAL, text, i)) continue;
    const start = i;
    let end = c < 0x80 ? i + 1 : CAPITAL.lastIndex;
    for (let d = text.charCodeAt(end); end < text.length; d = text.charCodeAt(end)) {
      if (d >= 0x80) {
        if (!matchesAt(WORD_PART, text, end)) break;
        end = WORD_PART.lastIndex;
      } else if ((d | 0x20) >= 0x61 && (d | 0x20) <= 0x7a) end++;
      else if (d === 0x27 || d === 0x2d) end++;
      else break;
    }
    i = end - 1;
    if (opensBefore(text, start)) continue;
    let word = text.slice(start, end).toLowerCase();
    // Only a word ending in one of these has anything for the pattern to take off.
    if (TRIMMED_END.has(word.charCodeAt(word.length - 1))) word = word.replace(/['’]s$|[.'’-]+$/u, '');
    if (word.length > 1 && !asked.has(word) && !NOT_NAMES.has(word)) return true;
  }
  return false;
}

/** Whether sticky `pattern` matches `text` at `at` (its lastIndex then after the match). */
function matchesAt(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at;
  return pattern.test(text);
}

/** Capitalised words that are never the name asked for: titles and words capitalised by habit. */
export const NOT_NAMES: ReadonlySet<string> = new Set([
  'i',
  'mr',
  'mrs',
  'ms',
  'dr',
  'cnn',
  'the',
  'a',
  'an',
  'he',
  'she',
  'it',
  'they',
  'we',
  'but',
  'and',
  'in',
  'on',
  'at',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
]);

/** What the question asks for, to prefer sentences that hold one. */
export interface Wanted {
  type: AnswerType | null;
  /** The question's words, lower-cased: a name already asked is no answer. */
  asked: ReadonlySet<string>;
}

/** What a question asks for, read once per question for all its results. */
export function wantedBy(question: string): Wanted {
  return { type: expectedAnswer(question), asked: askedWords(question) };
}

/** The question's words, lower-cased, to tell a name the question already uses from a new one. */
export function askedWords(question: string): Set<string> {
  return new Set(question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}
