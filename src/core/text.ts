import stemWord from 'wink-porter2-stemmer';
// WordNet's irregular forms only, through wink-lexicon (wink-lemmatizer's data): the stemmer
// already meets the regular ones, and the whole lemmatizer takes half a second to load.
import irregularVerbs from 'wink-lexicon/src/wn-verb-exceptions.js';
import irregularNouns from 'wink-lexicon/src/wn-noun-exceptions.js';
// The English list alone: the package's main module holds every language's list (about 9 MB of RSS at start).
import { eng } from 'stopword/src/stopwords_eng.js';
import type { AliasTable } from './aliases.js';

/** A word of the text with where it stands, before and after normalisation. */
export interface Token {
  /** Index term: a Porter2 stem, or an alias group's canonical term (which starts with "_"). */
  term: string;
  start: number;
  end: number;
}

/**
 * Words that carry no topic in a question. The `stopword` package's English list, plus the
 * question words and fillers people put around a question in chat.
 */
const QUESTION_FILLER = [
  'when',
  'why',
  'whom',
  'whose',
  'does',
  'doing',
  'done',
  'tell',
  'please',
  'know',
  'anyone',
  'anything',
  'something',
  'someone',
  'us',
  'i',
  'me',
  'yes',
  'no',
  'not',
  'nor',
  'so',
  'just',
  'any',
  'am',
  'being',
  'its',
  "it's",
  'which',
  'what',
  'who',
  'whats',
  'hey',
  'hi',
  'hello',
  'thanks',
  'thank',
  'ok',
  'okay',
  'ever',
  'according',
  'against',
  'during',
  'again',
  'further',
  'once',
  'own',
  'few',
  'off',
  'until',
  'above',
  'below',
  'down',
  'per',
  'via',
  'yet',
  'say',
  'says',
  'saying',
  'think',
  'thinks',
  'mean',
  'means',
];
export const STOPWORDS: ReadonlySet<string> = new Set([...eng, ...QUESTION_FILLER]);

/**
 * What people type for an apostrophe besides "'": the typographic ones, a backtick or an accent on
 * its own ("O`Donnell", "Obama´s"). Each folds to "'", so every spelling meets the others (the
 * quoted-phrase match reads the same set).
 */
export const OTHER_APOSTROPHES = '’‘`´ʼ';
/** Any of OTHER_APOSTROPHES, to fold to "'". */
export const OTHER_APOSTROPHE = new RegExp(`[${OTHER_APOSTROPHES}]`, 'g');
/**
 * Initials written with points ("T.I.", "D.C.", "J.K.", "a.m."), each letter alone and all of one
 * case: one word, so "T.I" and "TI" meet them; as separate letters each was dropped as noise.
 */
