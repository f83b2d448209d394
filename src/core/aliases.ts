import { z } from 'zod';
import type { TermVectors } from './meaning.js';
import type { RawWord } from './text.js';
import { rawWords, terms } from './text.js';

/**
 * The alias data file (corpus/aliases.yaml): groups of names for one thing (ISIS = Daesh =
 * Islamic State), and looser synonym groups used only to widen questions.
 */
export const AliasFileSchema = z.object({
  aliases: z
    .array(
      z.object({
        names: z.array(z.string().min(1)).min(1),
        /** Names matched only with this exact capitalisation ("IS" the group, not "is" the verb). */
        exact: z.array(z.string().min(1)).default([]),
      }),
    )
    .default([]),
  synonyms: z.array(z.array(z.string().min(1)).min(2)).default([]),
});
export type AliasFile = z.input<typeof AliasFileSchema>;

interface Phrase {
  words: string[];
  /** The surface form, when only this exact capitalisation counts. */
  exact?: string[];
  term: string;
}

export interface AliasMatch {
  term: string;
  length: number;
}

/** Looks up alias phrases in a word sequence, longest match first. */
export interface AliasTable {
  match(words: readonly RawWord[], at: number): AliasMatch | undefined;
  /** Extra query terms for a term, from the synonym groups (stems or canonical terms). */
  synonymsOf(term: string): readonly string[];
  /** The group term of the one-word name closest to a misspelt word (same first letter), if any is near enough. */
  closestName(word: string, maxDistance: number): string | undefined;
  /** The validated alias data as JSON: a fingerprint of the table, and what a saved index keeps to rebuild it. */
  readonly fingerprint: string;
  /** The canonical term of each group with its names, for display and autocomplete. */
  readonly groups: ReadonlyArray<{ term: string; names: readonly string[] }>;
  /**
   * Whether a group term stands for a name (a person, place, organisation: some name in the
   * group is capitalised) rather than a common noun ("jihadists, militants, fighters").
   */
  isName(term: string): boolean;
  /**
   * Common English words spelt right, which spelling correction leaves as they are (see
   * query.ts): language data loaded outside src/core (src/englishWords.ts) and passed in, as the
   * aliases are. None: any word the archive lacks may be corrected.
   */
  readonly englishWords?: WordList;
  /**
   * Word vectors by index term, for what a short question means (meaning.ts): passed in as the
   * English words are. None: no meaning weighed.
   */
  readonly termVectors?: TermVectors;
}

/** Language data loaded outside src/core and passed in with the aliases. */
export interface Language {
  englishWords?: WordList;
  termVectors?: TermVectors;
}

/** A list of words, asked one at a time (a loader may read it on first use). */
export interface WordList {
  has(word: string): boolean;
}

/** A name's words folded, split as the index reads text (initials such as "U.S." one word), so the two always agree. */
function foldedWords(name: string): string[] {
  return rawWords(name).map((w) => w.folded);
}

function canonical(name: string): string {
  return '_' + foldedWords(name).join('_');
}

/**
 * Builds the alias table from the parsed data file, with the language data the core reads (the
 * English word list spelling correction reads, the word vectors); throws a zod error naming the bad entry.
 */
