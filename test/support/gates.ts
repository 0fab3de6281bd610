/**
 * Gates: promises a test opens by hand, so that the order of events is decided by the test, not by how
 * long a sleep happened to last on a busy machine.
 */

export interface Gate {
  /** Resolves once `open()` was called. */
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Opens on its `count`th arrival: "every run got this far". */
export interface Countdown {
  readonly opened: Promise<void>;
  arrive(): void;
}

export function countdown(count: number): Countdown {
  const { opened, open } = gate();
  let arrived = 0;
  return {
    opened,
    arrive() {
      if (++arrived === count) open();
    },
  };
}

/** Resolves with the signal's reason once it aborts: the way well-behaved user code waits. */
export function untilAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}
