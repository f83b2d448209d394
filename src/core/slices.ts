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

/** Runs steps to their end, letting the event loop run whenever they have worked `sliceMs`. */
export async function sliced<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (performance.now() - sliceStart > sliceMs) {
      await new Promise(setImmediate);
      sliceStart = performance.now();
    }
  }
}
