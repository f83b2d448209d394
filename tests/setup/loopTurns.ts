/**
 * Counts turns of the event loop until stopped, with a callback that queues itself again each
 * turn: a timer could miss turns to a garbage collection's pause in a long-lived test worker.
 */
export function countLoopTurns(): { readonly count: number; stop(): void } {
  let count = 0;
  let running = true;
  const turn = () => {
    if (!running) return;
    count++;
    setImmediate(turn);
  };
  setImmediate(turn);
  return {
    get count() {
      return count;
    },
    stop() {
      running = false;
    },
  };
}
