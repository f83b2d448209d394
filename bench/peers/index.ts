import type { PeerFactory } from './types.js';

interface SystemEntry {
  /** Imports the system's module on demand, so a serving process (bench/serve.ts) holds only its own library. */
  load: () => Promise<PeerFactory>;
  /** A variant (a library's defaults, or Newsdesk's speed/quality trade-off), run only when named with --systems. */
  optional?: true;
}

/** Every system the bench knows, by name, in run order: Newsdesk first, then its peers. */
export const SYSTEMS: Record<string, SystemEntry> = {
  newsdesk: { load: async () => (await import('./newsdesk.js')).createNewsdesk },
  'newsdesk-lean': { load: async () => (await import('./newsdesk.js')).createNewsdeskLean, optional: true },
  'newsdesk-sqlite': { load: async () => (await import('./newsdesk-sqlite.js')).createNewsdeskSqlite },
  'sqlite-fts5': { load: async () => (await import('./sqlite-fts5.js')).createSqliteFts5 },
  'minisearch-default': { load: async () => (await import('./minisearch-default.js')).createMiniSearchDefault },
  lunr: { load: async () => (await import('./lunr.js')).createLunr },
  flexsearch: { load: async () => (await import('./flexsearch.js')).createFlexsearch },
  orama: { load: async () => (await import('./orama.js')).createOrama },
  'flexsearch-default': { load: async () => (await import('./flexsearch.js')).createFlexsearchDefault, optional: true },
  'orama-default': { load: async () => (await import('./orama.js')).createOramaDefault, optional: true },
};

/** The systems run when --systems is not given. */
export const DEFAULT_SYSTEMS = Object.keys(SYSTEMS).filter((name) => !SYSTEMS[name]!.optional);
/** Newsdesk itself or a variant of it: never a peer to compare Newsdesk with. */
export const isNewsdesk = (name: string): boolean => name === 'newsdesk' || name.startsWith('newsdesk-');
/** The peers, every system but Newsdesk and its variants. */
export const PEER_NAMES = Object.keys(SYSTEMS).filter((name) => !isNewsdesk(name));

export async function loadSystem(name: string): Promise<PeerFactory> {
  const entry = SYSTEMS[name];
  if (!entry) throw new Error(`unknown system "${name}"`);
  return entry.load();
}

export type { BenchArticle, PeerFactory, PeerSystem } from './types.js';
