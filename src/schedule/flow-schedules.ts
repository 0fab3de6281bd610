import { OptionsError } from '../errors.ts';
import { describeSchedule, type NormalSpec, normalSpec, type ScheduleSpec } from './spec.ts';

/**
 * What a flow declares about when it runs (`flow({ schedule, overlap, concurrency, catchUp })`), checked
 * and resolved once, into the plain data `flowtel serve`'s scheduler and the flow-late rules work from.
 */

/**
 * When a flow runs on its own: `{ cron, timezone? }`, `{ interval, anchor? }` or a one-off `{ at }`,
 * each with optional `params` and `name`. Used by `flowtel serve` and by `flow-late` alert rules.
 */
export type Schedule = ScheduleSpec & {
  /**
   * The schedule's id within its flow: the `schedule` label of its flow-late alerts and the key serve
   * remembers its last slot by. @default the description, e.g. 'cron 0 2 * * * Europe/Berlin', 'every 30s'
   */
  readonly name?: string;
  /** The parameters of the runs this schedule starts (validated by the flow's schema). @default none */
  readonly params?: Readonly<Record<string, unknown>>;
};

/**
 * A slot that comes while runs of the flow are in flight (as many as `concurrency`): `'skip'` it,
 * `'queue'` it until one ends, or `'allow'` it to run alongside.
 */
export type Overlap = 'skip' | 'queue' | 'allow';

/**
 * Slots missed while serve was down: `'skip'` records them as missed, `'run-once'` runs the last one
 * when serve starts (and records the others as missed).
 */
export type CatchUp = 'skip' | 'run-once';

/** What a flow says about scheduling, as `FlowOptions` carries it. */
export interface SchedulingOptions {
  /**
   * When `flowtel serve` runs the flow, and what `flow-late` rules without a schedule of their own
   * watch: one schedule or several, e.g. `{ cron: '0 2 * * *', timezone: 'Europe/Berlin' }`,
   * `{ interval: '30s' }`, `{ at: '2026-12-02T10:00:00Z', params: { day: '2026-12-01' } }`.
   */
  readonly schedule?: Schedule | readonly Schedule[];
  /** @default 'skip' */
  readonly overlap?: Overlap;
  /** Runs of this flow serve keeps in flight at once. @default 1 for skip and queue, no limit for allow */
  readonly concurrency?: number;
  /** @default 'skip' */
  readonly catchUp?: CatchUp;
}

/** One schedule of a flow, resolved: JSON-safe. */
export interface FlowSchedule {
  /** Its name, else its description: unique within the flow. */
  readonly id: string;
  readonly spec: NormalSpec;
  readonly params: Readonly<Record<string, unknown>> | null;
}

/** What serve's scheduler knows of a flow: plain data, so serve can read it from a child process as JSON. */
export interface SchedulableFlow {
  readonly name: string;
  readonly schedules: readonly FlowSchedule[];
  readonly overlap: Overlap;
  /** Null: no limit. */
  readonly concurrency: number | null;
  readonly catchUp: CatchUp;
}

export type FlowScheduling = Omit<SchedulableFlow, 'name'>;

const OVERLAPS: readonly Overlap[] = ['skip', 'queue', 'allow'];
const CATCH_UPS: readonly CatchUp[] = ['skip', 'run-once'];

/** Checks and resolves what a flow declares; throws OptionsError naming the flow and the field. */
export function resolveScheduling(flow: string, options: SchedulingOptions): FlowScheduling {
  const field = (option: string) => `flow '${flow}': ${option}`;
  const overlap = options.overlap ?? 'skip';
  if (!OVERLAPS.includes(overlap)) {
    throw new OptionsError(
      `${field('overlap')} must be 'skip', 'queue' or 'allow', got ${JSON.stringify(overlap)}`,
    );
  }
  const catchUp = options.catchUp ?? 'skip';
  if (!CATCH_UPS.includes(catchUp)) {
    throw new OptionsError(
      `${field('catchUp')} must be 'skip' or 'run-once', got ${JSON.stringify(catchUp)}`,
    );
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new OptionsError(
      `${field('concurrency')} must be a whole number of at least 1, got ${JSON.stringify(concurrency)}`,
    );
  }
  const declared = options.schedule;
  const many = Array.isArray(declared);
  const list: readonly Schedule[] = declared === undefined ? [] : many ? declared : [declared as Schedule];
  const schedules: FlowSchedule[] = [];
  list.forEach((schedule, i) => {
    const entry = resolveSchedule(schedule, field(many ? `schedule[${i}]` : 'schedule'));
    const twin = schedules.findIndex((s) => s.id === entry.id);
    if (twin >= 0) {
      throw new OptionsError(
        `${field(`schedule[${i}]`)} has the id '${entry.id}' of schedule[${twin}]: give one of them a different name`,
      );
    }
    schedules.push(entry);
  });
  return {
    schedules,
    overlap,
    concurrency: concurrency ?? (overlap === 'allow' ? null : 1),
    catchUp,
  };
}

function resolveSchedule(schedule: Schedule, field: string): FlowSchedule {
  const spec = normalSpec(schedule, field);
  const { name, params } = schedule;
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    throw new OptionsError(`${field}.name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw new OptionsError(`${field}.params must be an object of parameters, got ${JSON.stringify(params)}`);
  }
  return { id: name ?? describeSchedule(spec), spec, params: params ?? null };
}

/** The scheduling part of a flow's resolved options (e.g. `ResolvedFlowOptions`), as plain data. */
export function toSchedulableFlow(options: SchedulableFlow): SchedulableFlow {
  const { name, schedules, overlap, concurrency, catchUp } = options;
  return { name, schedules, overlap, concurrency, catchUp };
}
