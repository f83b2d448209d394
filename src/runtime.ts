import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings every Newsdesk process sets before it loads an index (the bot, its shards, the
 * terminal, and every system `npm run bench` serves, so peers run under the same runtime).
 *
 * Allocation-site pretenuring is off. When a young-generation GC lands in the middle of a search,
 * V8 finds minisearch's per-search result objects all still alive and from then on allocates
 * them straight into the old generation, where they die as garbage. Whether that happens is
 * luck, and it lasts for the life of the process: about 510 KB promoted per scavenge instead of
 * 113 KB, twice the full GCs, and a p99 a quarter higher. Over six paired serving processes on
 * the benchmark (the flag on the command line): p99 median 3.59 ms with it off, 4.59 ms with
 * V8's default, and RSS 2 MB lower. Set here at run time it gives the same 113 KB per scavenge
 * in every run. FlexSearch and SQLite FTS5 serve the same either way; lunr and Orama a little
 * slower.
 *
 * Set at run time rather than on the command line because NODE_OPTIONS does not accept V8
 * flags like this one; V8 reads it at every GC, so it holds from the first search on.
 */
export function tuneRuntime(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
  // V8's young generation grows to 32 MB of semi-spaces after a few questions, most of a serving
  // process's RSS beyond the index. A growth factor of 1 keeps it at its starting size (2 MB); V8
  // reads it at every GC, so it holds when set at run time (unlike --max-semi-space-size, which
  // it reads only at start). sqlite backend at 1×: RSS 174 -> 112 MB. Memory backend, three
  // paired bench runs: RSS 172-174 -> 137-139 MB, p99 5.6-7.0 -> 5.1-5.7 ms, p50 about the same.
  setFlagsFromString('--semi-space-growth-factor=1');
  // Scavenges on the main thread alone. A parallel scavenge hands parts of the young generation to
  // V8's helper threads and waits for them all; on a machine whose cores are taken (2 cores, other
  // processes busy) a helper descheduled in its part holds the serving thread meanwhile. Three
  // SHARDS=2 runs at 10x (load 3.5-5.6, bench/liveShards.ts with the thread's schedule per 10 ms
  // tick and V8's GC entries) held 17 such stalls: a scavenge of 50-196 ms (4 over 100) in which
  // the shard's serving thread ran 1-27 ms and waited 0-32 ms for a core (the 170 ms one: 2 ms run,
  // none waited), the rest blocked on its helpers. A 2 MB young generation (above) is scavenged alone
  // in a millisecond or two.
  setFlagsFromString('--no-parallel-scavenge');
}
