/** Moved to src/eval (the eval's FTS5 reference implements it too); kept here for the bench's imports. */
export type { BenchArticle, PeerFactory, PeerSystem } from '../../src/eval/peer.js';
