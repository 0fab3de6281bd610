import type { AlertState } from '../alerts/state.ts';
import type { Alert, Notification } from '../alerts/types.ts';
import type { Clock } from '../clock.ts';
import type { Cancel, TimerQueue } from '../schedule/timer-queue.ts';
import type { AlertBook } from './alert-book.ts';
import type { Rule } from './resolve.ts';
import type { Silences } from './silences.ts';

/**
 * Turns alert state changes into notifications, per rule (the group), as Alertmanager does:
 * - the first notification of a quiet group waits `groupWait` (default 0: at once), gathering what fires
 *   together; later ones wait until `groupInterval` after the previous one (storm control);
 * - a flush sends one `firing` notification with the newly firing alerts and one `resolved` notification
 *   with the alerts that resolved (only those that were announced, and only with `sendResolved`);
 * - while alerts stay firing, a `repeat` with all of them every `repeatInterval` (timed from the stored
 *   `lastNotifiedAt`, so a restarted engine re-arms it);
 * - silenced alerts are left out but keep their state; when a silence ends, what still fires is sent;
 * - acknowledged alerts are not repeated (someone is on it); their resolution is still sent.
 */
export interface GroupDeps {
  readonly clock: Clock;
  readonly timers: TimerQueue;
  readonly book: AlertBook;
  readonly silences: Silences;
  /** Brings what conditions count lazily (flow-late's missed slots) up to now: called before a read. */
  readonly settle: () => void;
  readonly emit: (notification: Notification) => void;
  readonly newId: () => string;
  readonly traceUrlTemplate: string | undefined;
}

interface GroupTimers {
  flushAt: number | undefined;
  cancelFlush: Cancel | undefined;
  lastFlushAt: number | undefined;
  /** When the pending repeat is due (while `cancelRepeat` is set). */
  repeatAt: number | undefined;
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
    let quiet = true;
    for (const alert of this.deps.book.states(rule.name)) {
      if (!alert.notified) continue;
      quiet = false;
      break;
    }
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

  /**
   * Picks up alert states a previous engine left (a restart): what it had not yet sent is
   * sent (after groupWait, as new), and repeats of what it announced come `repeatInterval` after the last
   * notification, neither earlier nor never.
   */
  resume(rules: readonly Rule[]): void {
    const now = this.deps.clock.now();
    for (const rule of rules) {
      const states = this.deps.book.list(rule.name);
      if (states.length === 0) continue;
      const announced = states.filter((a) => a.status === 'firing' && a.notified);
      for (const alert of announced) {
        // A state from before lastNotifiedAt was kept: its last notice is unknown, so the clock starts now.
        if (alert.lastNotifiedAt === undefined)
          this.deps.book.put({ ...alert, lastNotifiedAt: new Date(now).toISOString() });
      }
      const last = states.reduce(
        (latest, a) => (a.lastNotifiedAt ? Math.max(latest, Date.parse(a.lastNotifiedAt)) : latest),
        Number.NEGATIVE_INFINITY,
      );
      if (Number.isFinite(last)) this.group(rule.name).lastFlushAt = last;
      if (announced.length > 0) this.scheduleRepeat(rule);
      if (states.some((a) => a.status === 'resolved' || !a.notified)) this.changed(rule);
    }
  }

  /** An alert of `rule` was acknowledged: its repeat clock no longer counts it. */
  acknowledged(rule: Rule): void {
    this.scheduleRepeat(rule);
  }

  private flush(rule: Rule): void {
    const { book, clock } = this.deps;
    this.deps.settle();
    const now = clock.now();
    const firing: AlertState[] = [];
    const resolved: AlertState[] = [];
    for (const alert of book.list(rule.name)) {
      const silenced = this.deps.silences.silenced(alert, now);
      if (alert.status === 'firing') {
        if (!alert.notified && !silenced) firing.push(alert);
      } else {
        // A resolution is news only to those who heard of the firing; either way the episode is over.
        if (alert.notified && !silenced && rule.sendResolved) resolved.push(alert);
        book.delete(alert.fingerprint);
      }
    }
    const sentAt = new Date(now).toISOString();
    for (const alert of firing) book.put({ ...alert, notified: true, lastNotifiedAt: sentAt });
    if (firing.length > 0) this.send(rule, 'firing', firing, sentAt);
    if (resolved.length > 0) this.send(rule, 'resolved', resolved, sentAt);
    if (firing.length > 0 || resolved.length > 0) this.group(rule.name).lastFlushAt = now;
    this.scheduleRepeat(rule);
  }

  /**
   * The group's next repeat: `repeatInterval` after the alert announced longest ago, so an alert that
   * fires later does not postpone the repeat of one already firing. A repeat carries every announced
   * alert still firing and not acknowledged (one message, not one per alert) and restarts their repeat clocks.
   */
  private scheduleRepeat(rule: Rule): void {
    const group = this.group(rule.name);
    let oldest = Number.POSITIVE_INFINITY;
    for (const a of this.deps.book.states(rule.name)) {
      if (repeats(a)) oldest = Math.min(oldest, Date.parse(a.lastNotifiedAt ?? a.startsAt));
    }
    const due = oldest + rule.repeatInterval;
    if (group.cancelRepeat !== undefined && group.repeatAt === due) return; // already on its way
    group.cancelRepeat?.();
    group.cancelRepeat = undefined;
    if (oldest === Number.POSITIVE_INFINITY) return;
    group.repeatAt = due;
    group.cancelRepeat = this.deps.timers.schedule(due, () => {
      group.cancelRepeat = undefined;
      this.deps.settle();
      const now = this.deps.clock.now();
      const sentAt = new Date(now).toISOString();
      const still: AlertState[] = [];
      for (const alert of this.repeating(rule)) {
        this.deps.book.put({ ...alert, lastNotifiedAt: sentAt });
        if (!this.deps.silences.silenced(alert, now)) still.push(alert);
      }
      if (still.length > 0) this.send(rule, 'repeat', still, sentAt);
      this.scheduleRepeat(rule);
    });
  }

  private repeating(rule: Rule): AlertState[] {
    return this.deps.book.list(rule.name).filter(repeats);
  }

  private send(
    rule: Rule,
    kind: Notification['kind'],
    states: readonly AlertState[],
    createdAt: string,
  ): void {
    const notification: Notification = {
      id: this.deps.newId(),
      rule: rule.name,
      channels: rule.notify,
      kind,
      alerts: states.map(toAlert),
      createdAt,
      ...(this.deps.traceUrlTemplate === undefined ? {} : { traceUrlTemplate: this.deps.traceUrlTemplate }),
    };
    this.deps.emit(notification);
  }

  private group(name: string): GroupTimers {
    let group = this.groups.get(name);
    if (!group) {
      group = {
        flushAt: undefined,
        cancelFlush: undefined,
        lastFlushAt: undefined,
        repeatAt: undefined,
        cancelRepeat: undefined,
      };
      this.groups.set(name, group);
    }
    return group;
  }
}

/** Whether an alert is due repeats: announced, still firing, and nobody acknowledged it. */
function repeats(alert: AlertState): boolean {
  return alert.status === 'firing' && alert.notified && alert.acknowledgedAt === undefined;
}

export function toAlert(state: AlertState): Alert {
  const {
    notified: _notified,
    lastNotifiedAt: _lastNotifiedAt,
    memory: _memory,
    acknowledgedAt: _acknowledgedAt,
    ...alert
  } = state;
  return { id: `${state.fingerprint}-${Date.parse(state.startsAt)}`, ...alert };
}
