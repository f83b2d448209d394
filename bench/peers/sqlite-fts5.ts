/** Moved to src/eval (the eval's FTS5 reference is the same run); kept here for the bench's imports. */
export { SqliteFts5Peer, createSqliteFts5 } from '../../src/eval/fts5.js';
