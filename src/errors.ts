import type { State } from './runtime/state.ts';

/**
 * The errors flowtel throws. Each says when it is thrown; `cause` is kept where there is one.
 */

/** Thrown by calling a flow whose run did not complete. `cause` is what ended the run. */
export class FlowRunError extends Error {
  override name = 'FlowRunError';
  readonly runId: string;
  readonly state: State;
  readonly flow: string;

  constructor(flow: string, runId: string, state: State, cause: unknown) {
    super(`flow '${flow}' run ${runId} ended ${state.name}${state.message ? `: ${state.message}` : ''}`, {
      cause,
    });
    this.flow = flow;
    this.runId = runId;
    this.state = state;
  }
}

/** One problem with one parameter: the dotted path to the field and what is wrong with it. */
export interface ParameterIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The parameters of a flow run did not pass its schema. Through `.run()` the run ends Failed with this
 * error; through the CLI the run is refused before it starts.
 */
export class ParameterValidationError extends Error {
  override name = 'ParameterValidationError';
  readonly issues: readonly ParameterIssue[];

  constructor(flow: string, issues: readonly ParameterIssue[]) {
    const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    super(`invalid parameters for flow '${flow}': ${lines.join('; ')}`);
    this.issues = issues;
  }
}

/** Throw it from a task to fail the task run at once, whatever its `retries` and `retryIf` say. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** The reason a run's signal is aborted when its `timeout` passes; the run ends TimedOut. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/** The reason a run's signal is aborted when it is cancelled (signal, shutdown, a failing sibling). */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** A flow or task was defined with options that cannot work; names the option and the bad value. */
export class OptionsError extends TypeError {
  override name = 'OptionsError';
}

/**
 * A setting read from the environment has a value flowtel cannot use: `variable` and `value` name it,
 * the message says what is allowed. Thrown when the settings are read: `FLOWTEL_*` when a flow run
 * starts (the run then ends Crashed, naming the variable), `OTEL_*` by `setupTelemetry`,
 * `FLOWTEL_LOAD_TIMEOUT` when a flow or rules file is loaded. `flowtel` checks them all before it runs
 * anything and prints a bad one as a usage error (exit 2, no run, no alert).
 */
export class ConfigError extends RangeError {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    allowed: string,
    options: ErrorOptions & { readonly hint?: string } = {},
  ) {
    super(`${variable} must be ${allowed}, got '${value}'${options.hint ? ` ${options.hint}` : ''}`, options);
  }
}
