/**
 * The errors of serve's HTTP API. Every refusal reaches the client as JSON `{ error, details? }` with
 * its status; neither a stack nor a header value (a token) ever goes into one.
 */

/** A request the API refuses: its status, a message that names what to fix, and headers it needs. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** One problem with one field of a request (a query parameter, a path in the body). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** A 400 that lists every problem at once, the first few also in the message a CLI prints. */
export function invalidRequest(what: string, problems: readonly FieldProblem[]): ApiError {
  const lines = problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`));
  return new ApiError(400, `invalid ${what}: ${lines.join('; ')}`, problems);
}

/**
 * Thrown by `checkBindSafety` when serve would listen beyond loopback without a token: anyone who can
 * reach the port could start and cancel runs and silence alerts.
 */
export class UnsafeBindError extends Error {
  override readonly name = 'UnsafeBindError';
  constructor(readonly host: string) {
    super(
      `refusing to listen on ${host} without a token: anyone who can reach it could start or cancel runs ` +
        'and silence alerts. Set FLOWTEL_API_TOKEN, or listen on loopback (--host 127.0.0.1)',
    );
  }
}
