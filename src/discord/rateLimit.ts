/** A sliding-window limit per key (a user): at most `max` events per `windowMs`. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an attempt; returns 0 when allowed, else the milliseconds until the next one is. `max` overrides the default limit (a guild's own setting). */
  take(key: string, max = this.max): number {
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((at) => t - at < this.windowMs);
    if (recent.length >= max) {
      this.hits.set(key, recent);
      return this.windowMs - (t - recent[recent.length - max]!);
    }
    recent.push(t);
    this.hits.set(key, recent);
    // Keep memory bounded: forget keys that have been quiet for a whole window.
    if (this.hits.size > 10_000)
      for (const [k, v] of this.hits) if (t - (v[v.length - 1] ?? 0) >= this.windowMs) this.hits.delete(k);
    return 0;
  }
}

/** Asks whether a user may ask another question now (in a guild, under its own limit): 0, or the wait in ms. */
export type QuestionGate = (userId: string, guildId: string | null) => Promise<number>;
