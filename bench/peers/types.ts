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
  /** Top-k distinct article ids, best first. */
  search(question: string, k: number): string[];
  close?(): void;
}

/** Creates a fresh, empty instance of a system. */
export type PeerFactory = () => PeerSystem;
