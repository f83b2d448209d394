// Type declarations for small packages that ship none.
declare module 'wink-porter2-stemmer' {
  /** Porter2 (Snowball English) stem of a lower-case word. */
  export default function stem(word: string): string;
}
declare module 'stopword/src/stopwords_eng.js' {
  /** The English stopword list. */
  export const eng: string[];
}
