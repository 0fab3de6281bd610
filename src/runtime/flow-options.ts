import { defaults } from '../config.ts';
import { OptionsError } from '../errors.ts';
import {
  type FlowSchedule,
  resolveScheduling,
  type Schedule,
  type SchedulingOptions,
} from '../schedule/flow-schedules.ts';
import type { ParamRecording } from '../telemetry/redact.ts';
import type { StandardSchema } from './params.ts';
import { secretPathsOf } from './secret-params.ts';
import { type Duration, optionDuration } from './task-options.ts';

/** How a flow is defined; its scheduling options (`schedule`, `overlap`, ...) are `SchedulingOptions`. */
export interface FlowOptions<S extends StandardSchema | undefined = StandardSchema | undefined>
  extends SchedulingOptions {
  readonly name: string;
  /** Parameter schema (zod or any Standard Schema); defaults apply before the run starts. */
  readonly params?: S;
  readonly tags?: readonly string[];
  /** Limit of the whole run; its signal aborts and it ends TimedOut. @default none */
  readonly timeout?: Duration;
  readonly description?: string;
  /**
   * Parameters whose values are never recorded (besides secret-looking names and schema metadata);
   * a nested one as a dotted path, e.g. `'db.password'`.
   */
  readonly secrets?: readonly string[];
  /** What the span and records hold of parameters. @default FLOWTEL_RECORD_PARAMS or 'values' */
  readonly recordParams?: ParamRecording;
  /** How long a failing run waits for its aborted task runs to stop. @default '10s' */
  readonly abortGrace?: Duration;
}

export interface ResolvedFlowOptions {
  readonly name: string;
  readonly schema: StandardSchema | undefined;
  /** The schedule as declared (one or several), for tools that describe the flow. */
  readonly schedule: Schedule | readonly Schedule[] | undefined;
  /** Every declared schedule, checked, with its id. */
  readonly schedules: readonly FlowSchedule[];
  readonly overlap: NonNullable<FlowOptions['overlap']>;
  /** Null: no limit. */
  readonly concurrency: number | null;
  readonly catchUp: NonNullable<FlowOptions['catchUp']>;
  readonly tags: readonly string[];
  readonly description: string | undefined;
  readonly timeoutMs: number | undefined;
  /** Paths of the parameters marked secret (see `RedactOptions.secretPaths`). */
  readonly secretPaths: readonly (readonly string[])[];
  readonly recordParams: ParamRecording | undefined;
  readonly abortGraceMs: number;
}

export function resolveFlowOptions(options: FlowOptions): ResolvedFlowOptions {
  if (typeof options !== 'object' || options === null || typeof options.name !== 'string' || !options.name) {
    throw new OptionsError(
      'flow options must have a non-empty name, e.g. flow({ name: "nightly-orders" }, fn)',
    );
  }
  const field = (option: string) => `flow '${options.name}': ${option}`;
  const tags = options.tags ?? [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    throw new OptionsError(`${field('tags')} must be an array of strings`);
  }
  const schema = options.params;
  if (schema !== undefined && !(typeof schema === 'object' && schema !== null && '~standard' in schema)) {
    throw new OptionsError(`${field('params')} must be a zod schema or another Standard Schema`);
  }
  return {
    name: options.name,
    schema,
    schedule: options.schedule,
    ...resolveScheduling(options.name, options),
    tags: Object.freeze([...tags]),
    description: options.description,
    timeoutMs: options.timeout === undefined ? undefined : optionDuration(options.timeout, field('timeout')),
    secretPaths: [...(options.secrets ?? []).map((name) => name.split('.')), ...secretPathsOf(schema)],
    recordParams: options.recordParams,
    abortGraceMs:
      options.abortGrace === undefined
        ? defaults.abortGraceMs
        : optionDuration(options.abortGrace, field('abortGrace')),
  };
}
