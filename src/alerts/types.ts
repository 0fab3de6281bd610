import type { ErrorInfo } from '../runtime/transition.ts';

/**
 * The contract between the rules engine (which decides *when* to notify) and delivery (which makes the
 * messages arrive). The engine emits `Notification`s; delivery renders and sends them per channel.
 */

export type Severity = 'info' | 'warning' | 'critical';

/** One alert: a rule firing for one identity (rule + identity keys + groupBy values). */
export interface Alert {
  /** Stable id of this firing episode: fingerprint plus the time it started firing. Shown in messages. */
  readonly id: string;
  /** Hash of the identity; the same for every episode of the same identity. */
  readonly fingerprint: string;
  readonly rule: string;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  /** Identity keys (flow, task, run, schedule, groupBy values) plus the rule's own labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** From the rule (`summary`, `runbook`, ...). */
  readonly annotations: Readonly<Record<string, string>>;
  /** One line a human reads first, e.g. "nightly-orders failed: TypeError: boom". */
  readonly summary: string;
  readonly startsAt: string;
  readonly endsAt?: string;
  /** Facts of the run that fired (or resolved) the alert, for the message body. */
  readonly facts: AlertFacts;
}

export interface AlertFacts {
  readonly flow?: string;
  readonly flowRunId?: string;
  readonly task?: string;
  readonly taskRunId?: string;
  readonly attempt?: number;
  readonly state?: { readonly type: string; readonly name: string };
  readonly error?: ErrorInfo;
  readonly traceId?: string;
  readonly startedAt?: string;
  readonly durationMs?: number;
  /** Already redacted at the source (the runtime never emits secret values). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly tags?: readonly string[];
  /** flow-late: how many scheduled slots passed without a run. */
  readonly missedSlots?: number;
  readonly scheduledAt?: string;
}

/** One message to deliver: the alerts of one rule that fired together (grouped), for its channels. */
export interface Notification {
  /** Unique per notification; the outbox key that makes delivery idempotent across restarts. */
  readonly id: string;
  readonly rule: string;
  /** Channel names from the rules' `notify` (resolved against defaults). */
  readonly channels: readonly string[];
  /** `firing` for the first notice, `repeat` after repeatInterval, `resolved` when all alerts resolved. */
  readonly kind: 'firing' | 'repeat' | 'resolved';
  readonly alerts: readonly Alert[];
  readonly createdAt: string;
  /** Trace link template from `links.trace` / FLOWTEL_TRACE_URL, `{traceId}` to be replaced. */
  readonly traceUrlTemplate?: string;
}
