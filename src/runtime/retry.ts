import { NonRetryableError } from '../errors.ts';

/** How a task retries, after defaults are applied. */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  readonly delayMs: number;
  readonly backoff: 'fixed' | 'exponential';
  /** Fraction of the delay added or removed at random (0 to 1), so retries of many runs spread out. */
  readonly jitter: number;
  /** Upper bound of one delay, whatever the backoff computes. */
  readonly maxDelayMs: number;
  readonly retryIf: ((error: unknown) => boolean) | undefined;
}

/** What ended one attempt. */
export type AttemptOutcome = 'failed' | 'timed-out' | 'cancelled';

/** What the task run does after an attempt that did not succeed: a pure decision. */
export type AfterAttempt =
  | { readonly next: 'AwaitingRetry'; readonly delayMs: number }
  | { readonly next: 'Failed' | 'TimedOut' | 'Cancelled' };

/**
 * Decides what follows a failed attempt. Cancellation is never retried, nor is a `NonRetryableError` or
 * an error that `retryIf` refuses; otherwise the task retries until its retries are spent.
 * `random` is injectable so tests can pin the jitter.
 */
export function afterAttempt(
  policy: RetryPolicy,
  attempt: number,
  outcome: AttemptOutcome,
  error: unknown,
  random: () => number = Math.random,
): AfterAttempt {
  if (outcome === 'cancelled') return { next: 'Cancelled' };
  const final = outcome === 'timed-out' ? 'TimedOut' : 'Failed';
  if (attempt > policy.retries || error instanceof NonRetryableError) return { next: final };
  if (policy.retryIf && !safeRetryIf(policy.retryIf, error)) return { next: final };
  return { next: 'AwaitingRetry', delayMs: retryDelay(policy, attempt, random) };
}

/** The wait before attempt `attempt + 1`, with jitter, capped at `maxDelayMs`. */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = policy.backoff === 'exponential' ? policy.delayMs * 2 ** (attempt - 1) : policy.delayMs;
  const capped = Math.min(base, policy.maxDelayMs);
  const spread = capped * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(capped + spread));
}

// A predicate that throws must not turn a task failure into a crash; treat it as "do not retry".
function safeRetryIf(retryIf: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return retryIf(error);
  } catch {
    return false;
  }
}
