import { createFlexsearch, createFlexsearchDefault } from './flexsearch.js';
import { createLunr } from './lunr.js';
import { createMiniSearchDefault } from './minisearch-default.js';
import { createOrama, createOramaDefault } from './orama.js';
import { createSqliteFts5 } from './sqlite-fts5.js';
import type { PeerFactory } from './types.js';

/** Peer systems run by default, in this order. */
export const DEFAULT_PEERS: Record<string, PeerFactory> = {
  'sqlite-fts5': createSqliteFts5,
  'minisearch-default': createMiniSearchDefault,
  lunr: createLunr,
  flexsearch: createFlexsearch,
  orama: createOrama,
};

/** Library-default variants, run only when named with --systems. */
export const EXTRA_PEERS: Record<string, PeerFactory> = {
  'flexsearch-default': createFlexsearchDefault,
  'orama-default': createOramaDefault,
};

export type { BenchArticle, PeerFactory, PeerSystem } from './types.js';
