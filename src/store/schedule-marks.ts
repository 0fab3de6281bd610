import type { ScheduleMarks } from '../schedule/marks.ts';
import type { Database, Statement } from './sqlite.ts';

/**
 * The scheduler's marks in `flowtel.db` (table `schedule_marks`): the last slot each schedule dealt
 * with, so a serve that was down finds the slots it missed. A mark is written at once, not behind: there
 * are a few per minute at most, and one lost with a crash would run or report a slot twice.
 */
export class SqliteScheduleMarks implements ScheduleMarks {
  readonly #get: Statement;
  readonly #set: Statement;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT slot_at FROM schedule_marks WHERE flow = ? AND schedule_id = ?');
    this.#set = db.prepare(
      `INSERT INTO schedule_marks (flow, schedule_id, slot_at) VALUES (?, ?, ?)
       ON CONFLICT (flow, schedule_id) DO UPDATE SET slot_at = excluded.slot_at`,
    );
  }

  get(flow: string, scheduleId: string): number | undefined {
    return (this.#get.get(flow, scheduleId) as { slot_at: number } | undefined)?.slot_at;
  }

  set(flow: string, scheduleId: string, slotAt: number): void {
    this.#set.run(flow, scheduleId, slotAt);
  }
}
