/**
 * Work written as a generator that yields where it may pause (loading a saved index, merging a
 * delta, making the spelling index), run either to its end at once or in slices with the event
 * loop served between them, so a serving process goes on answering meanwhile.
 */

/** How long sliced work runs before it lets the event loop run (a target: one step may overrun it). */
export const SLICE_MS = 8;

/** Runs steps to their end without pausing. */
export function finish<T>(steps: Generator<void, T>): T {
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** Sliced work waiting for its turn (see pump). */
interface Runner {
  steps: Generator<void, unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const runners: Runner[] = [];
let pumping = false;

/**
 * Runs steps to their end in slices, the event loop served between them. Every sliced run in the
 * process shares one budget of SLICE_MS per turn of the event loop (see pump), and none starts
 * inside the call: a caller's synchronous work, the continuations of the run that finished before
 * it and the first step are never one stretch. Two runs that kept a budget each stacked on one
 * turn: a reload's warm-up (the spelling index and the fingerprints at once) and the end of its
 * load held a shard's loop 80-110 ms with the scavenges in them (SHARDS=2 at 10x,
 * docs/measurements.md, twelfth session).
 */
export function sliced<T>(steps: Generator<void, T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    runners.push({ steps, resolve: resolve as (value: unknown) => void, reject });
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}

/**
 * One turn's slice: the run first in line works until the budget is spent or it is done, then the
 * next; an unfinished run goes to the back of the line, so that runs take turns at going first.
 */
function pump(): void {
  const start = performance.now();
  while (runners.length > 0 && performance.now() - start <= SLICE_MS) {
    const runner = runners.shift()!;
    let done = false;
    try {
      for (;;) {
        const step = runner.steps.next();
        if (step.done) {
          runner.resolve(step.value);
          done = true;
          break;
        }
        if (performance.now() - start > SLICE_MS) break;
      }
    } catch (err) {
      runner.reject(err);
      done = true;
    }
    if (!done) runners.push(runner);
  }
  if (runners.length > 0) setImmediate(pump);
  else pumping = false;
}
