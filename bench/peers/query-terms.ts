/** Moved to src/eval (the eval's FTS5 reference uses it too); kept here for the bench's imports. */
export { baselineQueryTerms } from '../../src/eval/query-terms.js';
