import { randomUUID } from 'node:crypto';

/**
 * Flow run ids chosen by a caller (`RunOptions.flowRunId`, `FLOWTEL_RUN_ID`): serve picks a run's id
 * before its child process starts, so it can answer `run-now` and watch the run at once. An id travels
 * in span attributes, log records, URLs and SQLite rows, so only a UUID or a token of URL-safe
 * characters is taken.
 */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What a caller's run id may look like, for error messages. */
export const RUN_ID_ALLOWED =
  "a UUID or a token of 1 to 128 letters, digits, '.', '_' and '-' (starting with a letter or digit)";

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

/** The caller's id when it is one, a new UUID when none was given, or the error that says why not. */
export function chosenRunId(value: unknown): string | TypeError {
  if (value === undefined) return randomUUID();
  if (isRunId(value)) return value;
  return new TypeError(`flowRunId must be ${RUN_ID_ALLOWED}, got ${JSON.stringify(value)}`);
}
