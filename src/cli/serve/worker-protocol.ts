import { z } from 'zod';

/**
 * What a child process of serve's worker and serve say to each other. The child is a plain
 * `flowtel run`; these variables tell it who it is, and over the IPC channel it tells serve whether its
 * run began (so `run-now` can answer with the run, or with the validation message of refused
 * parameters). Everything about the run itself travels over OTLP, like any other pipeline's telemetry.
 */
export const ChildEnv = {
  /** `1`: the process is a child of serve and talks over IPC (`process.send`). */
  SERVE_CHILD: 'FLOWTEL_SERVE_CHILD',
  /** The flow run's id, chosen by serve (honoured by any `flowtel run`). */
  RUN_ID: 'FLOWTEL_RUN_ID',
  /** When the run was due, ISO 8601 with a time zone (honoured by any `flowtel run`). */
  SCHEDULED_AT: 'FLOWTEL_SCHEDULED_AT',
} as const;

const ParameterIssueSchema = z.object({ path: z.string(), message: z.string() });

export const ChildMessageSchema = z.discriminatedUnion('type', [
  /** Parameters accepted, the run began (its first transition happened) under `runId`. */
  z.object({ type: z.literal('started'), runId: z.string() }),
  /** Parameters refused: no run was started, the process exits 2. */
  z.object({
    type: z.literal('refused'),
    message: z.string(),
    issues: z.array(ParameterIssueSchema),
  }),
]);

export type ChildMessage = z.infer<typeof ChildMessageSchema>;
