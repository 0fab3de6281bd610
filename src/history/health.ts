import type { FlowHealth } from './run-views.ts';
import type { RunHistory } from './types.ts';

/** A run not yet running whose slot is this far past is late. */
export const LATE_AFTER_MS = 60_000;
/** A running run that announced no heartbeat interval is stuck after this much silence. */
export const STUCK_WITHOUT_HEARTBEAT_MS = 120_000;
/** Ids listed in `late` and `stuck`, at most. */
const MAX_IDS = 20;
/** Runs read per page of the streak walk. */
const STREAK_PAGE = 50;

/**
 * A flow's health for `GET /api/v1/flows`, over the history's seam: the failure streak walks the flow's
 * ended runs newest first (pages of the list, by the (flow, sort time) index) and stops at the first
 * run that is neither a failure nor cancelled; late and stuck come from the runs in flight.
 */
export function flowHealth(
  history: Pick<RunHistory, 'list' | 'inFlight'>,
  flow: string,
  now: number,
): FlowHealth {
  let streak = 0;
  let failingSince: string | null = null;
  let cursor: string | undefined;
  walk: for (;;) {
    const page = history.list({ flow, limit: STREAK_PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const run of page.runs) {
      if (run.endedAt === null || run.state.type === 'CANCELLED') continue;
      if (run.state.type !== 'FAILED' && run.state.type !== 'CRASHED') break walk;
      streak++;
      failingSince = run.startedAt ?? run.scheduledAt ?? run.state.at;
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  const lastSuccess = history.list({ flow, state: 'COMPLETED', limit: 1 }).runs[0];
  const late: string[] = [];
  const stuck: string[] = [];
  for (const run of history.inFlight()) {
    if (run.flow !== flow) continue;
    if (run.stateType === 'SCHEDULED' || run.stateType === 'PENDING') {
      const scheduled = run.scheduledAt === null ? Number.NaN : Date.parse(run.scheduledAt);
      if (now - scheduled > LATE_AFTER_MS && late.length < MAX_IDS) late.push(run.id);
    } else if (run.stateType === 'RUNNING') {
      const allowed =
        run.heartbeatIntervalMs === undefined ? STUCK_WITHOUT_HEARTBEAT_MS : 2 * run.heartbeatIntervalMs;
      if (now - run.lastHeardAt > allowed && stuck.length < MAX_IDS) stuck.push(run.id);
    }
  }
  return { failingSince, streak, lastSuccessAt: lastSuccess?.endedAt ?? null, late, stuck };
}
