import { parseDuration } from '../duration.ts';
import { OptionsError } from '../errors.ts';
import type { RetryPolicy } from './retry.ts';

/** A number of milliseconds, or a string such as `'250ms'`, `'30s'`, `'15m'`, `'4h'`. */
export type Duration = number | string;

export interface TaskOptions {
  /** Attempts after the first. @default 0 */
  readonly retries?: number;
  /** Wait before the first retry (later ones grow with `backoff: 'exponential'`). @default '1s' */
  readonly retryDelay?: Duration;
  /** `fixed` waits `retryDelay` every time; `exponential` doubles it after each attempt. @default 'fixed' */
  readonly backoff?: 'fixed' | 'exponential';
  /** Fraction of each delay added or removed at random, from 0 to 1. @default 0.2 */
  readonly jitter?: number;
  /** Longest single wait between attempts. @default '5m' */
  readonly maxRetryDelay?: Duration;
  /** Retries only errors for which this returns true. A `NonRetryableError` is never retried. */
  readonly retryIf?: (error: unknown) => boolean;
  /** Limit of each attempt; the attempt's signal aborts and it ends TimedOut. @default none */
  readonly timeout?: Duration;
  /** How many runs of this task may execute at once; the rest wait in Pending. @default unlimited */
  readonly concurrency?: number;
}

/** Task options after defaults, validated once when the task is defined. */
export interface ResolvedTaskOptions {
  readonly policy: RetryPolicy;
  readonly timeoutMs: number | undefined;
  readonly concurrency: number | undefined;
}

export const taskDefaults = {
  retries: 0,
  retryDelay: 1_000,
  backoff: 'fixed',
  jitter: 0.2,
  maxRetryDelay: 300_000,
} as const;

export function resolveTaskOptions(name: string, options: TaskOptions): ResolvedTaskOptions {
  const field = (option: string) => `task '${name}': ${option}`;
  const retries = options.retries ?? taskDefaults.retries;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new OptionsError(`${field('retries')} must be a non-negative integer, got ${String(retries)}`);
  }
  const backoff = options.backoff ?? taskDefaults.backoff;
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    throw new OptionsError(`${field('backoff')} must be 'fixed' or 'exponential', got ${String(backoff)}`);
  }
  const jitter = options.jitter ?? taskDefaults.jitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new OptionsError(`${field('jitter')} must be a number from 0 to 1, got ${String(jitter)}`);
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new OptionsError(`${field('concurrency')} must be a positive integer, got ${String(concurrency)}`);
  }
  if (options.retryIf !== undefined && typeof options.retryIf !== 'function') {
    throw new OptionsError(`${field('retryIf')} must be a function of the error`);
  }
  return {
    policy: {
      retries,
      delayMs: optionDuration(options.retryDelay ?? taskDefaults.retryDelay, field('retryDelay')),
      backoff,
      jitter,
      maxDelayMs: optionDuration(options.maxRetryDelay ?? taskDefaults.maxRetryDelay, field('maxRetryDelay')),
      retryIf: options.retryIf,
    },
    timeoutMs: options.timeout === undefined ? undefined : positive(options.timeout, field('timeout')),
    concurrency,
  };
}

/** A duration option in milliseconds, or an `OptionsError` naming the option. Shared with flow options. */
export function optionDuration(value: Duration, field: string): number {
  try {
    return parseDuration(value, field);
  } catch (error) {
    throw new OptionsError((error as Error).message, { cause: error });
  }
}

function positive(value: Duration, field: string): number {
  const ms = optionDuration(value, field);
  if (ms <= 0) throw new OptionsError(`${field} must be longer than 0, got ${String(value)}`);
  return ms;
}