const INITIALS = String.raw`(?<![\p{L}\p{N}.])(?:\p{Lu}(?:\.\p{Lu}(?![\p{L}\p{N}]))+|\p{Ll}(?:\.\p{Ll}(?![\p{L}\p{N}]))+)\.?`;
const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+`;
/**
 * A number as one word, with its thousands separators and decimals ("1,000", "2.5") and a
 * magnitude glued to it ("2.5bn"); after a currency sign a one-letter magnitude too ("$5B",
 * "£20m", "$40k": money, where "20m" alone may be metres); else a run of letters and digits
 * with its apostrophes.
 */
const WORD = new RegExp(
  String.raw`(?<=[$£€¥])(${NUMBER})([bBtTmM][nN]|[bBmMkK])(?![\p{L}\p{N}])|(${NUMBER})([bBtTmM][nN])?(?![\p{L}\p{N}])|${INITIALS}|[\p{L}\p{N}]+(?:['${OTHER_APOSTROPHES}][\p{L}]+)*`,
  'gu',
);
/** Magnitudes written short, as the word written out: "$2.5bn" and "$2.5B" meet "$2.5 billion". */
const MAGNITUDES: Record<string, string> = {
  bn: 'billion',
  tn: 'trillion',
  mn: 'million',
  b: 'billion',
  m: 'million',
  k: 'thousand',
};
const COMBINING = /\p{M}+/gu;

/** Lower-case and fold diacritics, so "Zōr" and "zor" meet. */
export function foldWord(word: string): string {
  const lower = word.toLowerCase();
  // Most words are plain ASCII; skip the costly normalisation for them.
  if (/^[\x00-\x5f\x61-\x7f]*$/.test(lower)) return lower;
  // Apostrophes first: NFKD would make a lone accent a space and a combining mark.
  const plain = lower.replace(OTHER_APOSTROPHE, "'");
  return /^[\x00-\x7f]*$/.test(plain) ? plain : plain.normalize('NFKD').replace(COMBINING, '');
}

const stemCache = new Map<string, string>();

/** The same stem, not kept: for words made up once, such as a misspelling's candidate spellings. */
export function stemOnce(folded: string): string {
  // The stemmer treats apostrophes itself ("sdf's" → "sdf"): foldWord made every kind "'".
  return stemCache.get(folded) ?? stemWord(americanSpelling(lemma(folded)));
}

/**
 * Words as chat writes them short ("how many ppl"), read as the word: domain data, at index and
 * query time alike. Only shorthand no English word is spelt as ("mil" may be military or million).
 */
const SHORTHAND: ReadonlyMap<string, string> = new Map([
  ['ppl', 'people'],
  ['govt', 'government'],
  ["gov't", 'government'],
  ['dept', 'department'],
  ['intl', 'international'],
  ['natl', 'national'],
  ['prez', 'president'],
  ['approx', 'approximately'],
  ['yrs', 'years'],
  ['hrs', 'hours'],
  ['mins', 'minutes'],
  ['pics', 'pictures'],
  ['vids', 'videos'],
]);

/** A compass adjective is its direction ("southern Syria" is "the south of Syria"): domain data, eight words. */
const COMPASS_ADJECTIVES = /^((?:north|south)(?:east|west)?|east|west)ern$/;

/**
 * British and American spellings meet before stemming ("neutralised" = "neutralized",
 * "defence" = "defense"). The rewrite runs on both sides of every match, so a word it changes
 * needlessly ("promise" → "promize") still only meets itself.
 */
export function americanSpelling(word: string): string {
  if (word.length < 6) return word;
  return word
    .replace(/([a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$/, '$1iz$2')
    .replace(/([a-z]{2})ys(e|ed|es|ing)$/, '$1yz$2')
    .replace(/([a-z]{3})our(s|ed|ing|ite|ites|able)?$/, '$1or$2')
    .replace(/^(defen|offen|licen)ce(s)?$/, '$1se$2');
}

/**
 * The base form of an irregular verb or noun ("fled" → "flee", "ran" → "run", "children" →
 * "child"), else the word itself: what a stemmer cannot see.
 */
export function lemma(folded: string): string {
  const compass = COMPASS_ADJECTIVES.exec(folded);
  if (compass) return compass[1]!;
  if (!Object.hasOwn(irregularVerbs, folded) && !Object.hasOwn(irregularNouns, folded)) return folded;
  return (Object.hasOwn(irregularVerbs, folded) ? irregularVerbs[folded] : irregularNouns[folded]) ?? folded;
}

/** Every irregular form with its base form, for spelling correction ("childern" is near "children"). */
export function irregularForms(): ReadonlyArray<[form: string, base: string]> {
  irregularList ??= [...Object.entries(irregularVerbs), ...Object.entries(irregularNouns)];
  return irregularList;
}
let irregularList: Array<[string, string]> | undefined;

/** Porter2 stem of a folded word's lemma, cached: the corpus repeats a small vocabulary a million times. */
export function stem(folded: string): string {
  const cached = stemCache.get(folded);
  if (cached !== undefined) return cached;
  const s = stemOnce(folded);
  if (stemCache.size > 200_000) stemCache.clear();
  stemCache.set(folded, s);
  return s;
}

interface RawWord {
  text: string;
  folded: string;
  start: number;
  end: number;
}

/** The words of a text as the index reads them (before aliases and stopwords), with offsets. */
export function rawWords(text: string): RawWord[] {
  const out: RawWord[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index ?? 0;
    const number = m[1] ?? m[3];
    if (number !== undefined) {
      // "1,000" is 1000; a magnitude glued on is a word of its own.
      const magnitude = m[2] ?? m[4];
      out.push({ text: number, folded: number.replace(/,/g, ''), start, end: start + number.length });
      if (magnitude)
        out.push({
          text: magnitude,
          folded: MAGNITUDES[magnitude.toLowerCase()]!,
          start: start + number.length,
          end: start + m[0].length,
        });
      continue;
    }
    // Initials keep their points folded ("u.s"), so the pronoun "us" never meets "U.S."; the
    // term drops them (see tokenize).
    if (m[0][1] === '.') {
      out.push({ text: m[0], folded: foldWord(m[0]).replace(/\.$/, ''), start, end: start + m[0].length });
      continue;
    }
    // Possessives fold away, so "Jazeera Storm’s" still meets the alias "Jazeera Storm".
    out.push({ text: m[0], folded: foldWord(m[0]).replace(/'s$/, ''), start, end: start + m[0].length });
  }
  return out;
}

/**
 * Splits text into index terms with offsets: words folded, alias phrases merged into their
 * group's canonical term, stopwords dropped, the rest stemmed. Index and query use this same
 * function, so both sides always agree.
 */
export function tokenize(text: string, aliases?: AliasTable): Token[] {
  const words = rawWords(text);
  const out: Token[] = [];
  for (let i = 0; i < words.length;) {
    const w = words[i]!;
    const hit = aliases?.match(words, i);
    if (hit) {
      out.push({ term: hit.term, start: w.start, end: words[i + hit.length - 1]!.end });
      i += hit.length;
      continue;
    }
    i++;
    const bare = SHORTHAND.get(w.folded) ?? w.folded;
    if (STOPWORDS.has(bare) || STOPWORDS.has(foldWord(w.text))) continue;
    // The Arabic article of a name ("al-Baghdadi", "el-Sisi") says no more than "the": the name
    // after it does. Left in, it met every other "al-" name (a question's misspelt "al-Bagdadi"
    // quoted "al-Salihiyya").
    if ((bare === 'al' || bare === 'el') && text[w.end] === '-') continue;
    // A single letter is noise, but keep single digits: "5 leaders" can be the answer.
    if (bare.length < 2 && !/\d/.test(bare)) continue;
    // Numbers stay as written ("2.5"): a stemmer has nothing to take from them. Initials are
    // their letters ("t.i" is "ti").
    const term = /^[\d.]+$/.test(bare) ? bare : bare[1] === '.' ? bare.replace(/\./g, '') : stem(bare);
    out.push({ term, start: w.start, end: w.end });
  }
  return out;
}

/** Just the terms of `tokenize`, for the index. */
export function terms(text: string, aliases?: AliasTable): string[] {
  return tokenize(text, aliases).map((t) => t.term);
}

export type { RawWord };

/**
 * The word of an article that makes an index term, as written: the first one mid-sentence if
 * any (a capital there marks a name, where a sentence's first word has one anyway), else the first.
 */
export function surfaceIn(
  term: string,
  passages: Iterable<{ text: string; tokens: readonly Token[] }>,
): string | undefined {
  let first: string | undefined;
  for (const { text, tokens } of passages) {
    for (const t of tokens) {
      if (t.term !== term) continue;
      const word = text.slice(t.start, t.end);
      if (/[\p{L}\p{N},;]\s*$/u.test(text.slice(Math.max(0, t.start - 3), t.start))) return word;
      first ??= word;
    }
  }
  return first;
}

/**
 * `source`'s characters [from, from + length) against `term`, as `<` orders strings (negative,
 * zero or positive), without slicing them out: a binary search over sorted words packed in one
 * string (derived.ts, meaning.ts) compares at every probe.
 */
export function compareSlice(source: string, from: number, length: number, term: string): number {
  const n = Math.min(length, term.length);
  for (let i = 0; i < n; i++) {
    const d = source.charCodeAt(from + i) - term.charCodeAt(i);
    if (d !== 0) return d;
  }
  return length - term.length;
}
