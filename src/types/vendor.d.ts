// Type declarations for small packages that ship none.
declare module 'wink-porter2-stemmer' {
  /** Porter2 (Snowball English) stem of a lower-case word. */
  export default function stem(word: string): string;
}
declare module 'stopword/src/stopwords_eng.js' {
  /** The English stopword list. */
  export const eng: string[];
}
declare module 'wink-lexicon/src/wn-verb-exceptions.js' {
  /** WordNet's irregular verb forms, each with its base form ("fled" → "flee"). */
  const forms: Record<string, string>;
  export default forms;
}
declare module 'wink-lexicon/src/wn-noun-exceptions.js' {
  /** WordNet's irregular noun forms, each with its base form ("children" → "child"). */
  const forms: Record<string, string>;
  export default forms;
}
