import type { FlowSchedule } from '../schedule/flow-schedules.ts';
import { globalSingleton } from './global-singleton.ts';

/** A flow defined in this process with a `schedule`: every schedule it declares. */
export interface ScheduledFlow {
  readonly flow: string;
  readonly schedules: readonly FlowSchedule[];
}

type ScheduleListener = (scheduled: ScheduledFlow) => void;

// Process-wide, like the transition hub, so rules started by a CLI see flows defined by the user's copy.
const registry = globalSingleton('flowtel.schedules.v2', () => ({
  flows: new Map<string, readonly FlowSchedule[]>(),
  listeners: [] as ScheduleListener[],
}));

/** Called by `flow()` for a flow with schedules. The last definition of a name wins. */
export function registerFlowSchedules(flow: string, schedules: readonly FlowSchedule[]): void {
  registry.flows.set(flow, schedules);
  for (const listener of registry.listeners) {
    try {
      listener({ flow, schedules });
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
  for (const [flow, schedules] of registry.flows) listener({ flow, schedules });
  registry.listeners.push(listener);
  return () => {
    const at = registry.listeners.indexOf(listener);
    if (at >= 0) registry.listeners.splice(at, 1);
  };
}
