import { createRequire } from 'node:module';
import type { WordList } from './core/aliases.js';

/**
 * The English word list spelling correction reads (src/core/query.ts isEnglishWord): wink's
 * lexicon, 13,000 common words with their inflected forms. WordNet's 77,000 words took half a
 * second and 40 MB to load for no more on the dev sets. Passed into the core with the aliases
 * (see aliasFile.ts, engine.ts), as data, not read by it.
 */

let lexicon: Record<string, unknown> | undefined;

// It takes about 100 ms to load: only a question with a word the archive lacks needs it, so a
// start does not pay for it (a serving process loads it while it warms up: Archive.warm).
const load = (): Record<string, unknown> =>
  (lexicon ??= createRequire(import.meta.url)('wink-lexicon/src/lexicon.js') as Record<string, unknown>);

/** wink's lexicon as a WordList, loaded at its first look-up. */
export const ENGLISH_WORDS: WordList = { has: (word) => Object.hasOwn(load(), word) };

/** Loads the English word list now rather than at the first question that needs it. */
export function warmEnglishWords(): void {
  load();
}
