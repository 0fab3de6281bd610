/**
 * Time as delivery sees it. Retries and rate limits are decided against `now()` and woken by
 * `setTimeout`, so tests drive backoff with a fake clock instead of waiting.
 */
export interface Clock {
  now(): number;
  /** `background`: the timer must not keep the process alive (a retry far ahead). */
  setTimeout(fn: () => void, ms: number, options?: { background?: boolean }): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, options) => {
    const timer = setTimeout(fn, ms);
    // Pending retries must not keep a finished `flowtel run` alive: they stay in the outbox and the
    // next start sends them. Callers that must deliver before exiting call `flush()`.
    if (options?.background === true) timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
