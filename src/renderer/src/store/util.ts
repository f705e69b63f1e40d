/**
 * Runs `task` so that at most one run is in flight; calls made meanwhile fold into one more run
 * after it. Event bursts (a job reporting progress many times a second) cost one request each
 * round trip rather than one per event.
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/** Calls `fn` at most once per `ms`, always including a trailing call after the last trigger. */
export function throttled(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

/**
 * Bumped whenever the open project changes: replies to requests made for the previous project
 * are dropped instead of overwriting the new project's state (ids repeat across projects).
 */
let generation = 0;
export const session = {
  get generation(): number {
    return generation;
  },
  bump(): void {
    generation++;
  },
};
