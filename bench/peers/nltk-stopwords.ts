/** Moved to src/eval (the eval's FTS5 reference uses it too); kept here for the bench's imports. */
export { NLTK_STOPWORDS, NLTK_STOPWORD_SET } from '../../src/eval/nltk-stopwords.js';
