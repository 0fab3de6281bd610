import { type Clock, systemClock } from '../clock.ts';
import { DurationError, parseDuration } from '../duration.ts';
import { ConfigError } from '../errors.ts';
import type { RunHistory } from './types.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** `FLOWTEL_RETENTION`: how long ended runs are kept. @default 30 days */
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;
/** How often serve prunes the history. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * `FLOWTEL_RETENTION` (a duration such as `30d` or `12h`; `0` keeps everything): ms, or undefined for
 * "keep everything". A value that is not a duration throws `ConfigError` naming it.
 */
export function readRetention(env: Env = process.env): number | undefined {
  const value = env.FLOWTEL_RETENTION;
  if (value === undefined || value === '') return DEFAULT_RETENTION_MS;
  let ms: number;
  try {
    ms = parseDuration(value.trim() === '0' ? 0 : value, 'FLOWTEL_RETENTION');
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw new ConfigError(
      'FLOWTEL_RETENTION',
      value,
      "a duration such as '30d' or '12h', or 0 to keep every run",
      {
        cause: error,
      },
    );
  }
  return ms === 0 ? undefined : ms;
}

/**
 * Prunes `history` of runs that ended more than `retentionMs` ago, now and then every `intervalMs` on
 * `clock`; what it pruned goes to `onPruned`, a failure to `onError` (the next round tries again).
 * Returns the function that stops it. With no retention (undefined) it does nothing.
 */
export function pruneEvery(
  history: Pick<RunHistory, 'prune'>,
  retentionMs: number | undefined,
  options: {
    readonly clock?: Clock;
    readonly intervalMs?: number;
    readonly onPruned?: (count: number) => void;
    readonly onError?: (error: unknown) => void;
  } = {},
): () => void {
  if (retentionMs === undefined) return () => {};
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? PRUNE_INTERVAL_MS;
  let timer: { cancel(): void } | undefined;
  let stopped = false;
  const round = () => {
    try {
      const count = history.prune(clock.now() - retentionMs);
      if (count > 0) options.onPruned?.(count);
    } catch (error) {
      options.onError?.(error);
    }
    if (!stopped) timer = clock.setTimer(clock.now() + interval, round);
  };
  round();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
