import { type Attributes, type AttributeValue, type Span, trace } from '@opentelemetry/api';
import { Attr } from '../telemetry/keys.ts';
import { type State, type StateName, StateNames } from './state.ts';
import {
  type ErrorInfo,
  type ObservedTransition,
  TRANSITION_RECORD_VERSION,
  type TransitionRecord,
} from './transition.ts';

/** What a record reads of its flow run, at the moment it is made. */
export interface RecordedFlowRun {
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly tags: readonly string[];
  readonly traceId: string | undefined;
  readonly scheduledAt: string | undefined;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly parentId: string | undefined;
}

/** What a record reads of its task run; `id` only when the record's `taskRunId` is read. */
export interface RecordedTaskRun {
  readonly name: string;
  readonly id: string;
  readonly number: number;
}

type RecordState = Pick<State, 'type' | 'name'>;
const recordStates: Partial<Record<StateName, RecordState>> = {};

/** One frozen `{ type, name }` per state name, shared by every record in that state. */
function recordState(name: StateName): RecordState {
  let state = recordStates[name];
  if (!state) {
    state = Object.freeze({ type: StateNames[name], name });
    recordStates[name] = state;
  }
  return state;
}

/**
 * The one builder of transition records. A record is made for every task transition while anyone
 * listens, so it holds references to what it describes and reads from them on demand: the run's names
 * and ids (fixed for the run's life), the task run (whose lazy id never changes once made), the span it
 * had then, and its own time. The costly fields (`at` as an ISO string, `taskRunId`, `spanId`) are made
 * on first read and kept; what can change later (the parameters of a flow run) is taken at once. So a
 * record reads the same whenever it is read. `JSON.stringify` writes the `--record` line (`toJSON`).
 */
export class Transition implements ObservedTransition {
  readonly state: RecordState;
  readonly #run: RecordedFlowRun;
  readonly #taskRun: RecordedTaskRun | undefined;
  readonly #span: Span | undefined;
  readonly #atMs: number;
  readonly #params: Readonly<Record<string, unknown>> | undefined;
  #at: string | undefined;
  #spanId: string | null | undefined;
  #startedAt: string | number | undefined;

  /** A transition of `taskRun` (flow-run fields from `run`), or of `run` itself without one. */
  constructor(
    run: RecordedFlowRun,
    taskRun: RecordedTaskRun | undefined,
    span: Span | undefined,
    readonly seq: number,
    atMs: number,
    name: StateName,
    readonly attempt: number,
    readonly message: string | undefined,
    readonly error: ErrorInfo | undefined,
    /** ISO text, or epoch ms (a task run's start, formatted only if read). */
    startedAt: string | number | undefined,
  ) {
    this.state = recordState(name);
    this.#run = run;
    this.#taskRun = taskRun;
    this.#span = span;
    this.#atMs = atMs;
    this.#params = taskRun ? undefined : run.params;
    this.#startedAt = startedAt;
  }

