import { parseArgs } from 'node:util';
import { UsageError } from '../usage.ts';

export interface ServeArgs {
  readonly flows: readonly string[];
  readonly rules: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly otlpPort: number;
  readonly forward: string | undefined;
  readonly logUnconfigured: boolean;
  readonly help: boolean;
}

export const DEFAULT_API_PORT = 4100;
export const DEFAULT_OTLP_PORT = 4318;

export const SERVE_HELP = `flowtel serve [options]

The long-running process: runs the flows of --flows on their schedules (each run in its own child
process), receives OTLP/HTTP from pipelines anywhere, evaluates the alert rules on all of it, keeps run
history in FLOWTEL_HOME's SQLite file, and serves a JSON API, /healthz and /metrics.

Options:
  --flows <file|dir>   flow files (or folders of them) to schedule and run; repeat for more
  --rules <dir>        alert rules folder (default ./rules when it exists)
  --host <host>        where to listen (default 127.0.0.1; any other host needs FLOWTEL_API_TOKEN)
  --port <port>        API port (default ${DEFAULT_API_PORT}; 0 picks a free one)
  --otlp-port <port>   OTLP/HTTP port (default ${DEFAULT_OTLP_PORT}; 0 picks a free one)
  --forward <url>      send everything received, unchanged, to this OTLP/HTTP endpoint too
  --log-unconfigured   alerts of channels whose variables are unset go to this log instead of
                       refusing to start (for trying serve on one machine, never for production)
  -h, --help           this text

Environment: FLOWTEL_API_TOKEN (bearer token for changing endpoints), FLOWTEL_HOME,
FLOWTEL_RETENTION (run history kept, default 30d), FLOWTEL_SHUTDOWN_GRACE (default 30s),
FLOWTEL_TRACE_URL. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads flows and rules.
`;

export function parseServeArgs(args: readonly string[]): ServeArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see flowtel serve --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}' (flow files go in --flows <file|dir>)`);
  }
  return {
    flows: values.flows ?? [],
    rules: values.rules,
    host: values.host ?? '127.0.0.1',
    port: port(values.port, '--port', DEFAULT_API_PORT),
    otlpPort: port(values['otlp-port'], '--otlp-port', DEFAULT_OTLP_PORT),
    forward: values.forward === undefined ? undefined : forwardUrl(values.forward),
    logUnconfigured: values['log-unconfigured'] ?? false,
    help: values.help ?? false,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      flows: { type: 'string', multiple: true },
      rules: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'otlp-port': { type: 'string' },
      forward: { type: 'string' },
      'log-unconfigured': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function port(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65_535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (0: a free one), got '${value}'`);
  }
  return number;
}

function forwardUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--forward must be an http(s) URL such as http://collector:4318, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `--forward must be an http(s) URL such as http://collector:4318, got '${url.protocol}' URL`,
    );
  }
  return value.replace(/\/+$/, '');
}
