/**
 * Quoted phrases: words a question puts in double quotes are words the asker saw written (a
 * title, a remark), so an article that holds them as written, stopwords and all, is likely the one
 * read. The index drops stopwords, so a title like "It" or words like "all at once" cannot be matched there.
 */
import type { AnswerIndex } from './answerIndex.js';
import { OTHER_APOSTROPHE, OTHER_APOSTROPHES, tokenize } from './text.js';

/** A quoted phrase as matched: its words' letters and digits, joined by single spaces. */
function normalise(text: string): string {
  return text
    .replace(OTHER_APOSTROPHE, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

/** The phrases a question quotes in double quotes (straight or curly), normalised, longest first. */
export function quotedPhrases(question: string): string[] {
  const out: string[] = [];
  for (const m of question.matchAll(/["\u201c\u201d]([^"\u201c\u201d]{1,200})["\u201c\u201d]/g)) {
    const phrase = normalise(m[1]!);
    if (/[\p{L}\p{N}]/u.test(phrase)) out.push(phrase);
  }
  return out.sort((x, y) => y.length - x.length);
}

/** Apostrophes a text may hold where a phrase, normalised, has a straight one. */
const APOSTROPHES = `'${OTHER_APOSTROPHES}`;

/** A letter or digit: with an apostrophe, what `normalise` keeps of a word. Tested one character at a time. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Whether the character of `text` at `i` belongs to a word (`normalise` keeps it). */
function wordCharAt(text: string, i: number): boolean {
  const c = text[i]!;
  return APOSTROPHES.includes(c) || LETTER_OR_DIGIT.test(c);
}

/**
 * Whether `text` holds the normalised `phrase` as whole words from `at`: its letters as written,
 * an apostrophe for any of the text's apostrophes, and each space for a run of characters that
 * `normalise` drops. The same as `normalise(text)` holding ` phrase ` there, without a copy.
 */
function phraseAt(text: string, at: number, phrase: string): boolean {
  if (at > 0 && wordCharAt(text, at - 1)) return false;
  let i = at;
  for (let j = 0; j < phrase.length; j++) {
    const want = phrase[j]!;
    if (want === ' ') {
      const from = i;
      while (i < text.length && !wordCharAt(text, i)) i++;
      if (i === from || i === text.length) return false;
    } else if (want === "'" ? !APOSTROPHES.includes(text[i] ?? '') : text[i] !== want) return false;
    else i++;
  }
  return i === text.length || !wordCharAt(text, i);
}

/**
 * A test for texts holding one of the phrases as whole words, in the case written: what
 * `normalise(text)` holding ` phrase ` means, without making a normalised copy of every text
 * (the answer path tests every passage of up to 30 articles: copying them took 14 ms a quoted
 * question). Each place the phrase's first word (up to an apostrophe, which may be curly in the
 * text) starts is found with indexOf and walked a character at a time. Normalising the text from
 * each such place took 9 ms a question for a quote starting with "the"; a regular expression of
 * the phrase's words took 20-55 ms on a long quote, mostly to compile its Unicode classes.
 */
export function phraseMatcher(phrases: readonly string[]): (text: string) => boolean {
  const tests = phrases.map((phrase) => {
    const wanted = ` ${phrase} `;
    const anchor = phrase.split(' ')[0]!.split("'")[0]!;
    if (!anchor) return (text: string) => ` ${normalise(text)} `.includes(wanted);
    // The phrase's three longest words, as a text must hold them: a cheap first test when the
    // first word is a common one ("the") that starts many places.
    const longest = [...new Set(phrase.split(/[ ']/))].sort((x, y) => y.length - x.length).slice(0, 3);
    return (text: string) => {
      if (!longest.every((word) => text.includes(word))) return false;
      for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1))
        if (phraseAt(text, at, phrase)) return true;
      return false;
    };
  });
  return (text) => tests.some((test) => test(text));
}

/**
 * Whether article a (its passages or its title) holds one of the phrases, kept per article. The
 * index first turns away an article, then each passage, missing one of a phrase's indexed words
 * (stopwords are not indexed; an alias group's term is left out, since an alias running past the
 * phrase's edge may have merged a word into another term), so only passages that hold them all have
 * their text read. Reading every passage of 30 articles, a quoted question (120 of MultiHop-RAG's
 * 2,255) took 18.7 ms over SQLite against 6.8 for the others; 8.3 against 4.8 so.
 */
export function articleQuoting(
  index: AnswerIndex,
  phrases: readonly string[],
  texts: (p: number) => string,
): (a: number) => boolean {
  const each = phrases.map((phrase) => {
    const terms = tokenize(phrase, index.aliases)
      .map((t) => t.term)
      .filter((t) => !t.startsWith('_'));
    return { holds: phraseMatcher([phrase]), terms: [...new Set(terms)] };
  });
  const held = new Map<number, boolean>();
  return (a) => {
    let found = held.get(a);
    if (found !== undefined) return found;
    found = false;
    const [from, to] = index.passageRange(a);
    for (const { holds, terms } of each) {
      if (terms.length > 0 && index.articleHolds(a, terms).size < terms.length) continue;
      found = holds(index.article(a).title);
      for (let p = from; p < to && !found; p++)
        if (terms.length === 0 || index.passageHolds(p, terms).size === terms.length) found = holds(texts(p));
      if (found) break;
    }
    held.set(a, found);
    return found;
  };
}
