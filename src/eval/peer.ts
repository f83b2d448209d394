/** Common interface of the systems compared by `npm run bench`. */

export interface BenchArticle {
  id: string;
  title: string;
  body: string;
  source?: string;
  published?: string;
}

export interface PeerSystem {
  name: string;
  /** Index from scratch. */
  build(articles: BenchArticle[]): Promise<void> | void;
  /** For cold-start measurement; omitted if the library can't. */
  serialize?(): string | Buffer;
  /** Cold start from serialized form (called on a fresh instance). */
  load?(data: string | Buffer): Promise<void> | void;
  /**
   * Cold start from the file `serialize()` was saved to, for a system that serves from its file
   * as it is deployed; else the bench reads the file and calls load().
   */
  loadFile?(path: string): Promise<void> | void;
  /**
   * What the system does once loaded, before its first user's question, as a serving process
   * does while it connects (Newsdesk: its word lists, date parser and spelling index made, and its answer path run on questions made from its headlines); not timed.
   */
  warm?(): void | Promise<void>;
  /** Top-k distinct article ids, best first. */
  search(question: string, k: number): string[];
  close?(): void;
}

/** Creates a fresh, empty instance of a system. */
export type PeerFactory = () => PeerSystem;
