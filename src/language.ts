import type { Language } from './core/aliases.js';
import { ENGLISH_WORDS, warmEnglishWords } from './englishWords.js';
import { TERM_VECTORS, warmTermVectors } from './termVectors.js';

/** The language data the core reads, passed in with the aliases: the English word list and the word vectors. */
export const LANGUAGE: Language = { englishWords: ENGLISH_WORDS, termVectors: TERM_VECTORS };

/** Loads the language data now rather than at the first question that needs it (a serving process, as it warms up). */
export function warmLanguage(): void {
  warmEnglishWords();
  warmTermVectors();
}
