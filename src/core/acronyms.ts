/**
 * Acronyms a question uses that the archive only writes out: "USCG" for "U.S. Coast Guard". An
 * article that spells an acronym the archive never saw holds the name the question means.
 */

/** Short words a name's acronym may pass over or take the initial of ("Department of Defense" is DOD or DD). */
const LINKS = new Set(['of', 'and', 'for', 'the', 'on', 'in', 'de', 'du', 'la', '&']);

/** The most words an acronym's letters may spread over, beyond one a letter. */
const EXTRA_WORDS = 3;

const WORD = /[\p{L}&][\p{L}\p{M}'’.-]*/gu;

/** Whether a word as asked reads as an acronym: two to six capitals, points between them allowed. */
export function isAcronym(word: string): boolean {
  return /^(?:\p{Lu}\.?){2,6}$/u.test(word) && !/^\p{Lu}\p{Ll}/u.test(word);
}

/**
 * The words of `text` whose initials spell `acronym`, as written there ("U.S. Coast Guard" for
 * "USCG"; a run of initials gives each of its letters), or undefined when no run of capitalised
 * words spells it.
 */
export function spelledOut(acronym: string, text: string): string | undefined {
  if (!isAcronym(acronym)) return undefined;
  const letters = acronym.replace(/\./g, '').toUpperCase();
  const words = [...text.matchAll(WORD)].map((m) => ({
    word: m[0].replace(/[.'’-]+$/, ''),
    start: m.index,
    end: m.index + m[0].length,
  }));
  /** The index of the word after a spelling of letters[at..] that starts at word i, else -1. */
  const spell = (i: number, at: number, budget: number): number => {
    if (at === letters.length) return i;
    if (i >= words.length || budget < 0) return -1;
    const { word } = words[i]!;
    const initials = /^(?:\p{Lu}\.)+\p{Lu}?$/u.test(words[i]!.word + '.') ? word.replace(/\./g, '') : word[0]!;
    if (/^\p{Lu}/u.test(word) && letters.startsWith(initials.toUpperCase(), at)) {
      const next = spell(i + 1, at + initials.length, budget);
      if (next >= 0) return next;
    }
    // A link word inside the name ("Bureau of Investigation") may give its initial or none.
    if (at > 0 && LINKS.has(word.toLowerCase())) {
      if (word[0]!.toUpperCase() === letters[at]) {
        const next = spell(i + 1, at + 1, budget);
        if (next >= 0) return next;
      }
      return spell(i + 1, at, budget - 1);
    }
    return -1;
  };
  for (let i = 0; i < words.length; i++) {
    if (words[i]!.word[0]!.toUpperCase() !== letters[0]) continue;
    const end = spell(i, 0, EXTRA_WORDS);
    // Its own letters as one word ("USCG" in the text) are no spelling out.
    if (end > i + 1) return text.slice(words[i]!.start, words[end - 1]!.start + words[end - 1]!.word.length);
  }
  return undefined;
}
