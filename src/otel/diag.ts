import type { DiagLogger } from '@opentelemetry/api';
import { SHUT_DOWN } from './export-guard.ts';

const MAX_LINE = 240;

/**
 * The SDK's own messages (export errors above all), at most one line per kind of message, on stderr.
 * An unreachable backend makes every export fail, and the SDK reports each one: a line per batch would
 * bury the run's output. Every known header value (`OTEL_EXPORTER_OTLP_*HEADERS` may carry API keys) is
 * blanked out of what is printed, in case a message ever quotes a request.
 */
export function createDiagLogger(
  secrets: readonly string[],
  write: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): DiagLogger {
  const seen = new Set<string>();
  const print = (args: unknown[]) => {
    let text = args.map(describe).join(' ').replace(/\s+/g, ' ').trim();
    // Failures we caused by giving up at the shutdown deadline: the drop summary already says so.
    if (text.includes(SHUT_DOWN)) return;
    for (const secret of secrets) text = text.split(secret).join('[REDACTED]');
    // The kind of a message: its start, without the numbers (ports, counts, durations) that vary.
    const kind = text.slice(0, 60).replace(/\d+/g, '#');
    if (seen.has(kind) || seen.size >= 50) return;
    seen.add(kind);
    write(`flowtel: telemetry: ${text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text}`);
  };
  const ignore = () => {};
  return {
    error: (...args) => print(args),
    warn: (...args) => print(args),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

/** Header values from `OTEL_EXPORTER_OTLP_HEADERS` and the per-signal variables, for redaction. */
export function headerSecrets(env: NodeJS.ProcessEnv): string[] {
  const names = ['', 'TRACES_', 'LOGS_', 'METRICS_'].map((s) => `OTEL_EXPORTER_OTLP_${s}HEADERS`);
  const values: string[] = [];
  for (const name of names) {
    for (const pair of env[name]?.split(',') ?? []) {
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value.length < 4) continue; // too short to be a secret, and would blank ordinary words
      values.push(value);
      try {
        values.push(decodeURIComponent(value));
      } catch {
        // not percent-encoded: the raw value is enough
      }
    }
  }
  return values;
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === 'string') return value.startsWith('{') ? messageOf(value) : value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The SDK's global error handler passes errors as JSON (`stack`, `message`, ...): keep the message. */
function messageOf(json: string): string {
  try {
    const parsed = JSON.parse(json) as { message?: unknown; name?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
    if (typeof parsed.name === 'string') return parsed.name;
  } catch {
    // not JSON after all
  }
  return json;
}
