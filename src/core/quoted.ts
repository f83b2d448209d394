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

/**
 * A test for texts holding one of the phrases as whole words, in the case written: what
 * `normalise(text)` holding ` phrase ` means, without making a normalised copy of every text
 * (the answer path tests every passage of up to 30 articles: copying them took 14 ms a quoted question).
 */
export function phraseMatcher(phrases: readonly string[]): (text: string) => boolean {
  if (phrases.length === 0) return () => false;
  const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['\u2018\u2019`]");
  const source = phrases.map((p) => p.split(' ').map(escape).join(`[^${WORD_CHAR}]+`)).join('|');
  const pattern = new RegExp(`(?<![${WORD_CHAR}])(?:${source})(?![${WORD_CHAR}])`, 'u');
  return (text) => pattern.test(text);
}

/** Whether `text` holds one of the phrases as whole words, in the case written. */
export function holdsPhrase(text: string, phrases: readonly string[]): boolean {
  return phraseMatcher(phrases)(text);
}

/**
 * Whether article a (its passages or its title) holds one of the phrases, kept per article. The
 * index first turns away an article missing one of a phrase's inner words (not its first or last,
 * which an alias running past the phrase's edge may have merged into another term, nor an alias
 * group's term), so only the few that hold them all have their text read (a quoted question read
 * every passage of 30 articles: 4.1 ms against 2.7 for the others, on MultiHop-RAG).
 */
export function articleQuoting(
  index: AnswerIndex,
  phrases: readonly string[],
  texts: (p: number) => string,
): (a: number) => boolean {
  const each = phrases.map((phrase) => {
    const tokens = tokenize(phrase, index.aliases).map((t) => t.term);
    const inner = tokens.slice(1, -1).filter((t) => !t.startsWith('_'));
    return { holds: phraseMatcher([phrase]), inner: [...new Set(inner)] };
  });
  const held = new Map<number, boolean>();
  return (a) => {
    let found = held.get(a);
    if (found !== undefined) return found;
    found = false;
    const [from, to] = index.passageRange(a);
    for (const { holds, inner } of each) {
      if (inner.length > 0 && index.articleHolds(a, inner).size < inner.length) continue;
      found = holds(index.article(a).title);
      for (let p = from; p < to && !found; p++) found = holds(texts(p));
      if (found) break;
    }
    held.set(a, found);
    return found;
  };
}
