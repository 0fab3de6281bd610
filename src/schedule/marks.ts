/**
 * Where the scheduler remembers, per schedule, the last slot it dealt with (ran, queued, skipped or
 * recorded as missed), so a serve that was down finds the slots it missed when it starts again. Keys
 * are the flow name and the schedule's id within the flow. A SQLite version lives in `src/store`.
 */
export interface ScheduleMarks {
  /** Epoch ms of the last slot dealt with, or undefined for a schedule never seen. */
  get(flow: string, scheduleId: string): number | undefined;
  set(flow: string, scheduleId: string, slotAt: number): void;
}

export class InMemoryScheduleMarks implements ScheduleMarks {
  readonly #marks = new Map<string, number>();

  get(flow: string, scheduleId: string): number | undefined {
    return this.#marks.get(key(flow, scheduleId));
  }

  set(flow: string, scheduleId: string, slotAt: number): void {
    this.#marks.set(key(flow, scheduleId), slotAt);
  }
}

function key(flow: string, scheduleId: string): string {
  return `${flow}\u0000${scheduleId}`;
}
