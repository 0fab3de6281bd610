import type { DeliveryMetrics } from '../metrics.ts';
import { decideRetry, type RetryPolicy } from '../retry-policy.ts';
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
  const retried: number[] = [];
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
      retried.push(decision.delayMs);
    } else {
      ctx.store.markFailed([entry.id], ctx.owner, `${error} (${decision.reason})`, ctx.now);
      ctx.metrics.count('failed', channel, entry.rule);
      ctx.log(
        `flowtel: gave up sending rule '${entry.rule}' to channel '${channel}': ${error} (${decision.reason})`,
      );
    }
  }
  if (retried.length > 0) {
    const wait = Math.min(...retried);
    ctx.log(
      `flowtel: channel '${channel}' failed (${error}); retrying ${retried.length} in ${Math.ceil(wait / 1000)}s`,
    );
  }
}