export function buildAliasTable(data: unknown, { englishWords, termVectors }: Language = {}): AliasTable {
  const file = AliasFileSchema.parse(data ?? {});
  const byFirst = new Map<string, Phrase[]>();
  const groups: Array<{ term: string; names: string[] }> = [];
  const add = (name: string, term: string, exact: boolean) => {
    const raw = rawWords(name);
    if (raw.length === 0) return;
    const words = raw.map((w) => w.folded);
    const phrase: Phrase = exact ? { words, exact: raw.map((w) => w.text), term } : { words, term };
    const list = byFirst.get(words[0]!) ?? [];
    list.push(phrase);
    list.sort((a, b) => b.words.length - a.words.length);
    byFirst.set(words[0]!, list);
  };
  for (const group of file.aliases) {
    const first = group.names[0] ?? group.exact[0]!;
    const term = canonical(first);
    groups.push({ term, names: [...group.names, ...group.exact] });
    for (const name of group.names) add(name, term, false);
    for (const name of group.exact) add(name, term, true);
  }

  // A synonym may itself be an alias name: then it stands for its group's canonical term.
  const termOf = (name: string): string | undefined => {
    const words = rawWords(name);
    const hit = match(words, 0);
    if (hit && hit.length === words.length) return hit.term;
    // A multi-word synonym that is no alias phrase never appears in the index as one term.
    return words.length === 1 ? terms(name)[0] : undefined;
  };
  function match(words: readonly RawWord[], at: number): AliasMatch | undefined {
    const first = words[at];
    if (!first) return undefined;
    const candidates = byFirst.get(first.folded);
    if (!candidates) return undefined;
    for (const p of candidates) {
      if (at + p.words.length > words.length) continue;
      let ok = true;
      for (let j = 0; j < p.words.length && ok; j++) {
        const w = words[at + j]!;
        ok = p.exact ? w.text === p.exact[j] : w.folded === p.words[j];
      }
      if (ok) return { term: p.term, length: p.words.length };
    }
    return undefined;
  }

  const synonyms = new Map<string, string[]>();
  for (const group of file.synonyms) {
    const termsOfGroup = [...new Set(group.map(termOf))].filter((t): t is string => t !== undefined);
    for (const t of termsOfGroup) {
      const others = termsOfGroup.filter((o) => o !== t);
      synonyms.set(t, [...new Set([...(synonyms.get(t) ?? []), ...others])]);
    }
  }

  const singleWords = new Map<string, string>();
  for (const [first, phrases] of byFirst)
    for (const p of phrases) if (p.words.length === 1 && !p.exact) singleWords.set(first, p.term);
  const closestName = (word: string, maxDistance: number): string | undefined => {
    let best: string | undefined;
    let bestDistance = maxDistance + 1;
    for (const [name, term] of singleWords) {
      if (name[0] !== word[0] || Math.abs(name.length - word.length) > maxDistance) continue;
      const d = editDistance(word, name, maxDistance);
      if (d < bestDistance) {
        bestDistance = d;
        best = term;
      }
    }
    return best;
  };

  const named = new Set(groups.filter((g) => g.names.some((n) => /\p{Lu}/u.test(n))).map((g) => g.term));

  return {
    match,
    closestName,
    isName: (term) => named.has(term),
    synonymsOf: (term) => synonyms.get(term) ?? [],
    fingerprint: JSON.stringify(file),
    groups,
    ...(englishWords ? { englishWords } : {}),
    ...(termVectors ? { termVectors } : {}),
  };
}

/**
 * An archive's alias data over a general set: a general group that shares a name (folded) with
 * one of the archive's joins it, the archive's first name staying first (its term unchanged);
 * the rest are added. Synonym groups are all kept. Throws a zod error naming a bad entry.
 */
export function mergeAliasFiles(general: AliasFile, own: unknown): AliasFile {
  const base = AliasFileSchema.parse(general);
  const mine = AliasFileSchema.parse(own ?? {});
  const key = (name: string) => foldedWords(name).join(' ');
  const groups = mine.aliases.map((g) => ({ names: [...g.names], exact: [...g.exact] }));
  for (const g of base.aliases) {
    const keys = new Set(g.names.map(key));
    const into = groups.find((o) => o.names.some((n) => keys.has(key(n))) || o.exact.some((e) => g.exact.includes(e)));
    if (!into) groups.push({ names: [...g.names], exact: [...g.exact] });
    else {
      for (const n of g.names) if (!into.names.some((m) => key(m) === key(n))) into.names.push(n);
      for (const e of g.exact) if (!into.exact.includes(e)) into.exact.push(e);
    }
  }
  return { aliases: groups, synonyms: [...mine.synonyms, ...base.synonyms] };
}

/** A table with no aliases at all. */
export const NO_ALIASES: AliasTable = buildAliasTable({});

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}
