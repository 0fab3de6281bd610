import { formatDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import type { Identity } from '../identity.ts';
import type { Rule } from '../resolve.ts';
import type { Cancel } from '../timers.ts';
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
 */
export class FailuresWindow {
  private readonly windows = new Map<string, Window>();

  onRecord(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
    if (record.state.type !== 'FAILED' && record.state.type !== 'CRASHED') return;
    const when = rule.when as ConditionOf<'flow-failures'>;
    const identity = ctx.identity(rule, record, flowKeys(record));
    const key = `${rule.name}\u0000${identity.fingerprint}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { identity, failures: [], expiry: undefined };
      this.windows.set(key, window);
    }
    const at = Date.parse(record.at);
    window.failures.push(at);
    window.failures.sort((a, b) => a - b);
    this.prune(window, when.within, ctx.now());
    if (window.failures.length >= when.count) {
      const summary = `${subject(record)} failed ${window.failures.length} times within ${formatDuration(when.within)}${errorText(record)}`;
      ctx.fire(rule, identity, { at, summary, facts: ctx.facts(record) });
      this.scheduleExpiry(rule, key, window, ctx);
    }
  }

  private scheduleExpiry(rule: Rule, key: string, window: Window, ctx: ConditionContext): void {
    const when = rule.when as ConditionOf<'flow-failures'>;
    window.expiry?.();
    // The count drops below `count` when the failure `count` places from the newest leaves the window.
    const pivot = window.failures[window.failures.length - when.count];
    if (pivot === undefined) return;
    const at = pivot + when.within;
    window.expiry = ctx.timers.schedule(at, () => {
      window.expiry = undefined;
      this.prune(window, when.within, ctx.now());
      if (window.failures.length >= when.count) return this.scheduleExpiry(rule, key, window, ctx);
      if (window.failures.length === 0) this.windows.delete(key);
      if (!ctx.isFiring(window.identity)) return;
      const summary = `${window.identity.labels.flow ?? ''} failed ${window.failures.length} time${window.failures.length === 1 ? '' : 's'} within the last ${formatDuration(when.within)}, below ${when.count}`;
      ctx.resolve(rule, window.identity, { at, summary }); // the facts of the last failure stay
    });
  }

  private prune(window: Window, within: number, now: number): void {
    window.failures = window.failures.filter((t) => t + within > now);
  }
}
