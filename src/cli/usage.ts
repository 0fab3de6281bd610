/** A mistake in how flowtel was called (arguments, parameters, a file that does not load): exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const ExitCode = {
  COMPLETED: 0,
  NOT_COMPLETED: 1,
  USAGE: 2,
  /** `flowtel run --lock`: another run of the flow holds its lock; nothing was started. */
  LOCKED: 3,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export const MAIN_HELP = `flowtel: run TypeScript pipelines as flows and tasks, traced with OpenTelemetry.

Usage:
  flowtel run <file> [--flow name] [--param key=value ...] [--params-json '{...}'] [--record file.jsonl] [--rules dir] [--lock]
  flowtel serve [--flows <file|dir> ...] [--rules dir] [--host 127.0.0.1] [--port 4100] [--otlp-port 4318] [--forward url]
  flowtel rules check [dir]
  flowtel rules test <file>
  flowtel notify test <channel> [--rules dir]
  flowtel --help | flowtel <command> --help

Clients of a running flowtel serve (FLOWTEL_API_URL, default http://127.0.0.1:4100; FLOWTEL_API_TOKEN):
  flowtel runs [--flow name] [--state type|name] [--limit n] [--json]
  flowtel flows [--json]
  flowtel silence add --matcher key=value ... (--until <time> | --for <duration>) [--comment text]
  flowtel silence list | flowtel silence expire <id>
  flowtel run-now <flow> [--param key=value ...] [--params-json '{...}'] [--json]

Environment: OTEL_EXPORTER_OTLP_ENDPOINT (where telemetry goes), FLOWTEL_TRACE_URL (trace link
template, {traceId} replaced), FLOWTEL_ALERTING=off, FLOWTEL_HOME, FLOWTEL_MAX_TASK_SPANS,
FLOWTEL_LOAD_TIMEOUT (how long a flow or rules file may take to load, default 30s).
`;

export const RUN_HELP = `flowtel run <file> [options]

Runs one flow exported by <file> (.ts or .js), shows its task runs live, exports its telemetry,
evaluates the alert rules folder on it and delivers alerts before exiting.

Options:
  --flow <name>          which flow, when the file exports several (flow name or export name)
  --param key=value      a parameter; the value is JSON when it parses (n=5, dry=true), else a string,
                         and as typed where the flow wants a string (day=20261124); dotted keys nest
                         (db.host=x); repeat for more
  --params-json '{...}'  parameters as one JSON object (--param values are applied on top)
  --record <file>        write the run's transition records (JSON lines) to <file>
  --rules <dir>          alert rules folder (default ./rules when it exists)
  --lock                 run only if no other run of the flow holds its lock (in FLOWTEL_HOME), so
                         two cron-started copies never overlap; else exit 3 without starting
  -h, --help             this text

Exit codes: 0 the run completed; 1 it did not (failed, timed out, cancelled, crashed);
2 bad usage, invalid parameters or settings (no run starts), a file that does not load or a --record
path that cannot be written; 3 with --lock, another run of the flow holds its lock (no run starts);
130/143 stopped by SIGINT/SIGTERM (the run ends Cancelled).
`;
