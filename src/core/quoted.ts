/**
 * Quoted phrases: words a question puts in double quotes are words the asker saw written (a
 * title, a remark), so an article that holds them as written, stopwords and all, is likely the one
 * read. The index drops stopwords, so a title like "It" or words like "all at once" cannot be matched there.
 */

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

/** Whether `text` holds one of the phrases as whole words, in the case written. */
export function holdsPhrase(text: string, phrases: readonly string[]): boolean {
  if (phrases.length === 0) return false;
  const words = ` ${normalise(text)} `;
  return phrases.some((p) => words.includes(` ${p} `));
}
