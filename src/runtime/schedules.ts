import type { Schedule } from './flow-options.ts';
import { globalSingleton } from './global-singleton.ts';

/** A flow defined in this process with a `schedule`, for alert rules that watch its lateness. */
export interface ScheduledFlow {
  readonly flow: string;
  readonly schedule: Schedule;
}

type ScheduleListener = (scheduled: ScheduledFlow) => void;

// Process-wide, like the transition hub, so rules started by a CLI see flows defined by the user's copy.
const registry = globalSingleton('flowtel.schedules.v1', () => ({
  flows: new Map<string, Schedule>(),
  listeners: [] as ScheduleListener[],
}));

/** Called by `flow()` for a flow with a schedule. The last definition of a name wins. */
export function registerFlowSchedule(flow: string, schedule: Schedule): void {
  registry.flows.set(flow, schedule);
  for (const listener of registry.listeners) {
    try {
      listener({ flow, schedule });
    } catch {
      // An observer's bug must not break defining a flow.
    }
  }
}

/**
 * Calls `listener` for every scheduled flow defined so far, then for each one defined later; returns the
 * function that stops listening.
 */
export function onFlowSchedule(listener: ScheduleListener): () => void {
  for (const [flow, schedule] of registry.flows) listener({ flow, schedule });
  registry.listeners.push(listener);
  return () => {
    const at = registry.listeners.indexOf(listener);
    if (at >= 0) registry.listeners.splice(at, 1);
  };
}
