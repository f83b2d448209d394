/**
 * Quoted phrases: words a question puts in double quotes are words the asker saw written (a
 * title, a remark), so an article that holds them as written, stopwords and all, is likely the one
 * read. The index drops stopwords, so a title like "It" or words like "all at once" cannot be matched there.
 */
import type { AnswerIndex } from './answerIndex.js';
import { tokenize } from './text.js';

/** A quoted phrase as matched: its words' letters and digits, joined by single spaces. */
function normalise(text: string): string {
  return text
    .replace(/[\u2018\u2019`]/g, "'")
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

/** Characters of a word in a quoted phrase (normalise keeps them; curly apostrophes become straight). */
const WORD_CHAR = "\\p{L}\\p{N}'\u2018\u2019`";

/** A word character just before `at` (a whole word starts there only when none is). */
const WORD_BEFORE = new RegExp(`[${WORD_CHAR}]$`, 'u');

/**
 * A test for texts holding one of the phrases as whole words, in the case written: what
 * `normalise(text)` holding ` phrase ` means, without making a normalised copy of every text
 * (the answer path tests every passage of up to 30 articles: copying them took 14 ms a quoted
 * question). The phrase's first word (up to an apostrophe, which may be curly in the text) is
 * found with indexOf, and only the stretch of text from there is normalised and compared. A
 * regular expression of the phrase's words took 20-55 ms on a long quote, mostly to compile
 * its Unicode classes.
 */
export function phraseMatcher(phrases: readonly string[]): (text: string) => boolean {
  const tests = phrases.map((phrase) => {
    const wanted = ` ${phrase} `;
    const anchor = phrase.split(' ')[0]!.split("'")[0]!;
    if (!anchor) return (text: string) => ` ${normalise(text)} `.includes(wanted);
    // As far as the phrase can reach in the text: its separators may be longer than one space.
    const reach = phrase.length * 2 + 32;
    return (text: string) => {
      for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1)) {
        if (at > 0 && WORD_BEFORE.test(text.slice(Math.max(0, at - 2), at))) continue;
        if (` ${normalise(text.slice(at, at + reach))} `.startsWith(wanted)) return true;
      }
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
