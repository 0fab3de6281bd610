import { humanDuration } from '../../duration.ts';
import type { DeliveryMetrics } from '../metrics.ts';
import { decideRetry, type RetryDecision, type RetryPolicy } from '../retry-policy.ts';
import { describeFailure, type SendOutcome } from '../types.ts';
import type { OutboxEntry, OutboxStore } from './store.ts';

export interface RecordContext {
  readonly store: OutboxStore;
  readonly owner: string;
  readonly now: number;
  readonly policy: RetryPolicy;
  readonly random: () => number;
  readonly metrics: DeliveryMetrics;
  readonly log: (line: string) => void;
}

/**
 * After a send: marks the entries sent, or schedules their retry, or gives up on them, as the retry
 * policy decides from the outcome. Each entry keeps its own attempt count (a grouped message may
 * merge entries that failed before), and a given-up entry keeps its last error.
 */
export function recordOutcome(
  channel: string,
  entries: readonly OutboxEntry[],
  outcome: SendOutcome,
  ctx: RecordContext,
): void {
  const ids = entries.map((e) => e.id);
  if (outcome.ok) {
    ctx.store.markSent(ids, ctx.owner, ctx.now);
    for (const entry of entries) ctx.metrics.count('sent', channel, entry.rule);
    return;
  }
  const error = describeFailure(outcome.failure);
  const retried: RetryWait[] = [];
  for (const entry of entries) {
    const attempts = entry.attempts + 1;
    const elapsedMs = ctx.now - (entry.firstAttemptAt ?? ctx.now);
    const decision = decideRetry(outcome.failure, { attempts, elapsedMs }, ctx.policy, ctx.random());
    if (decision.action === 'retry') {
      ctx.store.scheduleRetry([entry.id], ctx.owner, {
        nextAttemptAt: ctx.now + decision.delayMs,
        lastError: error,
        attemptAt: ctx.now,
      });
      retried.push(decision);
    } else {
      ctx.store.markFailed([entry.id], ctx.owner, `${error} (${decision.reason})`, ctx.now);
      ctx.metrics.count('failed', channel, entry.rule);
      ctx.log(
        `flowtel: gave up sending rule '${entry.rule}' to channel '${channel}': ${error} (${decision.reason})`,
      );
    }
  }
  if (retried.length > 0) ctx.log(retryLine(channel, error, retried, ctx.now));
}

type RetryWait = Extract<RetryDecision, { action: 'retry' }>;

/** One line for the retries of one send: how long, and, when the receiver said when, what it asked. */
function retryLine(channel: string, error: string, retried: readonly RetryWait[], now: number): string {
  const first = retried.reduce((a, b) => (b.delayMs < a.delayMs ? b : a));
  if (first.askedMs === undefined) {
    return `flowtel: channel '${channel}' failed (${error}); retrying ${retried.length} in ${Math.ceil(first.delayMs / 1000)}s`;
  }
  const wait =
    first.askedMs > first.delayMs
      ? `it asked to wait ${humanDuration(first.askedMs)}, flowtel waits at most ${humanDuration(first.delayMs)}`
      : `waiting ${humanDuration(first.delayMs)} as it asked`;
  const until = new Date(now + first.delayMs).toISOString();
  return `flowtel: channel '${channel}' is rate limited (${error}): ${wait}; ${retried.length} notification(s) stay pending until ${until}`;
}
