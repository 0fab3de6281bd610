import { formatDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { Cancel } from '../../schedule/timer-queue.ts';
import type { AlertBook } from '../alert-book.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import type { Identity } from '../identity.ts';
import type { Rule } from '../resolve.ts';
import { type ConditionContext, errorText, flowKeys, subject } from './context.ts';

interface Window {
  readonly identity: Identity;
  /** Times (epoch ms) of the failures still inside the window, oldest first. */
  failures: number[];
  expiry: Cancel | undefined;
}

/**
 * flow-failures: fires when `count` runs fail within `within`; resolves when failures leave the window and
 * the count falls below `count`, at the moment the oldest one that matters expires (a timer, not a poll).
 * A window is forgotten when its last failure leaves it. The failure times go with the alert's state, so
 * an engine started over the same store still resolves an alert a previous one fired; a window below
 * `count` starts empty after a restart.
 */
export class FailuresWindow {
  /** Per alert fingerprint (rule and identity). */
  private readonly windows = new Map<string, Window>();

  onRecord(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
    if (record.state.type !== 'FAILED' && record.state.type !== 'CRASHED') return;
    const when = rule.when as ConditionOf<'flow-failures'>;
    const identity = ctx.identity(rule, record, flowKeys(record));
    const window = this.window(identity);
    const at = Date.parse(record.at);
    window.failures.push(at);
    window.failures.sort((a, b) => a - b);
    this.prune(window, when.within, ctx.now());
    if (window.failures.length >= when.count) {
      const summary = `${subject(record)} failed ${window.failures.length} times within ${formatDuration(when.within)}${errorText(record)}`;
      const memory = { failures: [...window.failures] };
      ctx.fire(rule, identity, { at, summary, facts: ctx.facts(record), memory });
    }
    this.scheduleExpiry(rule, window, ctx);
  }

  /** Windows that still hold failures. */
  size(): number {
    return this.windows.size;
  }

  /** Picks up the windows of alerts a previous engine left firing. */
  resume(rules: readonly Rule[], book: AlertBook, ctx: ConditionContext): void {
    for (const rule of rules) {
      for (const state of book.list(rule.name)) {
        if (state.status !== 'firing') continue;
        const window = this.window(ctx.identityOf(state));
        // A state kept without the failure times: its newest known failure is the one that fired it.
        window.failures = [...(state.memory?.failures ?? [Date.parse(state.startsAt)])];
        this.scheduleExpiry(rule, window, ctx);
      }
    }
  }

  private window(identity: Identity): Window {
    let window = this.windows.get(identity.fingerprint);
    if (!window) {
      window = { identity, failures: [], expiry: undefined };
      this.windows.set(identity.fingerprint, window);
    }
    return window;
  }

  /**
   * The window's next change: when the count would fall below `count` (the failure `count` places from
   * the newest leaves), or, below `count` already, when the oldest failure leaves.
   */
  private scheduleExpiry(rule: Rule, window: Window, ctx: ConditionContext): void {
    const when = rule.when as ConditionOf<'flow-failures'>;
    window.expiry?.();
    window.expiry = undefined;
    const pivot = window.failures[Math.max(0, window.failures.length - when.count)];
    if (pivot === undefined) {
      this.windows.delete(window.identity.fingerprint);
      return;
    }
    const at = pivot + when.within;
    window.expiry = ctx.timers.schedule(at, () => {
      window.expiry = undefined;
      this.prune(window, when.within, ctx.now());
      const left = window.failures.length;
      if (left < when.count && ctx.isFiring(window.identity)) {
        const summary = `${window.identity.labels.flow ?? ''} failed ${left} time${left === 1 ? '' : 's'} within the last ${formatDuration(when.within)}, below ${when.count}`;
        ctx.resolve(rule, window.identity, { at, summary }); // the facts of the last failure stay
      }
      this.scheduleExpiry(rule, window, ctx);
    });
  }

  private prune(window: Window, within: number, now: number): void {
    window.failures = window.failures.filter((t) => t + within > now);
  }
}
