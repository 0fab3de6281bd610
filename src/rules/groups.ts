import type { Alert, Notification } from '../alerts/types.ts';
import type { Clock } from './clock.ts';
import type { Rule } from './resolve.ts';
import type { Silences } from './silences.ts';
import type { AlertState, AlertStateStore } from './state-store.ts';
import type { Cancel, TimerQueue } from './timers.ts';

/**
 * Turns alert state changes into notifications, per rule (the group), as Alertmanager does:
 * - the first notification of a quiet group waits `groupWait` (default 0: at once), gathering what fires
 *   together; later ones wait until `groupInterval` after the previous one (storm control);
 * - a flush sends one `firing` notification with the newly firing alerts and one `resolved` notification
 *   with the alerts that resolved (only those that were announced, and only with `sendResolved`);
 * - while alerts stay firing, a `repeat` with all of them every `repeatInterval`;
 * - silenced alerts are left out but keep their state; when a silence ends, what still fires is sent.
 */
export interface GroupDeps {
  readonly clock: Clock;
  readonly timers: TimerQueue;
  readonly store: AlertStateStore;
  readonly silences: Silences;
  readonly emit: (notification: Notification) => void;
  readonly newId: () => string;
  readonly traceUrlTemplate: string | undefined;
}

interface GroupTimers {
  flushAt: number | undefined;
  cancelFlush: Cancel | undefined;
  lastFlushAt: number | undefined;
  cancelRepeat: Cancel | undefined;
}

export class NotificationGroups {
  private readonly groups = new Map<string, GroupTimers>();

  constructor(private readonly deps: GroupDeps) {}

  /** An alert of `rule` fired, resolved or was silenced/unsilenced: schedule the group's next flush. */
  changed(rule: Rule): void {
    const group = this.group(rule.name);
    if (group.cancelFlush) return; // a flush is already on its way and will see this change
    const now = this.deps.clock.now();
    const quiet = !this.deps.store.list(rule.name).some((a) => a.notified);
    const earliest = quiet ? now + rule.groupWait : now;
    const at = Math.max(
      earliest,
      group.lastFlushAt === undefined ? now : group.lastFlushAt + rule.groupInterval,
    );
    group.flushAt = at;
    group.cancelFlush = this.deps.timers.schedule(at, () => {
      group.cancelFlush = undefined;
      group.flushAt = undefined;
      this.flush(rule);
    });
  }

  /** Sends what is pending now, without waiting (the CLI calls this before it exits). */
  flushAll(rules: readonly Rule[]): void {
    for (const rule of rules) {
      const group = this.groups.get(rule.name);
      if (!group?.cancelFlush) continue;
      group.cancelFlush();
      group.cancelFlush = undefined;
      group.flushAt = undefined;
      this.flush(rule);
    }
  }

  private flush(rule: Rule): void {
    const { store, clock } = this.deps;
    const now = clock.now();
    const firing: AlertState[] = [];
    const resolved: AlertState[] = [];
    for (const alert of store.list(rule.name)) {
      const silenced = this.deps.silences.silenced(alert, now);
      if (alert.status === 'firing') {
        if (!alert.notified && !silenced) firing.push(alert);
      } else {
        // A resolution is news only to those who heard of the firing; either way the episode is over.
        if (alert.notified && !silenced && rule.sendResolved) resolved.push(alert);
        store.delete(alert.fingerprint);
      }
    }
    for (const alert of firing) store.put({ ...alert, notified: true });
    if (firing.length > 0) {
      this.send(rule, 'firing', firing);
      this.scheduleRepeat(rule, now);
    }
    if (resolved.length > 0) this.send(rule, 'resolved', resolved);
    if (firing.length > 0 || resolved.length > 0) this.group(rule.name).lastFlushAt = now;
    if (!store.list(rule.name).some((a) => a.status === 'firing')) this.cancelRepeat(rule.name);
  }

  private scheduleRepeat(rule: Rule, from: number): void {
    const group = this.group(rule.name);
    group.cancelRepeat?.();
    group.cancelRepeat = this.deps.timers.schedule(from + rule.repeatInterval, () => {
      group.cancelRepeat = undefined;
      const now = this.deps.clock.now();
      const still = this.deps.store
        .list(rule.name)
        .filter((a) => a.status === 'firing' && a.notified && !this.deps.silences.silenced(a, now));
      if (still.length > 0) this.send(rule, 'repeat', still);
      if (this.deps.store.list(rule.name).some((a) => a.status === 'firing')) this.scheduleRepeat(rule, now);
    });
  }

  private cancelRepeat(name: string): void {
    const group = this.groups.get(name);
    group?.cancelRepeat?.();
    if (group) group.cancelRepeat = undefined;
  }

  private send(rule: Rule, kind: Notification['kind'], states: readonly AlertState[]): void {
    const notification: Notification = {
      id: this.deps.newId(),
      rule: rule.name,
      channels: rule.notify,
      kind,
      alerts: states.map(toAlert),
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      ...(this.deps.traceUrlTemplate === undefined ? {} : { traceUrlTemplate: this.deps.traceUrlTemplate }),
    };
    this.deps.emit(notification);
  }

  private group(name: string): GroupTimers {
    let group = this.groups.get(name);
    if (!group) {
      group = { flushAt: undefined, cancelFlush: undefined, lastFlushAt: undefined, cancelRepeat: undefined };
      this.groups.set(name, group);
    }
    return group;
  }
}

export function toAlert(state: AlertState): Alert {
  const alert: Alert = {
    id: `${state.fingerprint}-${Date.parse(state.startsAt)}`,
    fingerprint: state.fingerprint,
    rule: state.rule,
    status: state.status,
    severity: state.severity,
    labels: state.labels,
    annotations: state.annotations,
    summary: state.summary,
    startsAt: state.startsAt,
    facts: state.facts,
  };
  return state.endsAt === undefined ? alert : { ...alert, endsAt: state.endsAt };
}
