import { z } from 'zod';
import { type StateName, StateNames, StateType } from './state.ts';
import type { TransitionRecord } from './transition.ts';

/**
 * The schema of a transition record as a `--record` line holds it: for readers of recorded lines
 * (`rules test`, and `serve`'s ingest). Kept out of the runtime's imports, so running a flow never
 * builds a zod schema. Each field's schema is checked against the field's type, and the whole against
 * `TransitionRecord`: a field added to the type does not compile until it is added here.
 */
const stateNames = Object.keys(StateNames) as [StateName, ...StateName[]];

export const RecordState = z
  .strictObject({ type: z.enum(StateType), name: z.enum(stateNames) })
  .refine(({ type, name }) => StateNames[name] === type, {
    message: 'state.type must be the type of state.name',
  });

export const transitionFields = {
  v: z.literal(1),
  seq: z.int().nonnegative(),
  at: z.iso.datetime({ offset: true }),
  flow: z.string().optional(),
  flowRunId: z.string().optional(),
  task: z.string().optional(),
  taskRunId: z.string().optional(),
  attempt: z.int().min(1),
  state: RecordState,
  message: z.string().optional(),
  error: z.strictObject({ type: z.string(), message: z.string() }).optional(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  tags: z.array(z.string()),
  scheduledAt: z.iso.datetime({ offset: true }).nullable(),
  params: z.record(z.string(), z.unknown()).optional(),
  parentFlowRunId: z.string().optional(),
  startedAt: z.iso.datetime({ offset: true }).optional(),
} satisfies { readonly [Field in keyof TransitionRecord]-?: z.ZodType<TransitionRecord[Field]> };

export const TransitionRecordSchema = z.object(transitionFields) satisfies z.ZodType<TransitionRecord>;