  get startedAt(): string | undefined {
    if (typeof this.#startedAt === 'number') this.#startedAt = new Date(this.#startedAt).toISOString();
    return this.#startedAt;
  }

  get v(): typeof TRANSITION_RECORD_VERSION {
    return TRANSITION_RECORD_VERSION;
  }

  get flow(): string | undefined {
    return this.#run.name;
  }

  get flowRunId(): string | undefined {
    return this.#run.id;
  }

  get task(): string | undefined {
    return this.#taskRun?.name;
  }

  get traceId(): string | undefined {
    return this.#run.traceId;
  }

  get tags(): readonly string[] {
    return this.#run.tags;
  }

  get scheduledAt(): string | null {
    return this.#run.scheduledAt ?? null;
  }

  get params(): Readonly<Record<string, unknown>> | undefined {
    return this.#params;
  }

  get parentFlowRunId(): string | undefined {
    return this.#taskRun ? undefined : this.#run.parentId;
  }

  get atMs(): number {
    return this.#atMs;
  }

  get taskRunNumber(): number | undefined {
    return this.#taskRun?.number;
  }

  get at(): string {
    this.#at ??= new Date(this.#atMs).toISOString();
    return this.#at;
  }

  get taskRunId(): string | undefined {
    return this.#taskRun?.id;
  }

  get spanId(): string | undefined {
    if (this.#spanId === undefined) {
      const context = this.#span?.spanContext();
      this.#spanId = context && trace.isSpanContextValid(context) ? context.spanId : null;
    }
    return this.#spanId ?? undefined;
  }

  /** The `--record` line: the fields in the order of `RECORD_FIELDS`, absent ones left out. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {};
    for (const field of RECORD_FIELD_NAMES) {
      const value = this[field];
      if (value !== undefined) json[field] = value;
    }
    return json;
  }
}

/** A record made elsewhere (a test, a recorded file) as listeners receive records. */
export function observedTransition(record: TransitionRecord): ObservedTransition {
  return { ...record, atMs: Date.parse(record.at), taskRunNumber: undefined, toJSON: () => ({ ...record }) };
}

type LogAttributeWriter<Value> = (value: Value, attributes: Attributes) => void;
type LogAttributeWriters = {
  readonly [Field in keyof TransitionRecord]-?: LogAttributeWriter<NonNullable<TransitionRecord[Field]>>;
};

/** For a field the log record carries itself: as its timestamp or its trace context. */
const carried = (): void => {};

/** Writes a field as one attribute. */
const as =
  (key: string) =>
  (value: AttributeValue, attributes: Attributes): void => {
    attributes[key] = value;
  };

/**
 * Every field of a transition record, in the order of a `--record` line, with how it goes on the
 * transition's `flowtel.state` log record. Typed over every key of `TransitionRecord`: a new field does
 * not compile until it is listed here, and from here it reaches the JSON line and the log record.
 */
export const RECORD_FIELDS: LogAttributeWriters = {
  v: carried,
  seq: as(Attr.SEQ),
  at: carried,
  flow: as(Attr.PIPELINE_NAME),
  flowRunId: as(Attr.PIPELINE_RUN_ID),
  task: as(Attr.TASK_NAME),
  taskRunId: as(Attr.TASK_RUN_ID),
  attempt: as(Attr.ATTEMPT),
  state: (state, attributes) => {
    attributes[Attr.STATE_TYPE] = state.type;
    attributes[Attr.STATE_NAME] = state.name;
  },
  message: as(Attr.STATE_MESSAGE),
  error: (error, attributes) => {
    attributes[Attr.ERROR_TYPE] = error.type;
    attributes[Attr.ERROR_MESSAGE] = error.message;
  },
  traceId: carried,
  spanId: carried,
  tags: (tags, attributes) => {
    if (tags.length > 0) attributes[Attr.FLOW_TAGS] = [...tags];
  },
  scheduledAt: as(Attr.FLOW_SCHEDULED_TIME),
  params: (params, attributes) => {
    // Redacted parameters are primitives already (see `redactParams`), as on the flow span.
    for (const [key, value] of Object.entries(params)) {
      attributes[Attr.PARAMETER_PREFIX + key] =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : JSON.stringify(value);
    }
  },
  parentFlowRunId: as(Attr.FLOW_PARENT_RUN_ID),
  startedAt: as(Attr.STARTED_AT),
};

// `Object.keys` types keys as strings; these are exactly the keys of `TransitionRecord` (see above).
const RECORD_FIELD_NAMES = Object.keys(RECORD_FIELDS) as readonly (keyof TransitionRecord)[];

/** The attributes of a record's `flowtel.state` log record. */
export function logAttributes(record: TransitionRecord): Attributes {
  const attributes: Attributes = {};
  for (const field of RECORD_FIELD_NAMES) {
    const value = record[field];
    // The writer of `field` takes the type of `field` (see `LogAttributeWriters`); TypeScript cannot
    // follow that correlation through the loop.
    const write = RECORD_FIELDS[field] as LogAttributeWriter<typeof value>;
    if (value !== undefined && value !== null) write(value, attributes);
  }
  return attributes;
}
