import type { FlowSchedule, SchedulableFlow, Schedule } from '../../schedule/flow-schedules.ts';
import type { NormalSpec } from '../../schedule/spec.ts';
import type { CatalogFlow } from './catalog.ts';

/** What the scheduler needs of the catalog's flows. */
export function schedulableFlows(flows: readonly CatalogFlow[]): SchedulableFlow[] {
  return flows.map(({ name, schedules, overlap, concurrency, catchUp }) => ({
    name,
    schedules: schedules.map((schedule): FlowSchedule => ({ ...schedule, spec: specOf(schedule.spec) })),
    overlap,
    concurrency,
    catchUp,
  }));
}

/** A flow's schedules as the flow-late rules watch them, each under its id (the alerts' `schedule` label). */
export interface WatchedSchedules {
  readonly flow: string;
  readonly schedules: readonly Schedule[];
}

export function watchedSchedules(flows: readonly CatalogFlow[]): WatchedSchedules[] {
  return flows
    .filter((flow) => flow.schedules.length > 0)
    .map((flow) => ({
      flow: flow.name,
      schedules: flow.schedules.map(
        (schedule): Schedule => ({ ...specOf(schedule.spec), name: schedule.id }),
      ),
    }));
}

/** A spec as JSON carried it (an absent anchor may read as undefined). */
function specOf(spec: CatalogFlow['schedules'][number]['spec']): NormalSpec {
  if ('interval' in spec) {
    return spec.anchor === undefined
      ? { interval: spec.interval }
      : { interval: spec.interval, anchor: spec.anchor };
  }
  return spec;
}
