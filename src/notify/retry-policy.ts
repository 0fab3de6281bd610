import { humanDuration } from '../duration.ts';
import type { DeliveryFailure } from './types.ts';

/**
 * What to do after a failed send: a pure function of the failure, the attempts so far and the policy,
 * so it can be tested without a clock or a network (as Alertmanager retries 5xx only, and p-retry's
 * AbortError stops retries).
 */

export interface RetryPolicy {
  /** Attempts in all, the first included, before giving up on 5xx, timeouts and network errors. @default 8 */
  readonly maxAttempts: number;
  /** Give up once this long has passed since the first attempt, whatever the failure. @default 1h */
  readonly maxElapsedMs: number;
  /** Delay before the second attempt; doubles after each. @default 2000 */
  readonly baseDelayMs: number;
  /** No single backoff wait is longer than this. @default 10m */
  readonly maxDelayMs: number;
  /**
   * How long, from the first attempt, a receiver may keep answering 429 with `Retry-After`: each wait
   * is honoured as asked but cut to end by then, so one last attempt is made there. A day: longer than
   * any rate-limit window real receivers use (Slack's are seconds, daily quotas reset within 24 h), and
   * past it the alert is about yesterday; a daily job has fired again by then anyway. @default 24h
   */
  readonly maxRateLimitedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  maxElapsedMs: 3_600_000,
  baseDelayMs: 2_000,
  maxDelayMs: 600_000,
  maxRateLimitedMs: 86_400_000,
};

export type RetryDecision =
  | {
      readonly action: 'retry';
      readonly delayMs: number;
      /** The receiver's own `Retry-After`, when it gave one (longer than `delayMs` when it was cut). */
      readonly askedMs?: number;
    }
  | { readonly action: 'give-up'; readonly reason: string };

export interface AttemptHistory {
  /** Attempts made so far, the failed one included (1 after the first). */
  readonly attempts: number;
  /** Milliseconds from the first attempt to now. */
  readonly elapsedMs: number;
}

/** Whether the receiver might accept the same message later. */
export function isRetryable(failure: DeliveryFailure): boolean {
  switch (failure.kind) {
    case 'timeout':
    case 'network':
      return true;
    case 'http':
      // 408 Request Timeout and 429 Too Many Requests are "later"; other 4xx are "never".
      return (
        failure.status === undefined ||
        failure.status >= 500 ||
        failure.status === 408 ||
        failure.status === 429
      );
    case 'smtp':
      // SMTP 4xx replies are transient by definition (RFC 5321 §4.2.1); 5xx are permanent.
      return failure.status === undefined || (failure.status >= 400 && failure.status < 500);
    case 'config':
      return false;
  }
}

/**
 * Whether the receiver refused the message itself rather than the channel: too large (HTTP 413, SMTP
 * 552), unreadable or unrenderable (HTTP 400, 422; Slack's `invalid_blocks`), rejected content (SMTP
 * 554). Retrying will not change it, but a grouped message refused so may owe it to one member: its
 * members are worth sending alone. Auth and "no such channel" answers (401, 403, 404, 410, SMTP 550)
 * are about the channel: every member would meet them.
 */
export function isMessageRefused(failure: DeliveryFailure): boolean {
  const status = failure.status;
  if (failure.kind === 'http') return status === 400 || status === 413 || status === 422;
  if (failure.kind === 'smtp') return status === 552 || status === 554;
  return false;
}

/**
 * `random` is in [0, 1) (Math.random in production, fixed in tests): the delay is "equal jitter",
 * between half and all of the exponential step, so processes that failed together do not retry together.
 */
export function decideRetry(
  failure: DeliveryFailure,
  history: AttemptHistory,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: number = Math.random(),
): RetryDecision {
  if (!isRetryable(failure))
    return { action: 'give-up', reason: 'the receiver refused it; retrying will not help' };
  const rateLimited = failure.status === 429;
  if (rateLimited && failure.retryAfterMs !== undefined)
    return waitAsAsked(failure.retryAfterMs, history, policy);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, history.attempts - 1));
  const delayMs = Math.round(step / 2 + (step / 2) * random);
  // Being told to slow down is not the receiver failing: 429s do not use up attempts, only time.
  if (!rateLimited && history.attempts >= policy.maxAttempts) {
    return { action: 'give-up', reason: `gave up after ${history.attempts} attempts` };
  }
  if (history.elapsedMs + delayMs > policy.maxElapsedMs) {
    return { action: 'give-up', reason: `gave up after ${Math.round(history.elapsedMs / 1000)}s of retries` };
  }
  return { action: 'retry', delayMs };
}

/**
 * The receiver said when: honour it exactly (Slack counts early retries against the limit), however
 * long, up to `maxRateLimitedMs` from the first attempt. Waiting as asked is not failing: it spends
 * neither attempts nor the failure budget (`maxElapsedMs`).
 */
function waitAsAsked(askedMs: number, history: AttemptHistory, policy: RetryPolicy): RetryDecision {
  const left = policy.maxRateLimitedMs - history.elapsedMs;
  if (left <= 0) {
    return {
      action: 'give-up',
      reason: `still rate limited ${humanDuration(history.elapsedMs)} after the first attempt`,
    };
  }
  return { action: 'retry', delayMs: Math.min(askedMs, left), askedMs };
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
