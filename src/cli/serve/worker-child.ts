import { ConfigError, ParameterValidationError } from '../../errors.ts';
import { isRunId, RUN_ID_ALLOWED } from '../../runtime/run-id.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { ChildEnv, type ChildMessage } from './worker-protocol.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The run id and due time a caller handed `flowtel run` (serve's worker, or a user's own scheduler). */
export interface RunIdentity {
  readonly flowRunId?: string;
  readonly scheduledAt?: string;
}

/** `2026-11-25T02:00:00Z`, `2026-11-25T03:00:00.250+01:00`: a time zone is required, local time is a guess. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * `FLOWTEL_RUN_ID` and `FLOWTEL_SCHEDULED_AT`, each only when set; a value that cannot be used throws
 * `ConfigError` (exit 2, no run), naming the variable and the value.
 */
export function readRunIdentity(env: Env): RunIdentity {
  const runId = set(env[ChildEnv.RUN_ID]);
  const scheduledAt = set(env[ChildEnv.SCHEDULED_AT]);
  if (runId !== undefined && !isRunId(runId)) throw new ConfigError(ChildEnv.RUN_ID, runId, RUN_ID_ALLOWED);
  if (
    scheduledAt !== undefined &&
    !(ISO_INSTANT.test(scheduledAt) && !Number.isNaN(Date.parse(scheduledAt)))
  ) {
    throw new ConfigError(
      ChildEnv.SCHEDULED_AT,
      scheduledAt,
      "an ISO 8601 time with a time zone, such as '2026-11-25T02:00:00Z'",
    );
  }
  return {
    ...(runId === undefined ? {} : { flowRunId: runId }),
    ...(scheduledAt === undefined ? {} : { scheduledAt }),
  };
}

/**
 * Takes the variables out of this process's environment once read: a flow that starts `flowtel run`
 * itself must not hand the child its own run id (two runs under one id) or its IPC role.
 */
export function forgetRunIdentity(): void {
  for (const name of Object.values(ChildEnv)) delete process.env[name];
}

/** The child's side of the IPC channel to serve. */
export interface ServeChild {
  /** Sees every transition; tells serve `started` at the run's first one. */
  observe(record: TransitionRecord): void;
  /** Tells serve why a run was refused, when it was for its parameters; resolves once sent. */
  refused(error: unknown): Promise<void>;
  /** `cancel` is called once if the channel closes (serve went away): the run must not go on unwatched. */
  onDisconnect(cancel: () => void): void;
  /** Resolves once every message is handed to the channel (before the process exits). */
  flush(): Promise<void>;
}

/** The IPC channel to serve, when this process is one of its children (`FLOWTEL_SERVE_CHILD=1`). */
export function serveChild(env: Env): ServeChild | undefined {
  const send = process.send?.bind(process);
  if (env[ChildEnv.SERVE_CHILD] !== '1' || send === undefined) return undefined;
  // The channel must not keep the process alive: a flow file whose top-level await can never settle is
  // told at once (the loader watches for an idle event loop), not after the load timeout.
  process.channel?.unref();
  // Once serve is gone its end of the stderr pipe is closed too: a write must not crash the run before
  // it ends Cancelled and flushes its telemetry.
  process.stderr.on('error', () => {});
  process.stdout.on('error', () => {});
  const pending = new Set<Promise<void>>();
  const post = (message: ChildMessage): Promise<void> => {
    if (!process.connected) return Promise.resolve();
    const sent = new Promise<void>((resolve) => {
      // A channel that closed meanwhile: the disconnect handler cancels the run, nothing to add here.
      send(message, undefined, {}, () => resolve());
    });
    pending.add(sent);
    void sent.then(() => pending.delete(sent));
    return sent;
  };
  let started = false;
  return {
    observe(record) {
      // The root flow run's first transition: subflows come later, task runs later still.
      if (started || record.task !== undefined || record.flowRunId === undefined) return;
      started = true;
      void post({ type: 'started', runId: record.flowRunId });
    },
    async refused(error) {
      const cause = (error as { cause?: unknown } | null)?.cause;
      if (!(cause instanceof ParameterValidationError)) return;
      await post({ type: 'refused', message: cause.message, issues: [...cause.issues] });
    },
    onDisconnect(cancel) {
      if (process.connected) process.once('disconnect', cancel);
      else queueMicrotask(cancel); // serve went away while the flow file was loading
    },
    async flush() {
      await Promise.all(pending);
    },
  };
}

function set(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
