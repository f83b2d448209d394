/**
 * A name a quote gives only in part. News gives a person's whole name once ("Actor Derek Mears
 * has a big hockey mask to fill") and the surname after ("Mears was cast as Jason"): a quote that
 * answers "who" from the later sentence names nobody a reader can place. This finds, for a bare
 * capitalised word of the quote, the article's earlier sentence that gave the whole name, so the
 * excerpt can quote it too.
 */
import { ENGLISH_ABBREVIATIONS } from './abbreviations.js';
import { NOT_NAMES } from './answer-type.js';
import { DEFAULT_SENTENCE_OPTIONS } from './sentences.js';

// Words that stand before a name without being part of it, and words capitalised by habit: the
// words that open sentences, the ones never a name asked for (answer-type.ts), the titles the
// sentence splitter knows ("Sen.", "Gen."), and titles written out.
const NOT_NAME = new Set([
  ...DEFAULT_SENTENCE_OPTIONS.openers,
  ...NOT_NAMES,
  ...ENGLISH_ABBREVIATIONS.before.map((w) => w.toLowerCase()),
  ...['st', 'president', 'minister', 'senator', 'governor', 'judge', 'king', 'queen', 'prince', 'pope', 'chief'],
]);

const WORD_CHAR = /[\p{L}'’.-]/u;
/** The word just before offset `at` of `text`, across white space only (undefined when none is). */
function wordBefore(text: string, at: number): string | undefined {
  let end = at;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\n' || text[end - 1] === '\t')) end--;
  if (end === at) return undefined;
  let start = end;
  while (start > 0 && WORD_CHAR.test(text[start - 1]!)) start--;
  return start < end ? text.slice(start, end) : undefined;
}
const isCapital = (w: string) => /^\p{Lu}/u.test(w);
/** A word as a name: possessive and trailing points dropped ("Mears's" → "Mears"). */
const bare = (w: string) => w.replace(/['’]s?$|\.+$/u, '');
/** A name: a capital, then a small letter (no acronyms), as a word of its own. */
const NAME = /(?<![\p{L}'’.-])\p{Lu}\p{Ll}[\p{L}'’.-]*/gu;
// The word after a point in a text, across white space only.
const WORD_AFTER = /^\s+([\p{L}][\p{L}'’.-]*)/u;
/** Whether `word` is a capitalised word that may be part of a name (no title or function word). */
const namePart = (word: string | undefined) =>
  word !== undefined && isCapital(word) && !NOT_NAME.has(bare(word).toLowerCase());

/**
 * Capitalised words of `text` that stand alone (no capitalised word beside them), are not words
 * the question uses (`asked`, lower-cased), not titles or function words and not acronyms: the
 * surnames a quote may name someone by, in their order, as written.
 */
export function bareNames(text: string, asked: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(NAME)) {
    const name = bare(m[0]);
    const lower = name.toLowerCase();
    if (name.length < 3 || NOT_NAME.has(lower) || asked.has(lower) || out.includes(name)) continue;
    // A capitalised neighbour (no title or function word) across a space: a longer name, given whole.
    const at = m.index;
    if (namePart(wordBefore(text, at))) continue;
    if (namePart(WORD_AFTER.exec(text.slice(at + m[0].length, at + m[0].length + 40))?.[1])) continue;
    out.push(name);
  }
  return out;
}

/** Whether `sentence` gives `name` whole: a capitalised word that is no title or function word just before it. */
export function givesWhole(sentence: string, name: string): boolean {
  for (let at = sentence.indexOf(name); at >= 0; at = sentence.indexOf(name, at + 1)) {
    // The name as a word: no letter runs on into it from either side.
    if (at > 0 && WORD_CHAR.test(sentence[at - 1]!)) continue;
    if (/\p{L}/u.test(sentence[at + name.length] ?? '')) continue;
    if (namePart(wordBefore(sentence, at))) return true;
  }
  return false;
}

/** A passage before the quote: its key, how many of its sentences come before the quote (Infinity: all), and its text and sentence bounds when read. */
export interface EarlierPassage<P> {
  key: P;
  before: number;
  read(): [string, readonly number[]];
}

/**
 * The first sentence before the quote (of `passages`, in the article's order) that gives whole a
 * name the quote's answering sentence holds only bare; undefined when the quote names everyone
 * whole or the article never did. `mayHold` passes over a passage without reading its text when
 * it holds none of the names (it gets them as written).
 */
export function nameIntroduction<P>(
  quote: string,
  /** The quote's sentence that answers: the names looked for are its bare ones. */
  answering: string,
  asked: ReadonlySet<string>,
  passages: Iterable<EarlierPassage<P>>,
  mayHold: (key: P, names: readonly string[]) => boolean = () => true,
): [P, number] | undefined {
  const names = bareNames(answering, asked).filter((n) => !givesWhole(quote, n));
  if (names.length === 0) return undefined;
  for (const { key, before, read } of passages) {
    if (before === 0 || !mayHold(key, names)) continue;
    const [text, bounds] = read();
    if (!names.some((n) => text.includes(n))) continue;
    for (let k = 0; k < Math.min(before, bounds.length / 2); k++) {
      const sentence = text.slice(bounds[2 * k], bounds[2 * k + 1]);
      if (names.some((n) => givesWhole(sentence, n))) return [key, k];
    }
  }
  return undefined;
}
